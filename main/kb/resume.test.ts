import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildKnowledgeBase } from './build.js';
import { openKnowledgeBase } from './open.js';
import { ROOT, tempDir, TEXT_ENCODER, WORDNET_JSONL } from './testing/fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('a build killed midway (SIGKILL) resumes without redoing finished batches and gives identical files', async () => {
  const dir = tempDir();
  const out = join(dir, 'resumed');
  const checkpoint = join(`${out}.partial`, 'build-progress.json');
  const opts = { sources: [WORDNET_JSONL], encoderDir: TEXT_ENCODER, batchSize: 4 };

  const child = spawn(process.execPath, [join(ROOT, 'bin/medrwr.js'), 'kb', 'build', WORDNET_JSONL, '--encoder', TEXT_ENCODER, '--out', out, '--batch-size', '4'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let done = 0;
  for (let i = 0; i < 3000 && done < 40; i++) {
    await sleep(10);
    try {
      done = (JSON.parse(readFileSync(checkpoint, 'utf8')) as { batchesDone: number }).batchesDone;
    } catch {
      // not written yet, or caught mid-rename
    }
  }
  child.kill('SIGKILL');
  await exited;
  const killedAt = (JSON.parse(readFileSync(checkpoint, 'utf8')) as { batchesDone: number; batches: number });
  expect(killedAt.batchesDone).toBeGreaterThanOrEqual(40);
  expect(killedAt.batchesDone).toBeLessThan(killedAt.batches);
  expect(existsSync(out)).toBe(false); // nothing half-built where a KB is expected

  const resumed = await buildKnowledgeBase({ ...opts, out, stderr: null });
  expect(resumed.resumedAtBatch).toBe(killedAt.batchesDone);
  const fresh = await buildKnowledgeBase({ ...opts, out: join(dir, 'fresh'), stderr: null });
  expect(fresh.resumedAtBatch).toBeNull();
  expect(resumed.manifest.files).toEqual(fresh.manifest.files);
  expect(existsSync(`${out}.partial`)).toBe(false);

  const kb = await openKnowledgeBase(out);
  expect((await kb.search('pneumothorax', { k: 1 }))[0]!.title).toBe('pneumothorax');
  await kb.close();
}, 120_000);

it('an interrupted build of different inputs is discarded, not mixed in', async () => {
  const dir = tempDir();
  const out = join(dir, 'kb');
  const ctl = new AbortController();
  ctl.abort();
  await expect(buildKnowledgeBase({ sources: [WORDNET_JSONL], encoderDir: TEXT_ENCODER, out, stderr: null, signal: ctl.signal })).rejects.toThrow(/cancelled; rerun the same command to resume from batch 1/);
  expect(existsSync(`${out}.partial`)).toBe(true);
  const r = await buildKnowledgeBase({ sources: [WORDNET_JSONL], encoderDir: TEXT_ENCODER, out, stderr: null, chunkWords: 50 });
  expect(r.resumedAtBatch).toBeNull();
});
