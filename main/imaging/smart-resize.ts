/** Qwen2-VL `smart_resize` (onnx-runtime.md §5.2, HF Python): the size an image is resized to before patching. */
export class ImageSizeError extends Error {
  override name = 'ImageSizeError';
}

export const MAX_ASPECT_RATIO = 200;
export const MIN_SIDE = 10;

/** Python's round(): halves go to the even neighbour, so results match the Python processor at exact .5. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Returns [height, width], both multiples of `factor` (patch 14 × merge 2 = 28), with the pixel count inside
 * [minPixels, maxPixels] and the aspect ratio kept as closely as the grid allows.
 */
export function smartResize(height: number, width: number, factor: number, minPixels: number, maxPixels: number): [number, number] {
  if (height < MIN_SIDE || width < MIN_SIDE) {
    throw new ImageSizeError(`image is ${width}×${height} pixels; each side must be at least ${MIN_SIDE} pixels`);
  }
  const aspect = Math.max(height, width) / Math.min(height, width);
  if (aspect > MAX_ASPECT_RATIO) {
    throw new ImageSizeError(`image is ${width}×${height} pixels: its aspect ratio ${aspect.toFixed(1)} exceeds ${MAX_ASPECT_RATIO}; crop it first`);
  }
  let h = Math.max(factor, roundHalfEven(height / factor) * factor);
  let w = Math.max(factor, roundHalfEven(width / factor) * factor);
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(factor, Math.floor(height / beta / factor) * factor);
    w = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return [h, w];
}
