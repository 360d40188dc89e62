import type { DataSet } from 'dicom-parser';
import { decodeDctJpeg } from './codecs/jpeg-dct.js';
import { decodeJpegLossless, jpegHeader } from './codecs/jpeg.js';
import { decodeRle } from './codecs/rle.js';
import { decodeWasm, type CodecOutput } from './codecs/wasm.js';
import { BUDGET, checkFrameSize } from './budget.js';
import { codestreamSize } from './codestream.js';
import { DicomError } from './dataset.js';
import { encapsulatedFrame, isEncapsulated, nativeFrame } from './frame-bytes.js';
import { TS, type ImageInfo } from './image-info.js';

/** One frame's stored values, interleaved by pixel (r,g,b,r,g,b… for colour), signs already applied. */
export interface DecodedFrame {
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  /** Float64Array only for unsigned 32-bit data, which Int32Array cannot hold. */
  readonly samples: Int32Array | Float32Array | Float64Array;
  /** The colour space of `samples`: JPEG and JPEG 2000 codecs turn YBR into RGB, so this may differ from the file's. */
  readonly photometric: string;
  /** Bits per sample that carry data (for scaling 16-bit colour to 8). */
  readonly bitsStored: number;
}

/** Human names of the compressed transfer syntaxes we decode, for messages and the benchmark. */
export const CODEC_OF: Record<string, string> = {
  [TS.rle]: 'RLE',
  '1.2.840.10008.1.2.4.50': 'JPEG baseline',
  '1.2.840.10008.1.2.4.51': 'JPEG extended',
  '1.2.840.10008.1.2.4.53': 'JPEG spectral selection',
  '1.2.840.10008.1.2.4.55': 'JPEG progressive',
  '1.2.840.10008.1.2.4.57': 'JPEG lossless',
  '1.2.840.10008.1.2.4.70': 'JPEG lossless SV1',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS near-lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 lossless',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000',
};

/**
 * Decodes one frame. The size the header declares (Rows × Columns × SamplesPerPixel) and, for compressed frames, the
 * size the codestream itself declares are checked against the decode budget before anything is allocated.
 */
export async function decodeFrame(ds: DataSet, info: ImageInfo, frame: number): Promise<DecodedFrame> {
  if (!Number.isInteger(frame) || frame < 0 || frame >= info.frames) {
    throw new DicomError(`frame ${frame} is out of range: the image has ${info.frames} frame(s), numbered from 0`);
  }
  checkFrameSize(info.columns, info.rows, info.samplesPerPixel, 'the header');
  const base = { rows: info.rows, columns: info.columns, samplesPerPixel: info.samplesPerPixel, bitsStored: info.bitsStored };
  if (!isEncapsulated(ds, info)) return { ...base, photometric: info.photometric, samples: decodeNative(ds, info, frame) };

  const ts = info.transferSyntax;
  const codec = CODEC_OF[ts];
  if (!codec) throw new DicomError(`unsupported transfer syntax ${ts || '(none)'}`);
  const bytes = encapsulatedFrame(ds, info, frame);
  const pixels = info.rows * info.columns;
  if (ts !== TS.rle) checkCodestream(bytes, info, codec);
  try {
    if (ts === TS.rle) {
      if (info.bitsAllocated % 8 !== 0) throw new DicomError(`RLE with BitsAllocated ${info.bitsAllocated} is not supported`);
      return { ...base, photometric: info.photometric, samples: applySign(decodeRle(bytes, pixels, info.samplesPerPixel, info.bitsAllocated), info.bitsStored, info.pixelRepresentation === 1) };
    }
    if (ts.startsWith('1.2.840.10008.1.2.4.5') && ts !== '1.2.840.10008.1.2.4.57') {
      // 8-bit streams go to libjpeg-turbo (fast); 12-bit ones and colour stored untransformed to our own decoder.
      const header = jpegHeader(bytes, info.photometric);
      if (header.precision === 8 && !header.untransformedRgb) return fromCodec(base, info, await decodeWasm('jpeg-baseline', bytes), 'RGB');
      const img = decodeDctJpeg(bytes, { dicomSaysRgb: info.photometric === 'RGB' });
      if (img.width !== info.columns || img.height !== info.rows) throw new DicomError(`the compressed frame is ${img.width}×${img.height}, the header says ${info.columns}×${info.rows}`);
      return { ...base, samplesPerPixel: img.components, photometric: img.components === 3 ? 'RGB' : info.photometric, samples: applySign(img.data, info.bitsStored, info.pixelRepresentation === 1) };
    }
    if (ts === '1.2.840.10008.1.2.4.57' || ts === '1.2.840.10008.1.2.4.70') {
      return { ...base, photometric: info.photometric, samples: applySign(decodeJpegLossless(bytes, info.bitsAllocated), info.bitsStored, info.pixelRepresentation === 1) };
    }
    if (ts === '1.2.840.10008.1.2.4.80' || ts === '1.2.840.10008.1.2.4.81') {
      return fromCodec(base, info, await decodeWasm('jpeg-ls', bytes), info.photometric);
    }
    return fromCodec(base, info, await decodeWasm('jpeg2000', bytes), /^YBR_(ICT|RCT)$/.test(info.photometric) ? 'RGB' : info.photometric);
  } catch (err) {
    if (err instanceof DicomError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    const reason = message.startsWith('the compressed data') ? message : `the compressed data is corrupt or truncated (${message.replace(/^ERROR: /, '')})`;
    throw new DicomError(`${codec} decode failed for frame ${frame}: ${reason}`);
  }
}

/**
 * The codec allocates by the codestream's own header, not by Rows/Columns: it must agree with them, and its
 * components and (JPEG 2000) tiles must be within the budget, before the codec sees the frame.
 */
function checkCodestream(bytes: Uint8Array, info: ImageInfo, codec: string): void {
  const header = codestreamSize(bytes);
  if (!header) throw new DicomError(`${codec}: the compressed frame has no readable image header (no SOF or SIZ segment where it should start)`);
  if (header.width !== info.columns || header.height !== info.rows) {
    throw new DicomError(`the compressed frame is ${header.width}×${header.height}, the header says ${info.columns}×${info.rows}`);
  }
  if (header.components < 1 || header.components > 4) throw new DicomError(`${codec}: the compressed frame declares ${header.components} components; 1 to 4 are supported`);
  checkFrameSize(header.width, header.height, header.components, `the ${codec} codestream`);
  if (header.tiles > BUDGET.j2kTiles) throw new DicomError(`${codec}: the codestream declares ${Number.isFinite(header.tiles) ? header.tiles : 'zero-sized'} tiles; at most ${BUDGET.j2kTiles} are decoded`);
}

function fromCodec(base: Omit<DecodedFrame, 'samples' | 'photometric'>, info: ImageInfo, out: CodecOutput, colourPhotometric: string): DecodedFrame {
  const { width, height, componentCount, bitsPerSample } = out.info;
  if (width === 0 || height === 0) throw new DicomError('the codec could not read the compressed frame (corrupt or truncated codestream)');
  if (width !== info.columns || height !== info.rows) {
    throw new DicomError(`the compressed frame is ${width}×${height}, the header says ${info.columns}×${info.rows}`);
  }
  let samples: ArrayLike<number> = out.samples;
  if (componentCount > 1 && out.interleaveMode === 0) samples = interleave(samples, width * height, componentCount);
  // The codestream's own signedness wins over PixelRepresentation when it says signed (pydicom does the same).
  const signed = out.info.isSigned === true || info.pixelRepresentation === 1;
  const stored = out.info.isSigned ? bitsPerSample : Math.min(info.bitsStored, bitsPerSample);
  return { ...base, samplesPerPixel: componentCount, bitsStored: bitsPerSample, photometric: componentCount === 3 ? colourPhotometric : info.photometric, samples: applySign(samples, stored, signed) };
}

function interleave(planar: ArrayLike<number>, pixels: number, components: number): Uint32Array {
  const out = new Uint32Array(pixels * components);
  for (let c = 0; c < components; c++) for (let p = 0; p < pixels; p++) out[p * components + c] = planar[c * pixels + p]!;
  return out;
}

/** Keeps the low `bitsStored` bits of each value and sign-extends them when the data are signed. */
function applySign(values: ArrayLike<number>, bitsStored: number, signed: boolean): Int32Array | Float64Array {
  const bits = Math.min(Math.max(bitsStored, 1), 32);
  if (bits === 32 && !signed) return Float64Array.from(values, (v) => v >>> 0);
  const out = new Int32Array(values.length);
  const shift = 32 - bits;
  if (signed) for (let i = 0; i < values.length; i++) out[i] = (values[i]! << shift) >> shift;
  else for (let i = 0; i < values.length; i++) out[i] = (values[i]! << shift) >>> shift;
  return out;
}

function decodeNative(ds: DataSet, info: ImageInfo, frame: number): DecodedFrame['samples'] {
  const { bytes, bitOffset } = nativeFrame(ds, info, frame);
  const ybr422 = info.photometric === 'YBR_FULL_422';
  const n = info.rows * info.columns * (ybr422 ? 2 : info.samplesPerPixel);
  const littleEndian = info.transferSyntax !== TS.explicitBE;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signed = info.pixelRepresentation === 1;
  let values: ArrayLike<number>;
  if (info.pixelTag !== 'x7fe00010') {
    const out = new Float32Array(n);
    const double = info.pixelTag === 'x7fe00009';
    for (let i = 0; i < n; i++) out[i] = double ? view.getFloat64(i * 8, littleEndian) : view.getFloat32(i * 4, littleEndian);
    return deplanarize(out, info);
  }
  switch (info.bitsAllocated) {
    case 1: {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const bit = bitOffset + i;
        out[i] = (bytes[bit >> 3]! >> (bit & 7)) & 1; // least significant bit first (PS3.5 8.1.1)
      }
      return new Int32Array(out);
    }
    case 8:
      values = bytes;
      break;
    case 16: {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getUint16(i * 2, littleEndian);
      values = out;
      break;
    }
    case 32: {
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getUint32(i * 4, littleEndian);
      values = out;
      break;
    }
    default:
      throw new DicomError(`unsupported BitsAllocated ${info.bitsAllocated}`);
  }
  const stored = applySign(values, info.bitsStored, signed);
  return ybr422 ? expandYbr422(stored) : deplanarize(stored, info);
}

/** Y1 Y2 Cb Cr per pixel pair → Y Cb Cr per pixel (the chroma shared by both). */
function expandYbr422(v: DecodedFrame['samples']): Int32Array {
  const out = new Int32Array((v.length / 4) * 6);
  for (let i = 0, o = 0; i + 3 < v.length; i += 4, o += 6) {
    out[o] = v[i]!;
    out[o + 3] = v[i + 1]!;
    out[o + 1] = out[o + 4] = v[i + 2]!;
    out[o + 2] = out[o + 5] = v[i + 3]!;
  }
  return out;
}

/** Planar configuration 1 (rrr…ggg…bbb…) to interleaved. */
function deplanarize<T extends DecodedFrame['samples']>(values: T, info: ImageInfo): T {
  if (info.samplesPerPixel === 1 || info.planarConfiguration === 0) return values;
  const pixels = info.rows * info.columns;
  const out = new (values.constructor as new (n: number) => T)(values.length);
  for (let c = 0; c < info.samplesPerPixel; c++) for (let p = 0; p < pixels; p++) out[p * info.samplesPerPixel + c] = values[c * pixels + p]!;
  return out;
}
