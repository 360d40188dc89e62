/**
 * The image size a compressed frame declares, read from its header without decoding: the JPEG / JPEG-LS SOF
 * segment or the JPEG 2000 SIZ segment. Lets import reject a file whose header disagrees with its pixel data.
 */
export function codestreamSize(frame: Uint8Array): { width: number; height: number } | null {
  const u16 = (o: number) => (frame[o]! << 8) | frame[o + 1]!;
  const u32 = (o: number) => ((frame[o]! << 24) >>> 0) + (frame[o + 1]! << 16) + (frame[o + 2]! << 8) + frame[o + 3]!;
  if (frame.length < 4) return null;
  if (u16(0) === 0xff4f && u16(2) === 0xff51) {
    // JPEG 2000: SOC, then SIZ: Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz …
    if (frame.length < 24) return null;
    return { width: u32(8) - u32(16), height: u32(12) - u32(20) };
  }
  if (u16(0) === 0x0000 && u16(2) === 0x000c && frame.length > 40) {
    // JP2 file wrapper instead of a bare codestream: find the SIZ marker inside.
    for (let o = 0; o + 24 < frame.length; o++) if (frame[o] === 0xff && frame[o + 1] === 0x51 && frame[o - 2] === 0xff && frame[o - 1] === 0x4f) return { width: u32(o + 6) - u32(o + 14), height: u32(o + 10) - u32(o + 18) };
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
    if (isSof) return { width: u16(o + 7), height: u16(o + 5) };
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) {
      o += 2;
      continue;
    }
    o += 2 + u16(o + 2);
  }
  return null;
}
