import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rowOffsets, scrollToRow, visibleRange } from './windowing.js';

describe('virtualised list windowing', () => {
  it('offsets are the running sum of the row heights', () => {
    expect(rowOffsets([44, 40, 48, 48])).toEqual([0, 44, 84, 132, 180]);
    expect(rowOffsets([])).toEqual([0]);
  });

  it('renders the rows the viewport shows, plus the overscan', () => {
    const offsets = rowOffsets(Array(10_000).fill(40));
    expect(visibleRange(offsets, 0, 400, 0)).toEqual({ start: 0, end: 10 });
    expect(visibleRange(offsets, 0, 400, 4)).toEqual({ start: 0, end: 14 });
    // scrolled half-way into row 250: rows 250 … 260 overlap [10020, 10420)
    expect(visibleRange(offsets, 10_020, 400, 0)).toEqual({ start: 250, end: 261 });
    expect(visibleRange(offsets, 10_020, 400, 3)).toEqual({ start: 247, end: 264 });
    // at the very end, and scrolled past it (an elastic scroll): the last rows, never beyond
    expect(visibleRange(offsets, 400_000 - 400, 400, 2)).toEqual({ start: 9988, end: 10_000 });
    expect(visibleRange(offsets, 500_000, 400, 0)).toEqual({ start: 9999, end: 10_000 });
    expect(visibleRange(rowOffsets([]), 0, 400)).toEqual({ start: 0, end: 0 });
  });

  it('for any heights and scroll, the range covers exactly the overlapping rows (no overscan)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 300 }), fc.nat(40_000), fc.integer({ min: 1, max: 2000 }), (heights, scroll, height) => {
        const offsets = rowOffsets(heights);
        const total = offsets.at(-1)!;
        const top = Math.min(scroll, Math.max(0, total - 1));
        const { start, end } = visibleRange(offsets, top, height, 0);
        const overlapping = heights.map((_, i) => i).filter((i) => offsets[i]! < top + height && offsets[i + 1]! > top);
        expect([start, end]).toEqual([overlapping[0], overlapping.at(-1)! + 1]);
      }),
    );
  });

  it('scrolls a row into view only when it is not already shown', () => {
    const offsets = rowOffsets([40, 40, 40, 40, 40, 40]);
    expect(scrollToRow(offsets, 1, 0, 100)).toBeNull();
    expect(scrollToRow(offsets, 4, 0, 100)).toBe(100); // bottom 200 - viewport 100
    expect(scrollToRow(offsets, 0, 60, 100)).toBe(0);
    expect(scrollToRow(offsets, 9, 0, 100)).toBeNull();
  });
});
