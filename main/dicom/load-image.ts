import { readFileSync } from 'node:fs';
import { ApiError } from '../api/errors.js';
import { decodeImage, sniffImage } from '../imaging/decode.js';
import type { RgbImage } from '../imaging/rgb.js';
import { renderFrame } from './render.js';

/** An image file for the model: PNG/JPEG by their magic bytes, anything else as DICOM (first frame, its default window). */
export async function loadImageFile(file: string): Promise<RgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
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
