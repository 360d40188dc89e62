import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { AppContext } from '../app/context.js';
import { closeServices } from '../app/services.js';
import { engineReasoner } from './engine-reasoner.js';
import type { Reasoner } from './reasoner.js';
import { RunService } from './run-service.js';
import { writeSettings } from './settings-store.js';
import { KEY_IMAGE, completeRunDrafts, testContext } from './testing/fixtures.js';

// Exactly one owner records a run's outcome (the run service): one `done` per run whatever happens, with the right
// status and error code.
const contexts: AppContext[] = [];
afterEach(async () => {
  for (const ctx of contexts.splice(0)) await closeServices(ctx);
});

function setup(reasoner: Reasoner, image = { width: 2, height: 2, data: new Uint8Array(12) }) {
  const ctx = testContext();
  contexts.push(ctx);
  const store = ctx.services.cases;
  const c = store.createCase({ question: 'Which lesion?', options: [{ letter: 'A', text: 'Cyst' }, { letter: 'B', text: 'Metastasis' }], keyImages: [KEY_IMAGE], synthetic: true });
  const runs = new RunService(ctx, store, { reasoner, renderImage: () => Promise.resolve({ png: 'data:image/png;base64,', rgb: image }) });
  return { ctx, store, c, runs };
}

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 2));
};

describe('the outcome of a run', () => {
  it('a key image too small for the model ends the run bad_request with the reason, through the real engine', { timeout: 120_000 }, async () => {
    const { ctx, store, c, runs } = setup(engineReasoner, { width: 4, height: 4, data: new Uint8Array(48) });
    writeSettings(ctx.dataDir, ctx.services.paths, { modelDir: 'models/fixtures/tiny-random', kb: { kind: 'none' }, executionProvider: 'cpu' });
    const { runId } = runs.start(c.id, undefined);
    await until(() => store.getRun(runId).status !== 'running');
    const events = store.events(runId);
    expect(events.filter((e) => e.type === 'error')).toEqual([expect.objectContaining({ code: 'bad_request', message: expect.stringMatching(/^image 1 of 1 cannot be used: /) })]);
    expect(events.filter((e) => e.type === 'done')).toEqual([expect.objectContaining({ status: 'failed' })]);
  });

  it('has exactly one done, with the status its ending implies, over any ordering of completion, failure, cancel and shutdown', { timeout: 120_000 }, async () => {
    type Step = { kind: 'emit' } | { kind: 'wait'; ms: number } | { kind: 'fail'; code: 'bad_request' | 'internal' } | { kind: 'cancel' } | { kind: 'shutdown' };
    const step = fc.oneof(
      fc.constant<Step>({ kind: 'emit' }),
      fc.integer({ min: 0, max: 3 }).map<Step>((ms) => ({ kind: 'wait', ms })),
      fc.constantFrom<Step>({ kind: 'fail', code: 'bad_request' }, { kind: 'fail', code: 'internal' }),
      fc.constant<Step>({ kind: 'cancel' }),
      fc.constant<Step>({ kind: 'shutdown' }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (script) => {
        let runId = '';
        let ended: 'completed' | 'failed' | 'cancelled' | 'interrupted' | null = null;
        let code: string | null = null;
        const drafts = completeRunDrafts();
        let stops: Promise<unknown>[] = [];
        const { store, c, runs } = setup(async (job) => {
          let i = 0;
          for (const s of script) {
            if (job.signal.aborted) throw job.signal.reason;
            if (s.kind === 'emit') job.emit(drafts[i++ % drafts.length] as never);
            else if (s.kind === 'wait') await new Promise((r) => setTimeout(r, s.ms));
            else if (s.kind === 'fail') {
              ended ??= 'failed';
              code ??= s.code;
              throw new ApiError(s.code, 'scripted failure');
            } else if (s.kind === 'cancel') {
              ended ??= 'cancelled';
              stops.push(runs.cancel(runId));
              await new Promise((r) => setTimeout(r, 1));
            } else {
              ended ??= 'interrupted';
              stops.push(runs.shutdown());
              await new Promise((r) => setTimeout(r, 1));
            }
          }
          ended ??= 'completed';
        });
        runId = runs.start(c.id, undefined).runId;
        await until(() => store.getRun(runId).status !== 'running');
        await Promise.all(stops);
        stops = [];
        const events = store.events(runId);
        expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
        expect(events.at(-1)).toMatchObject({ type: 'done', status: ended });
        expect(store.getRun(runId).status).toBe(ended);
        const errors = events.filter((e) => e.type === 'error');
        expect(errors.map((e) => (e as { code: string }).code)).toEqual(ended === 'failed' ? [code] : []);
        expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
      }),
      { seed: 17, numRuns: 60 },
    );
  });
});
