import { encodePng, pngDataUrl } from './decode.js';
import { shrinkToFit } from './resize.js';
import type { RgbImage } from './rgb.js';

/** A small PNG data: URL of an image (longest side ≤ `max`), so events and reports carry it without file access. */
export function thumbnailDataUrl(img: RgbImage, max = 128): string {
  return pngDataUrl(encodePng(shrinkToFit(img, max)));
}
