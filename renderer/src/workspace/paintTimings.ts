/**
 * For bench/workspace.bench.ts: when each streamed token reached the screen. `at` is the main side's clock when the
 * token was generated (same machine, same wall clock); `paintedAt` is taken in the frame after React committed it.
 */
export interface PaintTiming {
  seq: number;
  at: number;
  paintedAt: number;
}

declare global {
  interface Window {
    __medrwrPaints?: PaintTiming[];
  }
}

const LIMIT = 5000;

export function recordPaint(seq: number, at: number): void {
  requestAnimationFrame(() => {
    const list = (window.__medrwrPaints ??= []);
    if (list.length < LIMIT) list.push({ seq, at, paintedAt: Date.now() });
  });
}
