import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../app/context.js';
import { createAppContext } from '../app/create.js';
import { dispatch } from '../app/dispatch.js';
import { closeServices } from '../app/services.js';
import { importPaths } from './testing/import.js';

const ctx: AppContext = createAppContext({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-upload-')), transport: 'web' });
afterAll(async () => {
  await closeServices(ctx);
  rmSync(ctx.dataDir, { recursive: true, force: true });
});

const demoStudy = readFileSync('demo/studies/study-01-us.dcm').toString('base64');

describe('studies.upload (web-mode drag and drop)', () => {
  it('stores dropped files inside the data directory; importing them lists the broken one with its reason', async () => {
    const first = (await dispatch(ctx, 'studies.upload', { files: [{ name: 'study.dcm', data: demoStudy }] })) as { uploadId: string; directory: string };
    // A second batch joins the same upload; a hostile name cannot leave the upload folder.
    await dispatch(ctx, 'studies.upload', { uploadId: first.uploadId, files: [{ name: '../../escape.txt', data: Buffer.from('not dicom').toString('base64') }] });
    expect(first.directory.startsWith(join(ctx.dataDir, 'uploads'))).toBe(true);
    expect(readdirSync(first.directory)).toHaveLength(2);
    expect(existsSync(join(ctx.dataDir, 'escape.txt'))).toBe(false);

    const { report } = await importPaths(ctx, [first.directory]);
    expect(report.imported).toBe(1);
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]!.path).toMatch(/escape\.txt$/);
    expect(report.failures[0]!.reason).toMatch(/not a DICOM Part 10 file/);
  });

  it('refuses an unknown upload id and a malformed one', async () => {
    await expect(dispatch(ctx, 'studies.upload', { uploadId: 'deadbeef-0000', files: [{ name: 'a', data: 'AA==' }] })).rejects.toThrow(/No upload deadbeef-0000/);
    await expect(dispatch(ctx, 'studies.upload', { uploadId: '../../etc', files: [{ name: 'a', data: 'AA==' }] })).rejects.toThrow(/Invalid params/);
  });
});
