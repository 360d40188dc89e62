import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDicom } from '../parse.js';
import { encapsulatedFrame } from '../frame-bytes.js';
import { readImageInfo } from '../image-info.js';
import { PYDICOM, skipWithoutTestData } from '../testing/corpus.js';
import { decodeWasm } from './wasm.js';


function firstFrame(file: string): Uint8Array {
  const ds = parseDicom(readFileSync(join(PYDICOM, file)));
  return encapsulatedFrame(ds, readImageInfo(ds), 0);
}

describe.skipIf(skipWithoutTestData)('WASM codec failures in words', () => {
  it("a broken JPEG-LS frame fails with CharLS's own message, not a number, and the next frame decodes", async () => {
    const good = firstFrame('MR_small_jpeg_ls_lossless.dcm');
    await expect(decodeWasm('jpeg-ls', good.subarray(0, 30))).rejects.toThrow(new Error('the compressed data is corrupt or truncated (CharLS: The source buffer is too small, more input data was expected)'));
    expect((await decodeWasm('jpeg-ls', good)).info).toMatchObject({ width: 64, height: 64 });
  });

  it('a broken baseline JPEG names libjpeg-turbo and what it was doing', async () => {
    const good = firstFrame('SC_rgb_jpeg_dcmtk.dcm');
    await expect(decodeWasm('jpeg-baseline', good.subarray(0, 5))).rejects.toThrow(/^the compressed data is corrupt or truncated \(libjpeg-turbo: [A-Za-z ]+\)$/);
    expect((await decodeWasm('jpeg-baseline', good)).info.width).toBeGreaterThan(0);
  });
});
