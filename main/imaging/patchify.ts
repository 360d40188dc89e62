import type { RgbImage } from './rgb.js';
import { resizeBicubic } from './resize.js';
import { smartResize } from './smart-resize.js';

export interface VisionConfig {
  readonly patchSize: number; // 14
  readonly temporalPatchSize: number; // 2
  readonly mergeSize: number; // 2
  readonly minPixels: number;
  readonly maxPixels: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  readonly rescale: number; // 1/255
}

export interface PatchedImage {
  /** [gridT·gridH·gridW, 3·T·P·P] float32, row-major. */
  readonly pixelValues: Float32Array;
  readonly rows: number;
  readonly cols: number;
  /** In patch units: [t, h, w]. */
  readonly grid: readonly [number, number, number];
  /** How many `<|image_pad|>` tokens the image becomes: t·h·w / merge². */
  readonly tokens: number;
}

/**
 * The Qwen2.5-VL image processor (onnx-runtime.md §5.1–5.3): smart_resize, bicubic resize, rescale and normalise in
 * float32, tile the still image to `temporalPatchSize` frames, and patchify so that each 2×2 merge window's patches are
 * adjacent rows (the vision merger's output then follows raster order over the merged grid).
 */
export function patchify(img: RgbImage, cfg: VisionConfig): PatchedImage {
  const factor = cfg.patchSize * cfg.mergeSize;
  const [h, w] = smartResize(img.height, img.width, factor, cfg.minPixels, cfg.maxPixels);
  const resized = resizeBicubic(img, w, h);
  const P = cfg.patchSize;
  const T = cfg.temporalPatchSize;
  const M = cfg.mergeSize;
  const gh = h / P;
  const gw = w / P;
  // Normalised planes, as the HF processor computes them: float32 rescale, then (x − mean) / std in float32.
  const f = Math.fround;
  const planes = [0, 1, 2].map((c) => {
    const mean = f(cfg.mean[c]!);
    const std = f(cfg.std[c]!);
    const plane = new Float32Array(h * w);
    for (let i = 0; i < h * w; i++) plane[i] = f(f(f(resized.data[i * 3 + c]! * cfg.rescale) - mean) / std);
    return plane;
  });
  const rowLen = 3 * T * P * P;
  const rows = gh * gw; // grid_t = 1 for a still image
  const out = new Float32Array(rows * rowLen);
  let r = 0;
  for (let bh = 0; bh < gh / M; bh++) {
    for (let bw = 0; bw < gw / M; bw++) {
      for (let mh = 0; mh < M; mh++) {
        for (let mw = 0; mw < M; mw++) {
          const py = (bh * M + mh) * P;
          const px = (bw * M + mw) * P;
          let o = r * rowLen;
          for (let c = 0; c < 3; c++) {
            const plane = planes[c]!;
            for (let t = 0; t < T; t++) {
              for (let y = 0; y < P; y++) {
                const src = (py + y) * w + px;
                out.set(plane.subarray(src, src + P), o);
                o += P;
              }
            }
          }
          r++;
        }
      }
    }
  }
  return { pixelValues: out, rows, cols: rowLen, grid: [1, gh, gw], tokens: rows / (M * M) };
}
