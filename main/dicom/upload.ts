import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ApiError } from '../api/errors.js';
import type { AppContext } from '../app/context.js';

export interface UploadedFile {
  readonly name: string;
  readonly data: string; // base64
}

/**
 * Where a browser drop lands: `<dataDir>/uploads/<uploadId>/`. Imports reference files in place, so dropped files
 * need a home of their own; names are reduced to their base name so nothing is written outside that folder.
 */
export function saveUpload(ctx: AppContext, files: readonly UploadedFile[], uploadId?: string): { uploadId: string; directory: string; files: number } {
  const id = uploadId ?? randomUUID();
  const directory = join(ctx.dataDir, 'uploads', id);
  if (uploadId !== undefined && !existsSync(directory)) throw new ApiError('not_found', `No upload ${uploadId}; start a new one without an uploadId.`);
  mkdirSync(directory, { recursive: true });
  files.forEach((file, i) => {
    const bytes = Buffer.from(file.data, 'base64');
    if (bytes.length === 0 && file.data.length > 0) throw new ApiError('bad_request', `${file.name}: data is not base64.`);
    // The index keeps two dropped files of the same name apart.
    const safe = basename(file.name.replaceAll('\\', '/')).replace(/[^\w.-]/g, '_') || 'file';
    writeFileSync(join(directory, `${Date.now().toString(36)}-${i}-${safe}`), bytes, { flag: 'wx' });
  });
  return { uploadId: id, directory, files: files.length };
}
