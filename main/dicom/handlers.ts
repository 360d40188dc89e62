import { ApiError } from '../api/errors.js';
import type { AppContext } from '../app/context.js';
import type { Handlers } from '../app/handlers.js';
import { DicomError, parseDicom } from './dataset.js';
import { cancelImport, importReport, startImport } from './importer.js';
import { instancePath, listStudies, seriesInstances } from './queries.js';
import { readDicomFile } from './read-file.js';
import { listTags } from './tags.js';
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
  'instances.tags': async ({ sopInstanceUid }, ctx) => ({ tags: listTags(parseDicom(await instanceBytes(ctx, sopInstanceUid))) }),
  'instances.render': async ({ sopInstanceUid, frame, window, invert }, ctx) => {
    const path = instancePath(ctx, sopInstanceUid);
    if (!path) throw new ApiError('not_found', `No instance ${sopInstanceUid} in the database.`);
    try {
      // Decoding runs in the DICOM worker: a huge or hostile frame never blocks the API.
      return await dicomWorker(ctx).run('render', { path, frame: frame ?? 0, window, invert });
    } catch (err) {
      if (err instanceof FileAccessError) throw movedFile(sopInstanceUid, path, err.code);
      throw err instanceof DicomError ? new ApiError('bad_request', `Cannot render ${sopInstanceUid}: ${err.message}`) : err;
    }
  },
};

function unknownTask(taskId: string): never {
  throw new ApiError('not_found', `No import task ${taskId} in this session.`);
}

/** Reads an indexed instance's file; the file is referenced in place, so it may have moved since import. */
export async function instanceBytes(ctx: AppContext, sopUid: string): Promise<Buffer> {
  const path = instancePath(ctx, sopUid);
  if (!path) throw new ApiError('not_found', `No instance ${sopUid} in the database.`);
  try {
    return await readDicomFile(path);
  } catch (err) {
    if (err instanceof DicomError) throw new ApiError('bad_request', `The file of instance ${sopUid} at ${path} cannot be read: ${err.message}`);
    throw movedFile(sopUid, path, (err as NodeJS.ErrnoException).code ?? String(err));
  }
}

function movedFile(sopUid: string, path: string, code: string): ApiError {
  return new ApiError('not_found', `The file of instance ${sopUid} is no longer at ${path} (${code}); import it again from where it is now.`);
}
