import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../app/context.js';
import { createAppContext } from '../app/create.js';
import { closeServices } from '../app/services.js';
import { DicomError } from './dataset.js';
import { loadImageFile } from './load-image.js';
import { renderFrame } from './render.js';
import { deflateBomb, jpeg12, jpeg12Bomb, rleBomb } from './testing/bombs.js';
import { importPaths } from './testing/import.js';
import { dicomFile, element, encapsulatedPixelData } from './testing/write.js';

/**
 * Issue 18, acceptance 2: each bomb is refused in under 2 s with peak RSS growth under 300 MB, measured in this
 * process (the DICOM worker is a thread of it). Peak growth is bounded from above by the process's lifetime peak RSS
 * after the import minus its RSS before, so a pass cannot hide a spike.
 */
const MB = 1024 * 1024;
let dir: string;
let ctx: AppContext;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'medrwr-bombs-'));
  ctx = createAppContext({ dataDir: join(dir, 'data'), transport: 'web' });
  // An ordinary small image first, so the worker thread is started and its codecs loaded before anything is timed.
  const small = join(dir, 'small.dcm');
  writeFileSync(small, dicomFile('1.2.840.10008.1.2.1', { rows: 4, columns: 4, bitsAllocated: 8 }, element([0x7fe00010, 'OW', new Uint8Array(16).fill(7)])));
  expect((await importPaths(ctx, [small])).report.imported).toBe(1);
});
afterAll(async () => {
  await closeServices(ctx);
  rmSync(dir, { recursive: true, force: true });
});

async function refusedWithinBudget(name: string, bytes: Buffer | null, reason: RegExp, path = join(dir, name)): Promise<void> {
  if (bytes) writeFileSync(path, bytes);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const { report } = await importPaths(ctx, [path]);
  const seconds = (performance.now() - started) / 1000;
  const peakGrowth = process.resourceUsage().maxRSS * 1024 - rssBefore;
  expect(report.imported, name).toBe(0);
  expect(report.failures, name).toEqual([{ path, reason: expect.stringMatching(reason) }]);
  expect(seconds, `${name}: seconds to refuse`).toBeLessThan(2);
  expect(peakGrowth / MB, `${name}: peak RSS growth, MB`).toBeLessThan(300);
}

describe('decompression and size bombs are refused at import, fast and within the memory budget', () => {
  it('a ~10 KB JPEG-12 file claiming 30000×30000', async () => {
    const bomb = jpeg12Bomb();
    expect(bomb.length).toBeLessThan(12_000);
    await refusedWithinBudget('jpeg12.dcm', bomb, /declares a frame of 30000×30000 pixels \(900\.0 M samples\); the workstation decodes at most 67\.1 M samples per frame/);
  });

  it('a ~1.5 MB deflated-syntax file that inflates to 1.5 GiB: pixel data longer than the image it declares', async () => {
    const bomb = deflateBomb('pixel-data');
    expect(bomb.length).toBeLessThan(2 * MB);
    await refusedWithinBudget('deflate-pixels.dcm', bomb, /^the deflated data set inflates to more than 2 MiB for the image its header declares: refused as a decompression bomb$/);
  });

  it('the deflated bomb variants: a declared 30000×30000 image, a 1.5 GiB private attribute', async () => {
    await refusedWithinBudget('deflate-declared.dcm', deflateBomb('declared-size'), /^the deflated data set declares a frame of 30000×30000 pixels/);
    await refusedWithinBudget('deflate-attribute.dcm', deflateBomb('attribute'), /^the deflated data set inflates to more than 64 MiB before its pixel data: refused as a decompression bomb$/);
  });

  it('an RLE frame declaring 20000×20000', async () => {
    await refusedWithinBudget('rle.dcm', rleBomb(), /declares a frame of 20000×20000 pixels \(400\.0 M samples\)/);
  });

  it('a JPEG codestream claiming 30000×30000 behind a header that says 512×512', async () => {
    const liar = dicomFile('1.2.840.10008.1.2.4.51', { rows: 512, columns: 512, bitsAllocated: 16, bitsStored: 12, uid: '1.2.826.0.1.3680043.10.543.18.9' }, encapsulatedPixelData([jpeg12(30000, 30000, 10_000)]));
    await refusedWithinBudget('jpeg12-liar.dcm', liar, /^pixel data does not match the header: the compressed frame is 30000×30000, Rows\/Columns say 512×512$/);
  });

  it('a 1.5 GB file that is not DICOM costs one small read', async () => {
    const path = join(dir, 'video.mp4');
    const fd = openSync(path, 'w');
    ftruncateSync(fd, 1536 * MB); // sparse: no disk used
    closeSync(fd);
    await refusedWithinBudget('video.mp4', null, /^not a DICOM Part 10 file \(no "DICM" prefix at byte 128\)$/, path);
  });
});

describe('model inputs (medrwr ask, eval) read only what they need', () => {
  it('a 1.5 GB file that is not an image is refused after its first bytes; a FIFO without waiting for a writer', async () => {
    const big = join(dir, 'disk.img');
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 1536 * MB);
    closeSync(fd);
    const rssBefore = process.memoryUsage().rss;
    await expect(loadImageFile(big)).rejects.toThrow(`image ${big} cannot be used: not a DICOM Part 10 file (no "DICM" prefix at byte 128)`);
    expect((process.resourceUsage().maxRSS * 1024 - rssBefore) / MB).toBeLessThan(300);
    const fifo = join(dir, 'pipe.png');
    execFileSync('mkfifo', [fifo]);
    await expect(loadImageFile(fifo)).rejects.toThrow(`image ${fifo} cannot be used: not a regular file`);
  });
});

describe('the decoders refuse the bombs themselves (the path of instances.render and model inputs)', () => {
  it('renderFrame throws a DicomError naming the declared size, before allocating for it', async () => {
    const cases: [Buffer, RegExp][] = [
      [jpeg12Bomb(), /the header declares a frame of 30000×30000 pixels/],
      [rleBomb(), /the header declares a frame of 20000×20000 pixels/],
      [deflateBomb('pixel-data'), /inflates to more than 2 MiB for the image its header declares/],
      [dicomFile('1.2.840.10008.1.2.4.51', { rows: 512, columns: 512, bitsAllocated: 16, bitsStored: 12 }, encapsulatedPixelData([jpeg12(30000, 30000, 100)])), /the compressed frame is 30000×30000, the header says 512×512/],
    ];
    for (const [bytes, reason] of cases) {
      const rssBefore = process.memoryUsage().rss;
      const err = await renderFrame(bytes).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DicomError);
      expect((err as Error).message).toMatch(reason);
      expect((process.resourceUsage().maxRSS * 1024 - rssBefore) / MB).toBeLessThan(300);
    }
  });
});
