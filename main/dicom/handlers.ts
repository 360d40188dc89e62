import { ApiError } from '../api/errors.js';
import type { Handlers } from '../app/handlers.js';
import { DicomError } from './dataset.js';
import { cancelImport, importReport, startImport } from './importer.js';
import { instanceTags, renderInstancePng } from './instances.js';
import { listStudies, seriesInstances, seriesThumbnail } from './queries.js';
import { readSrDocument, studyDocuments } from './sr-read.js';
import { saveUpload } from './upload.js';

type StudiesMethod = 'studies.upload' | 'studies.import' | 'studies.importReport' | 'studies.cancelImport' | 'studies.list' | 'series.thumbnail' | 'series.instances' | 'instances.tags' | 'instances.render' | 'studies.documents' | 'instances.sr';

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
  'series.thumbnail': ({ seriesInstanceUid }, ctx) => {
    const thumbnail = seriesThumbnail(ctx, seriesInstanceUid);
    if (thumbnail === undefined) throw new ApiError('not_found', `No series ${seriesInstanceUid} in the database.`);
    return { thumbnail };
  },
  'series.instances': ({ seriesInstanceUid }, ctx) => {
    const instances = seriesInstances(ctx, seriesInstanceUid);
    if (!instances) throw new ApiError('not_found', `No series ${seriesInstanceUid} in the database.`);
    return { instances };
  },
  'instances.tags': async ({ sopInstanceUid }, ctx) => ({ tags: await instanceTags(ctx, sopInstanceUid) }),
  'studies.documents': ({ studyInstanceUid }, ctx) => ({ documents: studyDocuments(ctx, studyInstanceUid) }),
  'instances.sr': ({ sopInstanceUid }, ctx) => readSrDocument(ctx, sopInstanceUid),
  'instances.render': ({ sopInstanceUid, frame, window, invert }, ctx) => renderInstancePng(ctx, sopInstanceUid, { frame, window, invert }),
};

function unknownTask(taskId: string): never {
  throw new ApiError('not_found', `No import task ${taskId} in this session.`);
}
