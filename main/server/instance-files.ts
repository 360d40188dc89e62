import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../api/errors.js';
import type { AppContext } from '../app/context.js';
import { viewerFileOf } from '../dicom/instances.js';

export const INSTANCE_FILES_PREFIX = '/files/instances/';

/**
 * GET /files/instances/<SOPInstanceUID>: streams the indexed file as application/dicom (the viewer's loader reads it).
 * A compressed file whose frame table would mislead the loader is sent rewritten (see viewerFileOf). `uid` is the
 * decoded rest of the path.
 */
export async function sendInstanceFile(ctx: AppContext, req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
  const fail = (status: number, err: ApiError) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(err.toBody()));
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, new ApiError('bad_request', 'Use GET for instance files.'));
  const file = await viewerFileOf(ctx, uid);
  if (!file) return fail(404, new ApiError('not_found', `No instance ${uid} in the database.`));
  const { path, bytes } = file;
  const head = { 'content-type': 'application/dicom', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
  if (bytes) {
    res.writeHead(200, { ...head, 'content-length': String(bytes.length) });
    return void res.end(req.method === 'HEAD' ? undefined : bytes);
  }
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return fail(404, new ApiError('not_found', `The file of instance ${uid} is no longer at ${path}; import it again.`));
  }
  res.writeHead(200, { ...head, 'content-length': String(size) });
  if (req.method === 'HEAD') return void res.end();
  await new Promise<void>((resolve) => {
    createReadStream(path).on('error', () => res.destroy()).pipe(res).on('close', resolve);
  });
}
