import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resizeBicubic } from './resize.js';
import type { RgbImage } from './rgb.js';

const golden = JSON.parse(readFileSync(new URL('./testdata/pil-bicubic.json', import.meta.url), 'utf8')) as {
  source: { width: number; height: number };
  cases: { width: number; height: number; rgb_base64: string }[];
};

function source(): RgbImage {
  const { width, height } = golden.source;
  const mod = (v: number) => ((v % 256) + 256) % 256;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set([mod(37 * x + 11 * y), mod(x * x + 3 * y * y), mod(255 - 5 * x + 7 * y)], (y * width + x) * 3);
  return { width, height, data };
}

describe('resizeBicubic', () => {
  it.each(golden.cases.map((c) => [`${c.width}x${c.height}`, c] as const))('matches Pillow BICUBIC byte for byte (%s)', (_, c) => {
    const out = resizeBicubic(source(), c.width, c.height);
    expect(Buffer.from(out.data).toString('base64')).toBe(c.rgb_base64);
  });

  it('returns the same image when the size is unchanged', () => {
    const img = source();
    expect(resizeBicubic(img, img.width, img.height)).toBe(img);
  });
});
