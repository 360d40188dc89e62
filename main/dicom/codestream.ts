/** What a compressed frame's own header declares: its size, its component count and (JPEG 2000) its tile count. */
export interface CodestreamHeader {
  width: number;
  height: number;
  components: number;
  tiles: number;
}

/**
 * The image a compressed frame declares, read from its header without decoding: the JPEG / JPEG-LS SOF segment or
 * the JPEG 2000 SIZ segment. Lets import reject a file whose header disagrees with its pixel data, and decode check
 * the codec's allocation against the budget before the codec runs. Null when no such header can be found.
 */
export function codestreamSize(frame: Uint8Array): CodestreamHeader | null {
  const u16 = (o: number) => (frame[o]! << 8) | frame[o + 1]!;
  const u32 = (o: number) => ((frame[o]! << 24) >>> 0) + (frame[o + 1]! << 16) + (frame[o + 2]! << 8) + frame[o + 3]!;
  if (frame.length < 4) return null;
  if (u16(0) === 0xff4f && u16(2) === 0xff51) return siz(frame, 4, u32, u16);
  if (u16(0) === 0x0000 && u16(2) === 0x000c && frame.length > 40) {
    // JP2 file wrapper instead of a bare codestream: find the SIZ marker inside.
    for (let o = 2; o + 42 < frame.length; o++) if (frame[o] === 0xff && frame[o + 1] === 0x51 && frame[o - 2] === 0xff && frame[o - 1] === 0x4f) return siz(frame, o + 2, u32, u16);
    return null;
  }
  if (u16(0) !== 0xffd8) return null;
  let o = 2;
  while (o + 9 < frame.length) {
    if (frame[o] !== 0xff) return null;
    const marker = frame[o + 1]!;
    if (marker === 0xff) {
      o++;
      continue;
    }
    const isSof = (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7;
    if (isSof) return { width: u16(o + 7), height: u16(o + 5), components: frame[o + 9]!, tiles: 1 };
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) {
      o += 2;
      continue;
    }
    o += 2 + u16(o + 2);
  }
  return null;
}

/** JPEG 2000 SIZ body at `at` (after its marker): Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz. */
function siz(frame: Uint8Array, at: number, u32: (o: number) => number, u16: (o: number) => number): CodestreamHeader | null {
  if (frame.length < at + 38) return null;
  const [x, y, xo, yo, xt, yt, xto, yto] = [4, 8, 12, 16, 20, 24, 28, 32].map((d) => u32(at + d)) as [number, number, number, number, number, number, number, number];
  const tiles = xt > 0 && yt > 0 ? Math.ceil((x - xto) / xt) * Math.ceil((y - yto) / yt) : Infinity;
  return { width: x - xo, height: y - yo, components: u16(at + 36), tiles };
}
