import { describe, expect, it } from 'vitest';
import { patchify, type VisionConfig } from './patchify.js';
import { ImageSizeError, roundHalfEven, smartResize } from './smart-resize.js';

const cfg: VisionConfig = { patchSize: 14, temporalPatchSize: 2, mergeSize: 2, minPixels: 3136, maxPixels: 262144, mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711], rescale: 1 / 255 };
const solid = (width: number, height: number, v = 255) => ({ width, height, data: new Uint8Array(width * height * 3).fill(v) });

describe('patchify (Qwen2.5-VL image processor)', () => {
  it('turns a 224×224 image into pixel_values [256, 1176], grid [1, 16, 16] and 64 image tokens', () => {
    const p = patchify(solid(224, 224), cfg);
    expect([p.rows, p.cols]).toEqual([256, 1176]);
    expect(p.pixelValues.length).toBe(256 * 1176);
    expect(p.grid).toEqual([1, 16, 16]);
    expect(p.tokens).toBe(64);
    // white normalises to (1 − mean) / std per channel; the first 392 values of a row are channel 0 (2 frames × 14 × 14)
    expect(p.pixelValues[0]).toBeCloseTo((1 - 0.48145466) / 0.26862954, 5);
    expect(p.pixelValues[392]).toBeCloseTo((1 - 0.4578275) / 0.26130258, 5);
  });

  it('puts the four patches of a 2×2 merge window on consecutive rows', () => {
    // 56×56: patch (row, col) is coloured by its index so each row of pixel_values names its patch
    const img = solid(56, 56, 0);
    for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) img.data[(y * 56 + x) * 3] = Math.floor(y / 14) * 4 + Math.floor(x / 14);
    const p = patchify(img, { ...cfg, mean: [0, 0, 0], std: [1, 1, 1], rescale: 1 });
    const patchOfRow = Array.from({ length: p.rows }, (_, r) => p.pixelValues[r * p.cols]);
    expect(patchOfRow).toEqual([0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15]);
  });
});

describe('smartResize', () => {
  const f = 28;
  it('rounds to multiples of 28 (Python rounding: halves to even)', () => {
    expect(smartResize(224, 224, f, 3136, 262144)).toEqual([224, 224]);
    expect(smartResize(100, 150, f, 3136, 262144)).toEqual([112, 140]);
    expect(smartResize(42, 70, f, 3136, 262144)).toEqual([56, 56]); // 1.5 → 2, 2.5 → 2
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(3.5)).toBe(4);
  });
  it('scales huge images down under max_pixels, keeping the aspect', () => {
    // β = sqrt(4000·3000 / 262144) ≈ 6.766: floor(21.1)·28 = 588, floor(15.8)·28 = 420
    expect(smartResize(4000, 3000, f, 3136, 262144)).toEqual([588, 420]);
    expect(smartResize(30000, 30000, f, 3136, 262144)).toEqual([504, 504]);
  });
  it('scales tiny-but-valid images up to min_pixels', () => {
    const [h, w] = smartResize(12, 20, f, 3136, 262144);
    expect(h * w).toBeGreaterThanOrEqual(3136);
    expect([h % f, w % f]).toEqual([0, 0]);
  });
  it('rejects images under 10 pixels a side', () => {
    expect(() => smartResize(9, 500, f, 3136, 262144)).toThrow(ImageSizeError);
    expect(() => smartResize(9, 500, f, 3136, 262144)).toThrow(/at least 10 pixels/);
  });
  it('rejects an aspect ratio over 200 with a clear error', () => {
    expect(() => smartResize(10, 2001, f, 3136, 262144)).toThrow(/aspect ratio 200\.1 exceeds 200/);
    expect(() => smartResize(10, 2000, f, 3136, 262144)).not.toThrow();
  });
});
