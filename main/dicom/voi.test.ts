import { describe, expect, it } from 'vitest';
import { minMaxWindow, voiMapper } from './voi.js';

describe('VOI LUT functions (PS3.3 C.11.2.1.2)', () => {
  it('LINEAR maps the window edges as the standard says', () => {
    const f = voiMapper({ center: 40, width: 400 });
    // x ≤ c − 0.5 − (w−1)/2 = −160 → 0; x > c − 0.5 + (w−1)/2 = 239 → 255
    expect(f(-160)).toBe(0);
    expect(f(-1000)).toBe(0);
    expect(f(239.01)).toBe(255);
    expect(f(39.5)).toBeCloseTo(127.5, 6); // the centre of the ramp is c − 0.5
    expect(f(-159)).toBeCloseTo(((-159 - 39.5) / 399 + 0.5) * 255, 9);
  });

  it('LINEAR with width 1 is a threshold at c − 0.5', () => {
    const f = voiMapper({ center: 10, width: 1 });
    expect(f(9.5)).toBe(0);
    expect(f(9.6)).toBe(255);
  });

  it('LINEAR_EXACT and SIGMOID follow their own formulas', () => {
    const exact = voiMapper({ center: 0, width: 100 }, 'LINEAR_EXACT');
    expect(exact(-50)).toBe(0);
    expect(exact(0)).toBeCloseTo(127.5, 9);
    expect(exact(50)).toBeCloseTo(255, 9);
    const sigmoid = voiMapper({ center: 0, width: 100 }, 'SIGMOID');
    expect(sigmoid(0)).toBeCloseTo(127.5, 9);
    expect(sigmoid(100)).toBeCloseTo(255 / (1 + Math.exp(-4)), 9);
  });

  it('the min/max window spans the data exactly', () => {
    const w = minMaxWindow([-1024, 0, 3071]);
    const f = voiMapper(w);
    expect(f(-1024)).toBe(0);
    expect(f(3071)).toBeCloseTo(255, 9);
  });
});
