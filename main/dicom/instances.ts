import { ApiError } from '../api/errors.js';
import type { RenderedFrame, TagEntry } from '../api/studies.js';
import type { AppContext } from '../app/context.js';
import type { WindowLevel } from '../imaging/rgb.js';
import { DicomError } from './dataset.js';
import { TS } from './image-info.js';
import { instanceFile, instancePath } from './queries.js';
import type { RenderedImage } from './render.js';
import { FileAccessError } from './worker/client.js';

/**
 * An indexed instance's header and pixels, for the studies port the composition root gives cases and reports (key
 * images rendered for the model, the patient's tags for a report) and for the contract's `instances.*` handlers.
 * Reading and decoding run in the DICOM worker: a huge or hostile file never blocks the API.
 */
export interface FrameRequest {
  frame?: number;
  window?: WindowLevel;
  invert?: boolean;
}

export function instanceTags(ctx: AppContext, sopUid: string): Promise<TagEntry[]> {
  return inWorker(ctx, sopUid, 'read the tags of', (path) => ctx.services.dicom.run('tags', { path }));
}

/** One frame as RGB, as the viewer shows it at this window (what the model is given for a key image). */
export function renderInstance(ctx: AppContext, sopUid: string, opts: FrameRequest): Promise<RenderedImage> {
  return inWorker(ctx, sopUid, 'render', (path) => ctx.services.dicom.run('rgb', { path, frame: opts.frame ?? 0, window: opts.window, invert: opts.invert }));
}

/** The same frame as a PNG data: URL (`instances.render`). */
export function renderInstancePng(ctx: AppContext, sopUid: string, opts: FrameRequest): Promise<RenderedFrame> {
  return inWorker(ctx, sopUid, 'render', (path) => ctx.services.dicom.run('render', { path, frame: opts.frame ?? 0, window: opts.window, invert: opts.invert }));
}

/** Runs a worker job on an indexed instance's file, its failures as API errors that say what went wrong. */
async function inWorker<T>(ctx: AppContext, sopUid: string, verb: string, job: (path: string) => Promise<T>): Promise<T> {
  const path = instancePath(ctx, sopUid);
  if (!path) throw new ApiError('not_found', `No instance ${sopUid} in the database.`);
  try {
    return await job(path);
  } catch (err) {
    if (err instanceof FileAccessError) throw new ApiError('not_found', `The file of instance ${sopUid} is no longer at ${path} (${err.code}); import it again from where it is now.`);
    throw err instanceof DicomError ? new ApiError('bad_request', `Cannot ${verb} ${sopUid}: ${err.message}`) : err;
  }
}

const NATIVE = new Set<string>([TS.implicitLE, TS.explicitLE, TS.deflated, TS.explicitBE]);

/**
 * What the viewer's loader is served for an instance: its file, or (compressed files whose frame table would mislead
 * the loader: wrong, or empty with fragments ≠ frames) a rewritten copy with a correct table. A file the worker
 * cannot read is served as it is, so the loader reports its own error in the viewport. Undefined: unknown UID.
 */
export async function viewerFileOf(ctx: AppContext, sopUid: string): Promise<{ path: string; bytes: Uint8Array | null } | undefined> {
  const file = instanceFile(ctx, sopUid);
  if (!file) return undefined;
  if (NATIVE.has(file.transferSyntax)) return { path: file.path, bytes: null };
  try {
    return { path: file.path, bytes: await ctx.services.dicom.run('viewerFile', { path: file.path }) };
  } catch (err) {
    if (!(err instanceof DicomError || err instanceof FileAccessError)) ctx.logger.log('warn', `serving ${sopUid} unchanged: ${(err as Error).message}`);
    return { path: file.path, bytes: null };
  }
}
