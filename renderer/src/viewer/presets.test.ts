import { describe, expect, it } from 'vitest';
import { CT_PRESETS, pixelRange, windowChoices } from './presets.js';

const range = { min: 0, max: 1000, p1: 20, p99: 900 };

describe('window choices', () => {
  it('CT gets the HU presets first, then the file windows with their explanations, then auto', () => {
    const choices = windowChoices('CT', [{ center: 40, width: 400, explanation: 'WINDOW1' }, { center: 300, width: 1500 }], range);
    expect(choices.map((c) => c.label)).toEqual([...CT_PRESETS.map((p) => p.label), 'File: WINDOW1', 'File: window 2', 'Auto (1st–99th percentile)']);
    expect(choices.find((c) => c.id === 'ct-lung')).toMatchObject({ width: 1500, center: -600 });
  });

  it('MR, US and XA get no HU presets but windows relative to the image, and the file’s own', () => {
    for (const modality of ['MR', 'US', 'XA']) {
      const choices = windowChoices(modality, [{ center: 365, width: 731 }], range);
      expect(choices.some((c) => c.id.startsWith('ct-'))).toBe(false);
      expect(choices.map((c) => [c.id, c.width, c.center])).toEqual([
        ['full-range', 1000, 500],
        ['contrast', 500, 500],
        ['file-0', 731, 365],
        ['auto', 880, 460],
      ]);
    }
  });

  it('drops unusable file windows (width 0) and offers no relative window for a flat image', () => {
    expect(windowChoices('MR', [{ center: 10, width: 0 }], { min: 7, max: 7, p1: 7, p99: 7 })).toEqual([
      { id: 'auto', label: 'Auto (1st–99th percentile)', width: 1, center: 7.5, source: 'auto' },
    ]);
    expect(windowChoices('MR', [], null)).toEqual([]);
  });
});

describe('pixel range', () => {
  it('maps through the modality LUT and finds the percentiles', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i);
    expect(pixelRange(values, 2, -1024)).toEqual({ min: -1024, max: 974, p1: -1004, p99: 956 });
    expect(pixelRange([])).toBeNull();
  });

  it('samples a large image evenly: the percentiles of a 4-megapixel ramp stay within a step of the true ones', () => {
    const values = new Float32Array(4_000_000).map((_, i) => i / 4000); // 0 … 1000
    const r = pixelRange(values)!;
    expect(r.min).toBe(0);
    expect(Math.abs(r.p1 - 10)).toBeLessThan(0.1);
    expect(Math.abs(r.p99 - 990)).toBeLessThan(0.1);
    expect(r.max).toBeGreaterThan(999.9);
  });
});
