/**
 * The maths of a virtualised list: rows of known heights, only those in (or just beyond) the viewport rendered.
 * Kept apart from React so it can be tested on its own.
 */

/** Row tops: offsets[i] is where row i starts, offsets[n] the height of the whole list. */
export function rowOffsets(heights: readonly number[]): number[] {
  const offsets = new Array<number>(heights.length + 1);
  offsets[0] = 0;
  for (let i = 0; i < heights.length; i++) offsets[i + 1] = offsets[i]! + heights[i]!;
  return offsets;
}

/**
 * The rows to render, [start, end): those overlapping [scrollTop, scrollTop + viewportHeight), plus `overscan`
 * rows either side so a fast scroll does not show blank space before React catches up.
 */
export function visibleRange(offsets: readonly number[], scrollTop: number, viewportHeight: number, overscan = 8): { start: number; end: number } {
  const n = offsets.length - 1;
  if (n <= 0) return { start: 0, end: 0 };
  const top = Math.max(0, scrollTop);
  const bottom = top + Math.max(0, viewportHeight);
  const first = firstEndingAfter(offsets, top); // the first row whose bottom is below the viewport's top
  let last = first;
  while (last < n && offsets[last]! < bottom) last++;
  return { start: Math.max(0, first - overscan), end: Math.min(n, Math.max(last, first + 1) + overscan) };
}

/** The scrollTop that brings row `index` fully into view, or null when it already is. */
export function scrollToRow(offsets: readonly number[], index: number, scrollTop: number, viewportHeight: number): number | null {
  const top = offsets[index];
  const bottom = offsets[index + 1];
  if (top === undefined || bottom === undefined) return null;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return null;
}

/** Binary search: the smallest i with offsets[i + 1] > y (n - 1 when y is past the end). */
function firstEndingAfter(offsets: readonly number[], y: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid + 1]! > y) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
