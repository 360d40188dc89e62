import { readFile } from 'node:fs/promises';
import { ApiError } from '../api/errors.js';
import type { AppContext } from '../app/context.js';
import type { WindowLevel } from '../imaging/rgb.js';
import { DicomError, parseDicom } from './dataset.js';
import { instancePath } from './queries.js';
import { renderDataset, type RenderedImage } from './render.js';
import type { TagEntry } from '../api/studies.js';
import { listTags } from './tags.js';

/**
 * An indexed instance's header and pixels, for the other domains (cases render key images with it; reports read the
 * patient's tags) and for the contract's `instances.*` handlers: one way in, without going through the dispatcher.
 */

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

export async function instanceTags(ctx: AppContext, sopUid: string): Promise<TagEntry[]> {
  return listTags(parseDicom(await instanceBytes(ctx, sopUid)));
}

/** One frame as the viewer shows it at this window (what the model is given for a key image). */
export async function renderInstance(ctx: AppContext, sopUid: string, opts: { frame?: number; window?: WindowLevel; invert?: boolean }): Promise<RenderedImage> {
  const ds = parseDicom(await instanceBytes(ctx, sopUid));
  try {
    return await renderDataset(ds, { frame: opts.frame ?? 0, window: opts.window, invert: opts.invert });
  } catch (err) {
    throw err instanceof DicomError ? new ApiError('bad_request', `Cannot render ${sopUid}: ${err.message}`) : err;
  }
}
