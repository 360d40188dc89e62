import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { ApiError } from '../api/errors.js';
import { decodeImage, sniffImage } from '../imaging/decode.js';
import type { RgbImage } from '../imaging/rgb.js';
import { mib } from './budget.js';
import { DicomError } from './dataset.js';
import { readDicomFile } from './read-file.js';
import { renderFrame } from './render.js';

/** A PNG or JPEG model input: far more than any 64-megapixel picture needs. */
const MAX_PICTURE_BYTES = 256 * 2 ** 20;

/** PNG and JPEG whole (up to MAX_PICTURE_BYTES); anything else only once its first bytes show it is DICOM (see readDicomFile). */
async function readImageBytes(file: string): Promise<Uint8Array> {
  const head = Buffer.alloc(8);
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  let size: number;
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new DicomError('not a regular file');
    size = info.size;
    await handle.read(head, 0, 8, 0);
  } finally {
    await handle.close();
  }
  if (!sniffImage(head)) return readDicomFile(file);
  if (size > MAX_PICTURE_BYTES) throw new DicomError(`a ${mib(size)} PNG or JPEG is larger than the ${mib(MAX_PICTURE_BYTES)} a model input may be`);
  return readFile(file);
}

/** An image file for the model: PNG/JPEG by their magic bytes, anything else as DICOM (first frame, its default window). */
export async function loadImageFile(file: string): Promise<RgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readImageBytes(file);
  } catch (err) {
    if (err instanceof DicomError) throw new ApiError('bad_request', `image ${file} cannot be used: ${err.message}`);
    throw new ApiError('bad_request', `cannot read image ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    if (sniffImage(bytes)) return decodeImage(bytes, file);
    const { width, height, data } = await renderFrame(bytes, { frame: 0 });
    return { width, height, data };
  } catch (err) {
    throw new ApiError('bad_request', `image ${file} cannot be used: ${(err as Error).message}`);
  }
}
