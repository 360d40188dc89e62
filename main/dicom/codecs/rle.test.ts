import { describe, expect, it } from 'vitest';
import { DicomError } from '../dataset.js';
import { decodeRle } from './rle.js';

/** Builds an RLE frame: header + PackBits segments given as raw byte arrays. */
function frame(segments: number[][]): Uint8Array {
  const header = new Uint8Array(64);
  const view = new DataView(header.buffer);
  view.setUint32(0, segments.length, true);
  let offset = 64;
  segments.forEach((s, i) => {
    view.setUint32(4 + 4 * i, offset, true);
    offset += s.length;
  });
  return Uint8Array.from([...header, ...segments.flat()]);
}

describe('RLE Lossless (PS3.5 Annex G)', () => {
  it('decodes literal and replicate runs, most significant byte segment first', () => {
    // 4 pixels, 16-bit: high bytes [1,1,1,2] (replicate 3, literal 1); low bytes [10,20,30,40] (literal 4)
    const out = decodeRle(frame([[-2 & 0xff, 1, 0, 2], [3, 10, 20, 30, 40]]), 4, 1, 16);
    expect(Array.from(out)).toEqual([0x10a, 0x114, 0x11e, 0x228]);
  });

  it('interleaves the components of colour frames', () => {
    const out = decodeRle(frame([[-1 & 0xff, 255], [-1 & 0xff, 0], [1, 7, 8]]), 2, 3, 8);
    expect(Array.from(out)).toEqual([255, 0, 7, 255, 0, 8]);
  });

  it('names what is wrong with a broken frame', () => {
    expect(() => decodeRle(frame([[0, 1]]), 4, 1, 8)).toThrow(/decodes to 1 bytes, expected 4/);
    expect(() => decodeRle(frame([[0, 1]]), 1, 1, 16)).toThrow(/has 1 segments, expected 2/);
    expect(() => decodeRle(new Uint8Array(10), 1, 1, 8)).toThrow(DicomError);
  });
});
