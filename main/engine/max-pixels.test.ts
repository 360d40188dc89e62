import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RgbImage } from '../imaging/rgb.js';
import { ModelRunner } from './model-runner.js';
import { FIXTURE_DIR } from './testing/fixture.js';

const grey = (w: number, h: number): RgbImage => ({ width: w, height: h, data: new Uint8Array(w * h * 3).fill(128) });

describe("the app's max-image-pixels setting", () => {
  let capped: ModelRunner;
  beforeAll(async () => {
    capped = await ModelRunner.open({ modelDir: FIXTURE_DIR, ep: 'cpu', threads: 1, maxPixels: 224 * 224 });
  });
  afterAll(() => capped.dispose());

  it('caps the image tokens below what the package alone would allow', async () => {
    // 448×448 is within the fixture's own max_pixels (256 tokens); the setting caps it to 224×224 (64 tokens).
    expect(capped.manifest.image_processor.max_pixels).toBeGreaterThanOrEqual(448 * 448);
    const { tokens, grid } = await capped.encodeImage(grey(448, 448));
    expect(grid).toEqual([1, 16, 16]);
    expect(tokens).toBe(64);
  });
});
