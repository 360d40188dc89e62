import { TS } from './image-info.js';

/**
 * Where each frame of encapsulated (compressed) pixel data lies, without trusting the Basic Offset Table: real files
 * carry tables that are empty, short or simply wrong. Pure: works on the fragments' positions and the file's bytes.
 */

/** One fragment item: `offset` from the first fragment's item tag (the offset table's unit), `position` of its data in the file. */
export interface Fragment {
  readonly offset: number;
  readonly position: number;
  readonly length: number;
}

/** A frame's bytes as one or more [start, end) ranges of the file (several when it spans fragments). */
export type FrameRanges = readonly (readonly [number, number])[];

export interface FrameTable {
  /** Found frames in order; fewer than the header's NumberOfFrames when the data hold fewer. */
  readonly frames: readonly FrameRanges[];
  /** How the boundaries were found, for messages and tests. */
  readonly source: 'offset table' | 'one fragment per frame' | 'all fragments' | 'codestream markers';
}

type Syntax = 'jpeg' | 'j2k' | 'rle' | 'other';

function syntaxOf(ts: string): Syntax {
  if (ts === TS.rle) return 'rle';
  if (ts === '1.2.840.10008.1.2.4.90' || ts === '1.2.840.10008.1.2.4.91') return 'j2k';
  // JPEG baseline/extended/progressive/lossless and JPEG-LS all open with SOI and close with EOI.
  if (ts.startsWith('1.2.840.10008.1.2.4.')) return 'jpeg';
  return 'other';
}

/** Whether `at` in `bytes` opens a frame: JPEG/JPEG-LS SOI, a J2K codestream (SOC SIZ) or JP2 box, an RLE header. */
function opensFrame(bytes: Uint8Array, at: number, end: number, syntax: Syntax): boolean {
  const b = (i: number) => (at + i < end ? bytes[at + i]! : -1);
  switch (syntax) {
    case 'jpeg':
      return b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff;
    case 'j2k':
      return (b(0) === 0xff && b(1) === 0x4f && b(2) === 0xff && b(3) === 0x51) || (b(0) === 0 && b(1) === 0 && b(2) === 0 && b(3) === 0x0c && b(4) === 0x6a && b(5) === 0x50);
    case 'rle': {
      // Segment count (1..15), then the first segment's offset, always 64 (PS3.5 G.5).
      const count = b(0) | (b(1) << 8) | (b(2) << 16) | (b(3) << 24);
      return end - at >= 64 && count >= 1 && count <= 15 && b(4) === 64 && b(5) === 0 && b(6) === 0 && b(7) === 0;
    }
    default:
      return false;
  }
}

/** Whether the range ends with EOI / EOC (FFD9 in both JPEG and JPEG 2000), allowing trailing zero padding. */
function closesFrame(bytes: Uint8Array, start: number, end: number): boolean {
  let e = end;
  while (e > start && bytes[e - 1] === 0 && end - e < 2) e--;
  return e - start >= 2 && bytes[e - 2] === 0xff && bytes[e - 1] === 0xd9;
}

/**
 * The frames of encapsulated pixel data, in this order of trust:
 * 1. the Basic Offset Table, if it has one entry per frame, starts at 0, rises, and each entry is a fragment that opens a frame;
 * 2. one fragment per frame when the counts agree (or all fragments for a single frame);
 * 3. otherwise frame starts found from the codestream markers: fragments that open a frame (SOI / SOC / RLE header),
 *    narrowed to those after a fragment that closes one (EOI / EOC) if that gives the declared count, and, when there
 *    are fewer fragments than frames, frames packed into one fragment split at EOI followed by SOI.
 */
export function frameTable(bytes: Uint8Array, fragments: readonly Fragment[], offsetTable: readonly number[], frameCount: number, transferSyntax: string): FrameTable {
  const syntax = syntaxOf(transferSyntax);
  const whole = (f: Fragment): readonly [number, number] => [f.position, Math.min(f.position + f.length, bytes.length)];
  const opens = (f: Fragment) => opensFrame(bytes, f.position, Math.min(f.position + f.length, bytes.length), syntax);
  const group = (starts: readonly number[]): FrameRanges[] => starts.map((s, i) => fragments.slice(s, starts[i + 1] ?? fragments.length).map(whole));

  if (offsetTable.length === frameCount && frameCount > 0 && offsetTable[0] === 0) {
    const at = new Map(fragments.map((f, i) => [f.offset, i]));
    const starts = offsetTable.map((o) => at.get(o) ?? -1);
    const rising = starts.every((s, i) => s >= 0 && (i === 0 || s > starts[i - 1]!));
    if (rising && (syntax === 'other' || starts.every((s) => opens(fragments[s]!)))) return { frames: group(starts), source: 'offset table' };
  }
  if (frameCount <= 1) return { frames: [fragments.map(whole)], source: 'all fragments' };
  if (fragments.length === frameCount) return { frames: fragments.map((f) => [whole(f)]), source: 'one fragment per frame' };
  if (fragments.length > frameCount) {
    const starts = fragments.flatMap((f, i) => (opens(f) ? [i] : []));
    const afterClose = starts.filter((s) => s === 0 || closesFrame(bytes, ...whole(fragments[s - 1]!)));
    const chosen = starts.length !== frameCount && afterClose.length === frameCount ? afterClose : starts;
    // Data before the first start (a damaged first fragment) still belongs to frame 1: its decoder will say why it fails.
    const fixed = chosen[0] === 0 || chosen.length === 0 ? chosen : [0, ...chosen.slice(1)];
    return { frames: group(fixed.slice(0, frameCount)), source: 'codestream markers' };
  }
  // Fewer fragments than frames: frames packed together. Real encoders drop the EOI at times, so a bare start marker
  // also splits when that, and only that, gives the declared count (SOI / SOC cannot occur inside entropy-coded data).
  const afterEnd = fragments.flatMap((f) => splitPacked(bytes, whole(f), syntax, true));
  const anyStart = afterEnd.length === frameCount ? afterEnd : fragments.flatMap((f) => splitPacked(bytes, whole(f), syntax, false));
  return { frames: anyStart.length === frameCount ? anyStart : afterEnd, source: 'codestream markers' };
}

/** Frames packed into one fragment, split where a frame starts: after an EOI (with at most one pad byte), or anywhere. */
function splitPacked(bytes: Uint8Array, [start, end]: readonly [number, number], syntax: Syntax, afterEndOnly: boolean): FrameRanges[] {
  if (syntax !== 'jpeg' && syntax !== 'j2k') return [[[start, end]]];
  const out: FrameRanges[] = [];
  let from = start;
  for (let i = start + 2; i + 1 < end; i++) {
    const eoi = (bytes[i - 2] === 0xff && bytes[i - 1] === 0xd9) || (i >= start + 3 && bytes[i - 3] === 0xff && bytes[i - 2] === 0xd9 && bytes[i - 1] === 0);
    if ((eoi || !afterEndOnly) && opensFrame(bytes, i, end, syntax)) {
      out.push([[from, i]]);
      from = i;
    }
  }
  out.push([[from, end]]);
  return out;
}

/** The bytes of one frame: a view of the file when it is one range, else the ranges joined. */
export function frameBytes(bytes: Uint8Array, ranges: FrameRanges): Uint8Array {
  if (ranges.length === 1) return bytes.subarray(ranges[0]![0], ranges[0]![1]);
  const out = new Uint8Array(ranges.reduce((n, [s, e]) => n + e - s, 0));
  let at = 0;
  for (const [s, e] of ranges) {
    out.set(bytes.subarray(s, e), at);
    at += e - s;
  }
  return out;
}
