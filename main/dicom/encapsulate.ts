import type { Element } from 'dicom-parser';

/**
 * Writes encapsulated pixel data anew inside an existing file: the given Basic Offset Table and fragments replace
 * the element's items; every byte before and after the element stays as it was (the element keeps its undefined
 * length, so no length elsewhere changes). Encapsulated data is always little endian (PS3.5 A.4).
 */
export function replaceEncapsulated(bytes: Uint8Array, el: Pick<Element, 'dataOffset' | 'length'>, offsetTable: readonly number[], fragments: readonly Uint8Array[]): Uint8Array {
  const padded = fragments.map((f) => f.length + (f.length % 2));
  const size = 8 + 4 * offsetTable.length + padded.reduce((n, l) => n + 8 + l, 0) + 8;
  const before = bytes.subarray(0, el.dataOffset);
  const after = bytes.subarray(Math.min(bytes.length, el.dataOffset + el.length));
  const out = new Uint8Array(before.length + size + after.length);
  const view = new DataView(out.buffer);
  out.set(before, 0);
  let at = before.length;
  const item = (tag: number, length: number) => {
    view.setUint16(at, 0xfffe, true);
    view.setUint16(at + 2, tag, true);
    view.setUint32(at + 4, length, true);
    at += 8;
  };
  item(0xe000, 4 * offsetTable.length);
  for (const o of offsetTable) {
    view.setUint32(at, o, true);
    at += 4;
  }
  fragments.forEach((f, i) => {
    item(0xe000, padded[i]!);
    out.set(f, at); // the pad byte, if any, is already 0
    at += padded[i]!;
  });
  item(0xe0dd, 0);
  out.set(after, at);
  return out;
}

/** The offset table for fragments laid out one after another: each entry counts the items (8-byte header + data) before it. */
export function offsetsOf(fragments: readonly Uint8Array[]): number[] {
  let at = 0;
  return fragments.map((f) => {
    const here = at;
    at += 8 + f.length + (f.length % 2);
    return here;
  });
}
