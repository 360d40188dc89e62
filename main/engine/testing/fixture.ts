import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RgbImage } from '../../imaging/rgb.js';

/** The committed tiny random model (models/fixtures/tiny-random) and its PyTorch reference outputs. */
export const FIXTURE_DIR = fileURLToPath(new URL('../../../models/fixtures/tiny-random', import.meta.url));

export interface Reference {
  tolerance: number;
  special_token_ids: Record<string, number>;
  image: { width: number; height: number; image_grid_thw: number[][]; pixel_values_shape: number[]; pixel_values_first8: number[]; pixel_values_sum: number };
  image_features: { shape: number[]; first8: number[]; sum: number };
  prompt: { question: string; input_ids: number[]; position_ids: number[][]; rope_delta: number };
  last_logits_first8: number[];
  last_argmax: number;
  greedy: { tokens: number[]; step_logits_first8: number[][] };
  text_only: { text: string; input_ids: number[]; last_logits_first8: number[]; greedy_tokens: number[] };
  tokenizer_samples: { text: string; plain_ids: number[]; encode_ids: number[] }[];
}

export function reference(): Reference {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, 'reference.json'), 'utf8')) as Reference;
}

/** The reference's synthetic image: R=(7x+3y)%256, G=(5x+11y)%256, B=(13x+2y)%256. */
export function referenceImage(width = 56, height = 56): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = (7 * x + 3 * y) % 256;
      data[o + 1] = (5 * x + 11 * y) % 256;
      data[o + 2] = (13 * x + 2 * y) % 256;
    }
  }
  return { width, height, data };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
