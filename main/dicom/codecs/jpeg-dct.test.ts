import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDicom } from '../parse.js';
import { encapsulatedFrame } from '../frame-bytes.js';
import { readImageInfo } from '../image-info.js';
import { CT_MATRIX, CT_MATRIX_DIR, PYDICOM, corpus, skipWithoutTestData } from '../testing/corpus.js';
import { decodeDctJpeg } from './jpeg-dct.js';
import { decodeWasm } from './wasm.js';

function frameOf(path: string, frame = 0) {
  const ds = parseDicom(readFileSync(path));
  const info = readImageInfo(ds);
  return { info, bytes: encapsulatedFrame(ds, info, frame) };
}

describe.skipIf(skipWithoutTestData)('our DCT JPEG decoder', () => {
  it('agrees with libjpeg-turbo within ±1 on 8-bit baseline streams (grey XA cine, colour with an Adobe marker)', async () => {
    for (const [path, frame] of [[corpus.xaCine96, 40], [join(PYDICOM, 'SC_rgb_jpeg_app14_dcmd.dcm'), 0], [join(PYDICOM, 'SC_rgb_jpeg_dcmtk.dcm'), 0]] as const) {
      const { bytes } = frameOf(path, frame);
      const ours = decodeDctJpeg(bytes);
      const turbo = await decodeWasm('jpeg-baseline', bytes);
      expect(ours.data.length).toBe(turbo.samples.length);
      let max = 0;
      for (let i = 0; i < ours.data.length; i++) max = Math.max(max, Math.abs(ours.data[i]! - turbo.samples[i]!));
      expect(max, path).toBeLessThanOrEqual(1);
    }
  });

  it('decodes 12-bit samples', () => {
    const { info, bytes } = frameOf(join(CT_MATRIX_DIR, CT_MATRIX.find((m) => m.ts === '1.2.840.10008.1.2.4.55')!.file));
    const img = decodeDctJpeg(bytes);
    expect(img).toMatchObject({ width: info.columns, height: info.rows, components: 1, precision: 12 });
    expect(img.data.reduce((m, v) => Math.max(m, v), 0)).toBeGreaterThan(255);
  });

  it('refuses what is not a DCT Huffman stream, by name', () => {
    const lossless = frameOf(join(CT_MATRIX_DIR, CT_MATRIX.find((m) => m.ts === '1.2.840.10008.1.2.4.70')!.file)).bytes;
    expect(() => decodeDctJpeg(lossless)).toThrow(/process SOF3 \(lossless/);
    expect(() => decodeDctJpeg(new Uint8Array([1, 2, 3, 4]))).toThrow(/no start-of-image marker/);
  });
});
