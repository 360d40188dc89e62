import { Decoder as LosslessDecoder } from '@cornerstonejs/jpeg-lossless-decoder-js';

/** JPEG lossless, non-hierarchical (processes 14, 14 SV1): components come out interleaved. */
export function decodeJpegLossless(frame: Uint8Array, bitsAllocated: number): Uint8Array | Uint16Array {
  const copy = new Uint8Array(frame); // a copy with its own ArrayBuffer (Buffer.slice would share Node's pool)
  return new LosslessDecoder().decode(copy.buffer, 0, copy.length, bitsAllocated <= 8 ? 1 : 2);
}

/**
 * The header facts that pick a DCT decoder: sample precision, whether the stream is progressive, and whether it
 * stores colour as RGB without a YCbCr transform (see `isUntransformedRgb`).
 */
export function jpegHeader(frame: Uint8Array, photometric: string): { precision: number; progressive: boolean; untransformedRgb: boolean } {
  let precision = 8;
  let progressive = false;
  let marked = false;
  let ids: number[] = [];
  let o = 2;
  while (o + 4 < frame.length && frame[o] === 0xff) {
    const marker = frame[o + 1]!;
    if (marker === 0xda) break; // start of scan: the header is over
    const len = (frame[o + 2]! << 8) | frame[o + 3]!;
    const id = String.fromCharCode(...frame.subarray(o + 4, o + 9));
    if ((marker === 0xe0 && id.startsWith('JFIF')) || (marker === 0xee && id === 'Adobe')) marked = true;
    if (marker >= 0xc0 && marker <= 0xc2) {
      precision = frame[o + 4]!;
      progressive = marker === 0xc2;
      ids = Array.from({ length: frame[o + 9]! }, (_, i) => frame[o + 10 + 3 * i]!);
    }
    o += 2 + len;
  }
  return { precision, progressive, untransformedRgb: !marked && isUntransformedRgb(photometric, null, false, ids) };
}

/**
 * Whether three JPEG components are R, G, B rather than YCbCr. An Adobe marker says so outright; a JFIF marker means
 * YCbCr. With neither, libjpeg assumes YCbCr, which is right for component ids 1, 2, 3 (the JFIF convention, e.g.
 * pydicom SC_rgb_jpeg_lossy_gdcm) but wrong for RGB written with other ids (pydicom SC_jpeg_no_color_transform).
 */
export function isUntransformedRgb(photometric: string, adobeTransform: number | null, jfif: boolean, ids: readonly number[]): boolean {
  if (adobeTransform !== null) return adobeTransform === 0;
  if (jfif || photometric !== 'RGB' || ids.length !== 3) return false;
  return !(ids[0] === 1 && ids[1] === 2 && ids[2] === 3);
}
