/**
 * A scale bar's length: the longest "round" length (1, 2 or 5 × 10^n mm) that fits in `maxPx` screen pixels at
 * `mmPerPx`, and its length on screen. Null when there is no usable spacing or not even 0.1 mm fits.
 */
export function scaleBar(mmPerPx: number, maxPx: number): { mm: number; px: number; label: string } | null {
  if (!(mmPerPx > 0) || !(maxPx > 0)) return null;
  const fits = mmPerPx * maxPx;
  let best: number | null = null;
  for (let exp = -1; exp <= 4; exp++) {
    for (const step of [1, 2, 5]) {
      const mm = step * 10 ** exp;
      if (mm <= fits + 1e-9) best = mm;
    }
  }
  if (best === null) return null;
  const mm = Math.round(best * 10) / 10;
  return { mm, px: mm / mmPerPx, label: mm >= 10 ? `${mm / 10} cm` : `${mm} mm` };
}
