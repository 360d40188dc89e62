import { offsetsOf, replaceEncapsulated } from '../encapsulate.js';
import { parseDicom } from '../parse.js';

/**
 * Rewrites a real encapsulated multi-frame file the ways real files get their Basic Offset Table wrong, keeping the
 * compressed frames themselves byte for byte. Each frame is taken as one fragment of the original (checked).
 */
function framesOf(bytes: Uint8Array) {
  const ds = parseDicom(bytes);
  const el = ds.elements['x7fe00010']!;
  const fragments = (el.fragments ?? []).map((f) => ds.byteArray.subarray(f.position, f.position + f.length));
  const declared = Number(ds.intString('x00280008') ?? 1);
  if (fragments.length !== declared) throw new Error(`the source file must have one fragment per frame (${fragments.length} fragments, ${declared} frames)`);
  return { el, fragments };
}

/** (a) The table a common writer bug gives: offsets that leave out each item's 8-byte header. */
export function withWrongOffsetTable(bytes: Uint8Array): Uint8Array {
  const { el, fragments } = framesOf(bytes);
  const wrong = offsetsOf(fragments).map((o, i) => o - 8 * i);
  return replaceEncapsulated(bytes, el, wrong, fragments);
}

/** Each frame cut into `parts` fragments of about equal, even size. */
function split(frame: Uint8Array, parts: number): Uint8Array[] {
  const size = Math.ceil(frame.length / parts / 2) * 2;
  return Array.from({ length: parts }, (_, i) => frame.subarray(i * size, Math.min(frame.length, (i + 1) * size))).filter((f) => f.length > 0);
}

/** (b) An empty table and several fragments per frame (`parts` each). */
export function withEmptyTableAndSplitFrames(bytes: Uint8Array, parts = 3): Uint8Array {
  const { el, fragments } = framesOf(bytes);
  return replaceEncapsulated(bytes, el, [], fragments.flatMap((f) => split(f, parts)));
}

/** (c) Several fragments per frame and a table whose entries point at each frame's second fragment. */
export function withWrongTableAndSplitFrames(bytes: Uint8Array, parts = 3): Uint8Array {
  const { el, fragments } = framesOf(bytes);
  const pieces = fragments.map((f) => split(f, parts));
  const all = pieces.flat();
  const offsets = offsetsOf(all);
  let first = 0;
  const wrong = pieces.map((p) => {
    const o = offsets[first + 1]!;
    first += p.length;
    return o;
  });
  return replaceEncapsulated(bytes, el, wrong, all);
}

/** All frames packed into one fragment with an empty table. */
export function withFramesInOneFragment(bytes: Uint8Array): Uint8Array {
  const { el, fragments } = framesOf(bytes);
  const joined = new Uint8Array(fragments.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of fragments) {
    joined.set(f, at);
    at += f.length;
  }
  return replaceEncapsulated(bytes, el, [], [joined]);
}

/** Frame `index` (0-based) damaged past its start-of-image marker: the same length, zeros, then end-of-image. */
export function withDamagedFrame(bytes: Uint8Array, index: number): Uint8Array {
  const { el, fragments } = framesOf(bytes);
  const damaged = fragments.map((f, i) => {
    if (i !== index) return f;
    const g = new Uint8Array(f.length); // zeros: no frame header, no tables, no scan
    g.set(f.subarray(0, 2)); // FFD8 kept, so that frame boundaries still fall where they did
    g.set([0xff, 0xd9], f.length - 2);
    return g;
  });
  return replaceEncapsulated(bytes, el, offsetsOf(damaged), damaged);
}
