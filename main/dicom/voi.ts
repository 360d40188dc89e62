import type { WindowLevel } from '../imaging/rgb.js';

export type VoiFunction = 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';

/**
 * The DICOM VOI LUT functions (PS3.3 C.11.2.1.2) mapping a modality value to 0…255. LINEAR is the standard's
 * default: x ≤ c − 0.5 − (w−1)/2 → 0; x > c − 0.5 + (w−1)/2 → 255; else ((x − (c − 0.5)) / (w − 1) + 0.5) · 255.
 */
export function voiMapper(window: WindowLevel, fn: VoiFunction = 'LINEAR'): (x: number) => number {
  const c = window.center;
  if (fn === 'SIGMOID') {
    const w = window.width;
    return (x) => 255 / (1 + Math.exp((-4 * (x - c)) / w));
  }
  if (fn === 'LINEAR_EXACT') {
    const w = Math.max(window.width, Number.MIN_VALUE);
    const lo = c - w / 2;
    const hi = c + w / 2;
    return (x) => (x <= lo ? 0 : x > hi ? 255 : ((x - c) / w + 0.5) * 255);
  }
  const w = Math.max(window.width, 1); // the standard requires width ≥ 1 for LINEAR
  if (w === 1) return (x) => (x <= c - 0.5 ? 0 : 255);
  const lo = c - 0.5 - (w - 1) / 2;
  const hi = c - 0.5 + (w - 1) / 2;
  return (x) => (x <= lo ? 0 : x > hi ? 255 : ((x - (c - 0.5)) / (w - 1) + 0.5) * 255);
}

/** The window that spans the values from min to max, used when neither the caller nor the file gives one. */
export function minMaxWindow(values: ArrayLike<number>): WindowLevel {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) return { center: 0, width: 1 };
  return { center: (min + max) / 2 + 0.5, width: Math.max(max - min + 1, 1) };
}
