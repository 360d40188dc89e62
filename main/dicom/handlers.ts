import { readFile } from 'node:fs/promises';
import { ApiError } from '../api/errors.js';
import type { AppContext } from '../app/context.js';
import type { Handlers } from '../app/handlers.js';
import { DicomError, parseDicom } from './dataset.js';
import { cancelImport, importReport, startImport } from './importer.js';
import { instancePath, listStudies, seriesInstances } from './queries.js';
import { renderDataset } from './render.js';
import { listTags } from './tags.js';
import { encodePng, pngDataUrl } from '../imaging/decode.js';
import { saveUpload } from './upload.js';

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
    const ds = parseDicom(await instanceBytes(ctx, sopInstanceUid));
    try {
      const image = await renderDataset(ds, { frame: frame ?? 0, window, invert });
      return { png: pngDataUrl(encodePng(image)), width: image.width, height: image.height, window: image.window };
    } catch (err) {
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
    return await readFile(path);
  } catch (err) {
    throw new ApiError('not_found', `The file of instance ${sopUid} is no longer at ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}); import it again from where it is now.`);
  }
}
