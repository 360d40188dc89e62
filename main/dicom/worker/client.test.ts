import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DicomError } from '../dataset.js';
import { dicomFile, element } from '../testing/write.js';
import { DicomWorker, FileAccessError } from './client.js';

let dir: string;
let image: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'medrwr-dicom-worker-'));
  image = join(dir, 'small.dcm');
  writeFileSync(image, dicomFile('1.2.840.10008.1.2.1', { rows: 2, columns: 2, bitsAllocated: 8 }, element([0x7fe00010, 'OW', Uint8Array.of(0, 80, 160, 240)])));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the DICOM worker thread', () => {
  it('indexes and renders in the thread; file-system errors keep their code, content errors their reason', async () => {
    const worker = new DicomWorker();
    try {
      const indexed = await worker.run('index', { path: image });
      expect(indexed).toMatchObject({ kind: 'instance', record: { instance: { info: { rows: 2, columns: 2 } } } });
      expect(await worker.run('render', { path: image, frame: 0 })).toMatchObject({ width: 2, height: 2, png: expect.stringMatching(/^data:image\/png;base64,/) });
      await expect(worker.run('render', { path: join(dir, 'gone.dcm'), frame: 0 })).rejects.toBeInstanceOf(FileAccessError);
      await expect(worker.run('render', { path: image, frame: 5 })).rejects.toThrow(new DicomError('frame 5 is out of range: the image has 1 frame(s), numbered from 0'));
      expect(await worker.run('index', { path: join(dir, 'gone.dcm') })).toEqual({ kind: 'failed', reason: expect.stringMatching(/^cannot read the file: ENOENT/) });
    } finally {
      await worker.close();
    }
  });

  it('a job over its time cap is stopped with a reason', async () => {
    const worker = new DicomWorker({ timeoutMs: 1, heapMb: 256 });
    try {
      await expect(worker.run('index', { path: image })).rejects.toThrow(/^decoding took longer than 0\.001 s and was stopped; the file is refused as corrupt or a decompression bomb$/);
    } finally {
      await worker.close();
    }
  });

  it('an abort kills the running job at once and the next job gets a fresh thread', async () => {
    const worker = new DicomWorker();
    try {
      const abort = new AbortController();
      const running = worker.run('index', { path: image }, abort.signal);
      abort.abort();
      await expect(running).rejects.toMatchObject({ name: 'AbortError' });
      expect((await worker.run('index', { path: image })).kind).toBe('instance');
    } finally {
      await worker.close();
    }
  });

  it('a FIFO is refused as not a regular file instead of blocking the thread', async () => {
    const fifo = join(dir, 'pipe.dcm');
    execFileSync('mkfifo', [fifo]);
    const worker = new DicomWorker({ timeoutMs: 10_000, heapMb: 256 });
    try {
      expect(await worker.run('index', { path: fifo })).toEqual({ kind: 'failed', reason: 'not a regular file' });
    } finally {
      await worker.close();
    }
  });
});
