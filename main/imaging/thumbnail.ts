import { encodePng } from './decode.js';
import { resizeBicubic } from './resize.js';
import type { RgbImage } from './rgb.js';

/** A small PNG data: URL of an image (longest side ≤ `max`), so events and reports carry it without file access. */
export function thumbnailDataUrl(img: RgbImage, max = 128): string {
  const scale = Math.min(1, max / Math.max(img.width, img.height));
  const small = resizeBicubic(img, Math.max(1, Math.round(img.width * scale)), Math.max(1, Math.round(img.height * scale)));
  return `data:image/png;base64,${encodePng(small).toString('base64')}`;
}
