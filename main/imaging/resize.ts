import type { RgbImage } from './rgb.js';

/**
 * Bicubic resize matching Pillow's `Image.resize(size, BICUBIC)` on 8-bit RGB, which is what the Qwen2-VL image processor
 * uses: separable convolution (horizontal pass first) with the a = −0.5 cubic kernel, widened by the scale factor when
 * shrinking (antialiasing), 22-bit fixed-point weights and clipping to 8 bits after each pass.
 */
const PRECISION_BITS = 22;
const SUPPORT = 2;

function cubic(x: number): number {
  const a = -0.5;
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

interface Coeffs {
  bounds: Int32Array; // [min, count] per output pixel
  weights: Int32Array; // ksize per output pixel
  ksize: number;
}

function coefficients(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterScale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = cubic((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < ksize; x++) {
      const v = x < xmax && ww !== 0 ? k[x]! / ww : 0;
      weights[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { bounds, weights, ksize };
}

function clip8(v: number): number {
  // v is the fixed-point sum; Pillow shifts right by PRECISION_BITS after clamping.
  if (v <= 0) return 0;
  const r = Math.floor(v / (1 << PRECISION_BITS));
  return r > 255 ? 255 : r;
}

export function resizeBicubic(img: RgbImage, width: number, height: number): RgbImage {
  if (width === img.width && height === img.height) return img;
  if (width < 1 || height < 1) throw new RangeError(`cannot resize to ${width}x${height}`);
  const vert = coefficients(img.height, height);
  // Rows of the source that the vertical pass reads, so the horizontal pass can skip the rest (as Pillow does).
  const yFirst = vert.bounds[0]!;
  const yLast = vert.bounds[(height - 1) * 2]! + vert.bounds[(height - 1) * 2 + 1]!;
  let src = img.data;
  let srcW = img.width;
  let rowOffset = 0;
  if (width !== img.width) {
    const horiz = coefficients(img.width, width);
    const rows = yLast - yFirst;
    const tmp = new Uint8Array(width * rows * 3);
    for (let y = 0; y < rows; y++) {
      const inRow = (y + yFirst) * img.width * 3;
      for (let xx = 0; xx < width; xx++) {
        const xmin = horiz.bounds[xx * 2]!;
        const xmax = horiz.bounds[xx * 2 + 1]!;
        const kOff = xx * horiz.ksize;
        let r = 1 << (PRECISION_BITS - 1);
        let g = r;
        let b = r;
        for (let x = 0; x < xmax; x++) {
          const w = horiz.weights[kOff + x]!;
          const p = inRow + (x + xmin) * 3;
          r += src[p]! * w;
          g += src[p + 1]! * w;
          b += src[p + 2]! * w;
        }
        const o = (y * width + xx) * 3;
        tmp[o] = clip8(r);
        tmp[o + 1] = clip8(g);
        tmp[o + 2] = clip8(b);
      }
    }
    src = tmp;
    srcW = width;
    rowOffset = yFirst;
  }
  if (height === img.height) return { width, height, data: src };
  const out = new Uint8Array(width * height * 3);
  for (let yy = 0; yy < height; yy++) {
    const ymin = vert.bounds[yy * 2]! - rowOffset;
    const ymax = vert.bounds[yy * 2 + 1]!;
    const kOff = yy * vert.ksize;
    for (let xx = 0; xx < width; xx++) {
      let r = 1 << (PRECISION_BITS - 1);
      let g = r;
      let b = r;
      for (let y = 0; y < ymax; y++) {
        const w = vert.weights[kOff + y]!;
        const p = ((y + ymin) * srcW + xx) * 3;
        r += src[p]! * w;
        g += src[p + 1]! * w;
        b += src[p + 2]! * w;
      }
      const o = (yy * width + xx) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return { width, height, data: out };
}

/** Shrinks an image to fit `size`×`size` by averaging source boxes (never enlarges). */
export function shrinkToFit(img: RgbImage, size: number): RgbImage {
  const scale = Math.min(1, size / Math.max(img.width, img.height));
  const width = Math.max(1, Math.round(img.width * scale));
  const height = Math.max(1, Math.round(img.height * scale));
  if (width === img.width && height === img.height) return img;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * img.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * img.height) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * img.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * img.width) / width));
      let r = 0, g = 0, b = 0;
      for (let sy = y0; sy < y1; sy++) {
        for (let sx = x0; sx < x1; sx++) {
          const o = (sy * img.width + sx) * 3;
          r += img.data[o]!;
          g += img.data[o + 1]!;
          b += img.data[o + 2]!;
        }
      }
      const n = (y1 - y0) * (x1 - x0);
      const o = (y * width + x) * 3;
      data[o] = Math.round(r / n);
      data[o + 1] = Math.round(g / n);
      data[o + 2] = Math.round(b / n);
    }
  }
  return { width, height, data };
}
