import { DicomError } from '../dataset.js';

/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one PackBits segment per byte
 * plane, most significant byte first, component by component. Returns the samples interleaved by pixel as
 * unsigned bit patterns (sign is applied later from PixelRepresentation).
 */
export function decodeRle(frame: Uint8Array, pixels: number, samplesPerPixel: number, bitsAllocated: number): Uint32Array {
  if (frame.length < 64) throw new DicomError(`RLE frame too short for its header (${frame.length} bytes)`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const bytesPerSample = bitsAllocated / 8;
  const segments = view.getUint32(0, true);
  if (segments > 15 || segments !== samplesPerPixel * bytesPerSample) {
    throw new DicomError(`RLE frame has ${segments} segments, expected ${samplesPerPixel * bytesPerSample} (${samplesPerPixel} samples × ${bytesPerSample} bytes)`);
  }
  const offsets = Array.from({ length: segments }, (_, i) => view.getUint32(4 + 4 * i, true));
  offsets.forEach((o, i) => {
    if (o < 64 || o >= frame.length || (i > 0 && o < offsets[i - 1]!)) {
      throw new DicomError(`RLE frame header is corrupt: segment ${i + 1} starts at byte ${o}, outside the frame's ${frame.length} bytes or before the previous segment`);
    }
  });
  const out = new Uint32Array(pixels * samplesPerPixel);
  const plane = new Uint8Array(pixels);
  for (let s = 0; s < segments; s++) {
    const end = s + 1 < segments ? offsets[s + 1]! : frame.length;
    unpackBits(frame, offsets[s]!, end, plane);
    const sample = Math.floor(s / bytesPerSample);
    const shift = 8 * (bytesPerSample - 1 - (s % bytesPerSample));
    for (let p = 0, o = sample; p < pixels; p++, o += samplesPerPixel) out[o]! |= plane[p]! << shift;
  }
  return out;
}

function unpackBits(src: Uint8Array, start: number, end: number, dst: Uint8Array): void {
  let i = start;
  let o = 0;
  while (i < end && o < dst.length) {
    const n = (src[i++]! << 24) >> 24; // signed header byte
    if (n >= 0) {
      const count = Math.min(n + 1, dst.length - o, end - i);
      dst.set(src.subarray(i, i + count), o);
      i += n + 1;
      o += count;
    } else if (n !== -128) {
      const count = Math.min(1 - n, dst.length - o);
      dst.fill(src[i++]!, o, o + count);
      o += count;
    }
  }
  if (o < dst.length) throw new DicomError(`RLE segment decodes to ${o} bytes, expected ${dst.length} (truncated)`);
}
