import { afterEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../api/events.js';
import type { AppContext } from '../app/context.js';
import { closeServices } from '../app/services.js';
import type { Reasoner } from './reasoner.js';
import { RunService } from './run-service.js';
import { KEY_IMAGE, completeRunDrafts, testContext } from './testing/fixtures.js';
import { writeSettings } from './settings-store.js';

// The engine runs in its own worker (main/engine); here a scripted reasoner stands in for it so the run service's
// own duties — numbering, storing, broadcasting, cancelling, recording the outcome — are tested on their own.
const image = { width: 2, height: 2, data: new Uint8Array(12) };
const renderImage = () => Promise.resolve({ png: 'data:image/png;base64,', rgb: image });

const contexts: AppContext[] = [];
function setup(reasoner: Reasoner) {
  const ctx = testContext();
  contexts.push(ctx);
  const store = ctx.services.cases;
  const c = store.createCase({ question: 'Which lesion?', options: [{ letter: 'A', text: 'Cyst' }, { letter: 'B', text: 'Metastasis' }], keyImages: [KEY_IMAGE], synthetic: true });
  const seen: AppEvent[] = [];
  ctx.events.subscribe((e) => seen.push(e));
  return { ctx, store, c, seen, runs: new RunService(ctx, store, { reasoner, renderImage }) };
}
afterEach(async () => {
  for (const ctx of contexts.splice(0)) await closeServices(ctx);
});

function waitForDone(seen: AppEvent[], runId: string): Promise<AppEvent> {
  return new Promise((resolve) => {
    const t = setInterval(() => {
      const done = seen.find((e) => e.taskId === runId && e.type === 'done');
      if (done) {
        clearInterval(t);
        resolve(done);
      }
    }, 5);
  });
}

describe('RunService', () => {
  it('broadcasts and stores every event of a run identically, in order, and records it completed', async () => {
    let job: Parameters<Reasoner>[0] | undefined;
    const { store, c, seen, runs } = setup(async (j) => {
      job = j;
      for (const d of completeRunDrafts()) {
        j.emit(d as never);
        await new Promise((r) => setImmediate(r));
      }
    });
    const { runId } = runs.start(c.id, { k: 5 });
    await waitForDone(seen, runId);
    expect(job!.settings).toMatchObject({ k: 5, rounds: 3, modelDir: 'models/medrwr-tiny' });
    expect(job!.images).toEqual([image]);
    const stored = store.events(runId);
    expect(stored).toEqual(seen.filter((e) => e.taskId === runId));
    expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i));
    expect(stored.at(-1)).toMatchObject({ type: 'done', status: 'completed' });
    expect(store.getRun(runId)).toMatchObject({ status: 'completed', finalLetter: 'A', params: { k: 5 } });
  });

  it('cancels within a second even when the reasoner ignores the signal, and drops what it emits afterwards', async () => {
    let stop = false;
    const { store, c, seen, runs } = setup(async (j) => {
      j.emit(completeRunDrafts()[0] as never);
      while (!stop) {
        j.emit({ type: 'token', round: 0, text: ' x', tokenId: 1, logprob: -1 });
        await new Promise((r) => setTimeout(r, 10));
      }
    });
    const { runId } = runs.start(c.id, undefined);
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    expect(await runs.cancel(runId)).toBe('cancelled');
    expect(performance.now() - t0).toBeLessThan(1000);
    const n = store.events(runId).length;
    await new Promise((r) => setTimeout(r, 50));
    stop = true;
    expect(store.events(runId)).toHaveLength(n);
    expect(store.events(runId).at(-1)).toMatchObject({ type: 'done', status: 'cancelled' });
    expect(seen.filter((e) => e.taskId === runId && e.type === 'done')).toHaveLength(1);
    expect(store.getCase(c.id).status).toBe('cancelled');
    expect(store.auditLog(c.id).map((a) => a.action)).toEqual(['create', 'run', 'cancel']);
  });

  it('records a failing run with its error, and a cooperative cancel as cancelled', async () => {
    const failing = setup(() => Promise.reject(new Error('decoder_model_merged.onnx: bad input shape')));
    const { runId } = failing.runs.start(failing.c.id, undefined);
    await waitForDone(failing.seen, runId);
    expect(failing.store.getRun(runId)).toMatchObject({ status: 'failed', error: 'decoder_model_merged.onnx: bad input shape' });
    expect(failing.store.events(runId).map((e) => e.type)).toEqual(['error', 'done']);

    const polite = setup((j) => new Promise((_, reject) => j.signal.addEventListener('abort', () => reject(new Error('aborted')))));
    const second = polite.runs.start(polite.c.id, undefined);
    await new Promise((r) => setTimeout(r, 20));
    expect(await polite.runs.cancel(second.runId)).toBe('cancelled');
    expect(polite.store.getRun(second.runId).status).toBe('cancelled');
  });

  it('ends a run failed with the cause when the database refuses a write mid-run, and stores nothing after the hole', async () => {
    const { ctx, store, c, seen, runs } = setup(async (j) => {
      for (const d of completeRunDrafts()) {
        j.emit(d as never);
        await new Promise((r) => setImmediate(r));
      }
    });
    // Deterministic stand-in for a full disk: SQLite refuses the fourth token write with SQLITE_FULL's own words.
    ctx.services.db.exec("CREATE TRIGGER full_disk BEFORE INSERT ON run_events WHEN NEW.type = 'token' AND NEW.seq >= 4 BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
    const { runId } = runs.start(c.id, undefined);
    expect(await waitForDone(seen, runId)).toMatchObject({ status: 'failed' });
    const run = store.getRun(runId);
    expect(run).toMatchObject({ status: 'failed', error: 'The case database could not store event 4 (token) of this run: database or disk is full' });
    expect(store.getCase(c.id).status).toBe('failed');
    const stored = store.events(runId);
    expect(stored.map((e) => e.type)).toEqual(['run', 'token', 'token', 'token', 'error', 'done']);
    expect(stored.at(-2)).toMatchObject({ code: 'unavailable', message: run.error });
    expect(stored.at(-1)).toMatchObject({ status: 'failed' });
    // What clients saw after the refused event is exactly the outcome: no more tokens, one done.
    const sent = seen.filter((e) => e.taskId === runId);
    expect(sent.map((e) => e.type)).toEqual(['run', 'token', 'token', 'token', 'token', 'error', 'done']);
  });

  it('keeps the cause in the run row when even the closing events cannot be stored', async () => {
    const { ctx, store, c, seen, runs } = setup(async (j) => {
      for (const d of completeRunDrafts()) {
        j.emit(d as never);
        await new Promise((r) => setImmediate(r));
      }
    });
    ctx.services.db.exec("CREATE TRIGGER locked BEFORE INSERT ON run_events WHEN NEW.seq >= 2 BEGIN SELECT RAISE(ABORT, 'database is locked'); END");
    const { runId } = runs.start(c.id, undefined);
    await waitForDone(seen, runId);
    expect(store.getRun(runId)).toMatchObject({ status: 'failed', error: 'The case database could not store event 2 (token) of this run: database is locked' });
    expect(store.getRun(runId).endedAt).not.toBeNull();
    expect(store.events(runId).map((e) => e.type)).toEqual(['run', 'token']);
  });

  it('refuses invalid overrides with the reason and starts nothing; refuses a case without key images', () => {
    const { ctx, store, c, runs } = setup(() => Promise.resolve());
    expect(() => runs.start(c.id, { rounds: 4 })).toThrow(/rounds must be 1 to 3/);
    expect(() => runs.start(c.id, { cdirThreshold: 1.5 })).toThrow(/CDIR threshold is a probability/);
    expect(store.runsOf(c.id)).toEqual([]);
    writeSettings(ctx.dataDir, ctx.services.paths, { k: 7 });
    const empty = store.createCase({ question: 'No images?', options: [], keyImages: [], synthetic: false });
    expect(() => runs.start(empty.id, undefined)).toThrow(/at least one key image/);
  });
});
