/**
 * For bench/workspace.bench.ts: when each streamed token reached the screen. `at` is the main side's clock when the
 * token was generated (same machine, same wall clock); `paintedAt` is taken in the frame after React committed it.
 * Only in a renderer built with VITE_PAINT_TIMINGS=1 (scripts/bench.mjs builds one); see services.ts.
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

export interface PaintTimings {
  /** A token event arrived, generated at `at`. */
  generated(at: number): void;
  /** The trace up to event `seq` was committed: record when its frame paints. */
  committed(seq: number): void;
}

const LIMIT = 5000;

export function createPaintTimings(): PaintTimings {
  let lastTokenAt: number | null = null;
  return {
    generated(at) {
      lastTokenAt = at;
    },
    committed(seq) {
      const at = lastTokenAt;
      if (at === null) return;
      requestAnimationFrame(() => {
        const list = (window.__medrwrPaints ??= []);
        if (list.length < LIMIT) list.push({ seq, at, paintedAt: Date.now() });
      });
    },
  };
}
