import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { Settings } from '../api/settings.js';
import { closeServices } from '../app/services.js';
import { projectRoot } from '../app/paths.js';
import { bitRot } from '../engine/testing/bit-rot.js';
import { referenceImage } from '../engine/testing/fixture.js';
import { engineReasoner } from './engine-reasoner.js';
import type { RunEventDraft } from './reasoner.js';
import { DEFAULT_SETTINGS } from './settings-store.js';
import { testContext } from './testing/fixtures.js';

// The app's reasoner on the demo model (models/medrwr-tiny) copied to a temp folder, through the real engine worker and
// reasoning loop: a damaged package never gets as far as an answer event, and a bad one never holds up the next run.
const TINY = join(projectRoot(), 'models/medrwr-tiny');
const DEMO_KB = join(projectRoot(), 'kb/demo/index');
const work = mkdtempSync(join(tmpdir(), 'medrwr-reasoner-'));
const contexts: ReturnType<typeof testContext>[] = [];
afterAll(async () => {
  for (const ctx of contexts) await closeServices(ctx);
  rmSync(work, { recursive: true, force: true });
});

function launch(dataDir?: string) {
  const ctx = testContext(dataDir);
  contexts.push(ctx);
  return ctx;
}

function copyModel(name: string): string {
  const dir = join(work, name);
  cpSync(TINY, dir, { recursive: true });
  return dir;
}

async function run(ctx: ReturnType<typeof testContext>, modelDir: string, kb: Settings['kb'] = { kind: 'none' }): Promise<{ events: RunEventDraft[]; error: unknown }> {
  const events: RunEventDraft[] = [];
  const settings: Settings = { ...DEFAULT_SETTINGS, modelDir, kb, executionProvider: 'cpu', rounds: 1 };
  const job = {
    runId: `run-${events.length}-${Math.random()}`,
    images: [referenceImage()],
    question: 'What is the most likely diagnosis for the lesion shown in this ultrasound image?',
    options: [
      { letter: 'A', text: 'Mirelle cyst' },
      { letter: 'B', text: 'Sornby nodule' },
    ],
    settings,
    signal: new AbortController().signal,
    emit: (e: RunEventDraft) => void events.push(e),
  };
  const error = await engineReasoner(job, ctx).then(
    () => null,
    (e: unknown) => e,
  );
  return { events, error };
}

describe('model package integrity in the app', () => {
  it('bit rot after a verified run (size and mtime restored) is caught at the next launch before any answer', { timeout: 120_000 }, async () => {
    const dir = copyModel('rot');
    const dataDir = mkdtempSync(join(work, 'data-'));
    const first = await run(launch(dataDir), dir);
    expect(first.error).toBeNull();
    expect(first.events.some((e) => e.type === 'answer')).toBe(true);

    bitRot(join(dir, 'onnx', 'embed_tokens.onnx'));
    const second = await run(launch(dataDir), dir);
    expect(second.error).toBeInstanceOf(ApiError);
    expect((second.error as ApiError).code).toBe('integrity');
    expect((second.error as Error).message).toMatch(/Integrity check failed.*model file onnx\/embed_tokens\.onnx failed its integrity check.*re-install the model package/);
    expect(second.events.filter((e) => e.type === 'answer' || e.type === 'summary')).toEqual([]);
  });

  it('the check covers the variant that runs (q4, auto on the CPU): a damaged q4 file is named and no answer comes out', { timeout: 120_000 }, async () => {
    const dir = copyModel('q4');
    const q = spawnSync('/usr/bin/python3', ['-m', 'models.convert.quantize_package', dir, '--dtype', 'q4'], { cwd: projectRoot(), encoding: 'utf8' });
    expect(q.status, q.stderr).toBe(0);
    const dataDir = mkdtempSync(join(work, 'data-'));
    const good = await run(launch(dataDir), dir);
    expect(good.error).toBeNull();
    expect(good.events.find((e) => e.type === 'answer')).toBeDefined();

    bitRot(join(dir, 'onnx', 'decoder_model_merged_q4.onnx'));
    const bad = await run(launch(dataDir), dir);
    expect((bad.error as Error | null)?.message).toMatch(/Integrity check failed.*model file onnx\/decoder_model_merged_q4\.onnx failed its integrity check/);
    expect(bad.events.filter((e) => e.type === 'answer' || e.type === 'summary')).toEqual([]);
  });

  it('an answer reached while the check is still hashing is held, and dropped when the check fails', { timeout: 180_000 }, async () => {
    // A 1 GB sparse external data file listed for the variant that runs (the graph never reads it, but the check
    // hashes every file of the variant): on this machine the tiny model answers before the check reaches its end and
    // finds the sha256 wrong (the held notice shows it); on any machine no answer may come out.
    const dir = copyModel('slow-check');
    const big = join(dir, 'onnx', 'embed_tokens_padded.onnx');
    writeFileSync(big, '');
    truncateSync(big, 2 ** 30);
    const file = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8')) as { files: { embed_tokens: Record<string, { path: string; sha256: string; data?: { path: string; sha256: string }[] }> } };
    m.files.embed_tokens.fp32!.data = [{ path: 'onnx/embed_tokens_padded.onnx', sha256: '0'.repeat(64) }];
    writeFileSync(file, JSON.stringify(m));

    const r = await run(launch(), dir);
    expect(r.events.filter((e) => e.type === 'answer' || e.type === 'summary')).toEqual([]);
    expect((r.error as Error | null)?.message).toMatch(/Integrity check failed.*model file onnx\/embed_tokens_padded\.onnx failed its integrity check/);
  });

  it.each([
    ['a FIFO', (dir: string) => (rmSync(join(dir, 'onnx', 'embed_tokens.onnx')), execFileSync('mkfifo', [join(dir, 'onnx', 'embed_tokens.onnx')])), /model file onnx\/embed_tokens\.onnx is a FIFO \(named pipe\), not a regular file/],
    ['a link to /dev/zero', (dir: string) => (rmSync(join(dir, 'onnx', 'embed_tokens.onnx')), symlinkSync('/dev/zero', join(dir, 'onnx', 'embed_tokens.onnx'))), /"onnx\/embed_tokens\.onnx" is a link to \/dev\/zero, outside the package/],
    ['/dev/zero by absolute path', (dir: string) => editPath(dir, '/dev/zero'), /"\/dev\/zero" is absolute/],
    ['../../../../dev/zero', (dir: string) => editPath(dir, '../../../../dev/zero'), /"\.\.\/\.\.\/\.\.\/\.\.\/dev\/zero" points outside the package/],
  ])('a model file that is %s is refused by name, and the next run on a good model is unaffected', { timeout: 120_000 }, async (name, damage, message) => {
    const bad = copyModel(`bad-${name.replace(/\W+/g, '-')}`);
    damage(bad);
    const ctx = launch();
    const refused = await run(ctx, bad);
    expect((refused.error as Error | null)?.message).toMatch(message);
    expect(refused.events.some((e) => e.type === 'answer')).toBe(false);
    const good = await run(ctx, TINY);
    expect(good.error).toBeNull();
    expect(good.events.some((e) => e.type === 'answer')).toBe(true);
  });
});

describe('knowledge-base package integrity in the app', () => {
  it('bit rot in a KB file, or a KB file that is a FIFO, ends the run before any answer; the demo KB then runs', { timeout: 120_000 }, async () => {
    const ctx = launch();
    const rot = join(work, 'kb-rot');
    cpSync(DEMO_KB, rot, { recursive: true });
    bitRot(join(rot, 'vectors.f32'));
    const rotted = await run(ctx, TINY, { kind: 'local', dir: rot });
    expect((rotted.error as Error | null)?.message).toMatch(/Knowledge base file vectors\.f32 in .* has been altered/);
    expect(rotted.events.some((e) => e.type === 'answer')).toBe(false);

    const fifo = join(work, 'kb-fifo');
    cpSync(DEMO_KB, fifo, { recursive: true });
    rmSync(join(fifo, 'index.hnsw'));
    execFileSync('mkfifo', [join(fifo, 'index.hnsw')]);
    const refused = await run(ctx, TINY, { kind: 'local', dir: fifo });
    expect((refused.error as Error | null)?.message).toMatch(/names the file "index\.hnsw" which is a FIFO \(named pipe\), not a regular file/);

    const good = await run(ctx, TINY, { kind: 'local', dir: DEMO_KB });
    expect(good.error).toBeNull();
    expect(good.events.some((e) => e.type === 'answer')).toBe(true);
  });
});

function editPath(dir: string, path: string): void {
  const file = join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(file, 'utf8')) as { files: { embed_tokens: Record<string, { path: string }> } };
  for (const v of Object.values(m.files.embed_tokens)) v.path = path;
  writeFileSync(file, JSON.stringify(m));
}
