import { describe, expect, it } from 'vitest';
import { scaleBar } from './scaleBar.js';

describe('scale bar', () => {
  it('takes the longest 1-2-5 length that fits, in cm from 1 cm on', () => {
    // 0.66 mm per screen pixel (the J2K CT at 100 %), 150 px of room: 99 mm fit, so 5 cm.
    expect(scaleBar(0.661468, 150)).toEqual({ mm: 50, px: 50 / 0.661468, label: '5 cm' });
    // Zoomed in 4×: 0.165 mm/px, 150 px: 24.8 mm fit, so 2 cm.
    expect(scaleBar(0.165367, 150)?.label).toBe('2 cm');
    expect(scaleBar(0.01, 150)).toEqual({ mm: 1, px: 100, label: '1 mm' });
    expect(scaleBar(0.001, 150)?.label).toBe('0.1 mm');
  });

  it('gives none without a usable spacing or room', () => {
    expect(scaleBar(0, 150)).toBeNull();
    expect(scaleBar(Number.NaN, 150)).toBeNull();
    expect(scaleBar(0.5, 0)).toBeNull();
    expect(scaleBar(0.0001, 150)).toBeNull();
  });
});
