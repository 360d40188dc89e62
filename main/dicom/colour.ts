import type { DataSet } from 'dicom-parser';
import { DicomError, us } from './dataset.js';
import type { DecodedFrame } from './decode.js';

/** Colour samples (RGB, YBR_FULL[_422], PALETTE COLOR) to 8-bit interleaved RGB. */
export function colourToRgb(ds: DataSet, f: DecodedFrame): Uint8Array {
  const pixels = f.rows * f.columns;
  const out = new Uint8Array(pixels * 3);
  const s = f.samples;
  if (f.photometric === 'PALETTE COLOR') {
    const lut = [readPalette(ds, 'x00281101', 'x00281201'), readPalette(ds, 'x00281102', 'x00281202'), readPalette(ds, 'x00281103', 'x00281203')];
    for (let p = 0; p < pixels; p++) {
      for (let c = 0; c < 3; c++) {
        const { first, table } = lut[c]!;
        const i = Math.min(Math.max(s[p]! - first, 0), table.length - 1);
        out[p * 3 + c] = table[i]!;
      }
    }
    return out;
  }
  if (f.samplesPerPixel !== 3) throw new DicomError(`photometric ${f.photometric} with ${f.samplesPerPixel} samples per pixel is not supported`);
  const scale = 2 ** Math.max(f.bitsStored - 8, 0); // 16- and 32-bit colour shown at 8 bits
  if (f.photometric === 'RGB') {
    for (let i = 0; i < out.length; i++) out[i] = clamp(Math.floor(s[i]! / scale));
    return out;
  }
  if (f.photometric === 'YBR_FULL' || f.photometric === 'YBR_FULL_422') {
    // PS3.3 C.7.6.3.1.2: full-range YCbCr (ITU-R BT.601 coefficients).
    for (let p = 0; p < pixels; p++) {
      const y = Math.floor(s[p * 3]! / scale);
      const cb = Math.floor(s[p * 3 + 1]! / scale) - 128;
      const cr = Math.floor(s[p * 3 + 2]! / scale) - 128;
      out[p * 3] = clamp(y + 1.402 * cr);
      out[p * 3 + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
      out[p * 3 + 2] = clamp(y + 1.772 * cb);
    }
    return out;
  }
  throw new DicomError(`unsupported photometric interpretation ${f.photometric}`);
}

function clamp(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** One palette colour LUT (PS3.3 C.7.6.3.1.5) as 8-bit entries, with the first stored value it maps. */
function readPalette(ds: DataSet, descriptorTag: string, dataTag: string): { first: number; table: Uint8Array } {
  const entries = us(ds, descriptorTag, 0);
  const firstRaw = us(ds, descriptorTag, 1);
  const bits = us(ds, descriptorTag, 2);
  const el = ds.elements[dataTag];
  if (entries === null || firstRaw === null || bits === null || !el) {
    if (ds.elements['x00281221']) throw new DicomError('segmented palette colour LUTs are not supported');
    throw new DicomError(`PALETTE COLOR without its lookup table (${descriptorTag.slice(1, 5)},${descriptorTag.slice(5)})`);
  }
  const n = entries === 0 ? 65536 : entries;
  const first = ds.elements['x00280103'] && us(ds, 'x00280103') === 1 ? (firstRaw << 16) >> 16 : firstRaw;
  const table = new Uint8Array(n);
  const packedBytes = el.length === n; // some writers pack 8-bit entries one per byte
  for (let i = 0; i < n; i++) {
    if (packedBytes) table[i] = ds.byteArray[el.dataOffset + i]!;
    else {
      const v = ds.byteArrayParser.readUint16(ds.byteArray, el.dataOffset + 2 * i);
      table[i] = bits === 16 ? v >> 8 : v & 0xff;
    }
  }
  return { first, table };
}
