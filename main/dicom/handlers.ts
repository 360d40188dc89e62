import { ApiError } from '../api/errors.js';
import type { AppContext } from '../app/context.js';
import type { Handlers } from '../app/handlers.js';
import { DicomError } from './dataset.js';
import { cancelImport, importReport, startImport } from './importer.js';
import { instancePath, listStudies, seriesInstances } from './queries.js';
import { saveUpload } from './upload.js';
import { dicomWorker, FileAccessError } from './worker/client.js';

type StudiesMethod = 'studies.upload' | 'studies.import' | 'studies.importReport' | 'studies.cancelImport' | 'studies.list' | 'series.instances' | 'instances.tags' | 'instances.render';

export const studiesHandlers: Pick<Handlers, StudiesMethod> = {
  'studies.upload': ({ uploadId, files }, ctx) => saveUpload(ctx, files, uploadId),
  'studies.import': ({ paths }, ctx) => {
    try {
      return { taskId: startImport(ctx, paths) };
    } catch (err) {
      throw err instanceof DicomError ? new ApiError('bad_request', err.message) : err;
    }
  },
  'studies.importReport': ({ taskId }, ctx) => importReport(ctx, taskId) ?? unknownTask(taskId),
  'studies.cancelImport': async ({ taskId }, ctx) => ({ cancelled: (await cancelImport(ctx, taskId)) ?? unknownTask(taskId) }),
  'studies.list': (_params, ctx) => ({ patients: listStudies(ctx) }),
  'series.instances': ({ seriesInstanceUid }, ctx) => {
    const instances = seriesInstances(ctx, seriesInstanceUid);
    if (!instances) throw new ApiError('not_found', `No series ${seriesInstanceUid} in the database.`);
    return { instances };
  },
  // Reading and decoding run in the DICOM worker: a huge or hostile file never blocks the API.
  'instances.tags': async ({ sopInstanceUid }, ctx) => ({ tags: await inWorker(ctx, sopInstanceUid, 'read the tags of', (path) => dicomWorker(ctx).run('tags', { path })) }),
  'instances.render': async ({ sopInstanceUid, frame, window, invert }, ctx) =>
    inWorker(ctx, sopInstanceUid, 'render', (path) => dicomWorker(ctx).run('render', { path, frame: frame ?? 0, window, invert })),
};

/** Runs a worker job on an indexed instance's file, its failures as API errors that say what went wrong. */
async function inWorker<T>(ctx: AppContext, sopUid: string, verb: string, job: (path: string) => Promise<T>): Promise<T> {
  const path = instancePath(ctx, sopUid);
  if (!path) throw new ApiError('not_found', `No instance ${sopUid} in the database.`);
  try {
    return await job(path);
  } catch (err) {
    if (err instanceof FileAccessError) throw movedFile(sopUid, path, err.code);
    throw err instanceof DicomError ? new ApiError('bad_request', `Cannot ${verb} ${sopUid}: ${err.message}`) : err;
  }
}

function unknownTask(taskId: string): never {
  throw new ApiError('not_found', `No import task ${taskId} in this session.`);
}

function movedFile(sopUid: string, path: string, code: string): ApiError {
  return new ApiError('not_found', `The file of instance ${sopUid} is no longer at ${path} (${code}); import it again from where it is now.`);
}
