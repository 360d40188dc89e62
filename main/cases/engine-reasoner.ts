import { ApiError } from '../api/errors.js';
import type { Settings } from '../api/settings.js';
import type { AppContext } from '../app/context.js';
import { createEngine, DEFAULT_LOAD_TIMEOUT_MS } from '../engine/engine-client.js';
import type { Engine } from '../engine/engine.js';
import { verifyPackage } from '../engine/integrity.js';
import { loadModelPackage } from '../engine/manifest.js';
import { expectedVariant } from '../engine/variants.js';
import type { KnowledgeBase } from '../kb/open.js';
import { RemoteTextRetriever } from '../kb/remote-retriever.js';
import type { ImageRetriever, TextRetriever } from '../kb/retriever.js';
import { runReasoning } from '../reasoning/run.js';
import type { PathsPort } from './ports.js';
import type { Reasoner, RunEventDraft } from './reasoner.js';
import { resolveSettingPath } from './settings-store.js';

/**
 * The model and knowledge base a run needs, kept open between runs (loading a model costs seconds) and swapped when
 * the settings name others. One engine holds one sequence, so the run service runs one case at a time.
 *
 * The model's full content check runs in the background, once per model folder per launch, beside the load: start-up
 * and the run's first tokens never wait for it, but a run's answer is held until it has passed (see `reason`).
 */
export class OpenResources {
  private engine: { key: string; value: Promise<Engine> } | null = null;
  private readonly verified = new Map<string, Promise<void>>();
  private kb: { key: string; value: Promise<{ text: TextRetriever | null; images: ImageRetriever | null; close(): Promise<void> }> } | null = null;

  /** The engine holds one sequence: a run starts only after the previous one has really left it (a cancelled run
   * is recorded at once, but its last decoder step may still be finishing in the worker). */
  private last: Promise<void> = Promise.resolve();

  constructor(
    private readonly paths: PathsPort,
    /** The app's shared open knowledge bases (kb.info and kb.search use the same copies). */
    private readonly openKnowledgeBase: (dir: string) => Promise<KnowledgeBase>,
  ) {}

  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.last;
    let release!: () => void;
    this.last = new Promise<void>((r) => (release = r));
    try {
      await previous;
      return await work();
    } finally {
      release();
    }
  }

  model(s: Settings): Promise<Engine> {
    const modelDir = resolveSettingPath(this.paths, s.modelDir);
    const key = `${modelDir}|${s.executionProvider}|${s.modelDtype}|${s.maxImagePixels}`;
    if (this.engine?.key !== key) {
      this.dropEngine();
      const entry = {
        key,
        value: createEngine({ modelDir, ep: s.executionProvider, dtype: s.modelDtype, maxPixels: s.maxImagePixels, verify: false }).catch((err: unknown) => {
          if (this.engine === entry) this.engine = null; // a failed or abandoned load is not kept: the next run tries afresh
          throw err instanceof ApiError ? err : new ApiError('unavailable', `The model in ${modelDir} cannot be loaded: ${(err as Error).message}. Check the model folder in Settings.`);
        }),
      };
      this.engine = entry;
    }
    return this.engine.value;
  }

  /**
   * The full content check, for this launch, of every file of the variant the settings run (or of `dtype`, the one the
   * loaded engine really chose), started on first need. A failure is not remembered (so a re-installed package is
   * checked again) and drops the loaded engine, whose weights came from the damaged files.
   */
  verification(s: Settings, dtype?: string): Promise<void> {
    const modelDir = resolveSettingPath(this.paths, s.modelDir);
    const v = (async () => {
      const pkg = loadModelPackage(modelDir);
      const variant = dtype ?? expectedVariant(pkg.manifest, s.modelDtype, s.executionProvider);
      const key = `${modelDir}|${variant}`;
      let hashed = this.verified.get(key);
      if (!hashed) {
        const h = verifyPackage(pkg, { dtype: variant }).then(() => undefined);
        h.catch(() => this.verified.get(key) === h && this.verified.delete(key));
        this.verified.set(key, (hashed = h));
      }
      await hashed;
    })().catch((err: unknown) => {
      if (this.engine?.key.startsWith(`${modelDir}|`)) this.dropEngine();
      throw new ApiError('integrity', `Integrity check failed, so no answer is given: ${(err as Error).message}`, { modelDir });
    });
    v.catch(() => undefined); // observed by the runs that await it; a background check alone must not be unhandled
    return v;
  }

  private dropEngine(): void {
    const old = this.engine?.value;
    this.engine = null;
    void old?.then((e) => e.close()).catch(() => undefined);
  }

  retrievers(s: Settings) {
    const key = JSON.stringify(s.kb);
    if (this.kb?.key !== key) {
      const old = this.kb?.value;
      void old?.then((k) => k.close()).catch(() => undefined);
      const value = (async () => {
        if (s.kb.kind === 'none') return { text: null, images: null, close: async () => undefined };
        if (s.kb.kind === 'remote') return { text: new RemoteTextRetriever(s.kb.url), images: null, close: async () => undefined };
        // Shared with kb.info/kb.search: one open copy per folder, closed with the app.
        const dir = resolveSettingPath(this.paths, s.kb.dir);
        const kb = await within(this.openKnowledgeBase(dir), DEFAULT_LOAD_TIMEOUT_MS, `The knowledge base ${dir} did not open within ${DEFAULT_LOAD_TIMEOUT_MS / 60_000} minutes (a file that never finishes reading?); check the folder in Settings.`);
        return { text: kb.retriever, images: kb.images, close: async () => undefined };
      })().catch((err: unknown) => {
        this.kb = null;
        throw err;
      });
      this.kb = { key, value };
    }
    return this.kb.value;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.engine?.value.then((e) => e.close()), this.kb?.value.then((k) => k.close())]);
    this.engine = null;
    this.kb = null;
  }
}

/** The promise, or an 'unavailable' error after `ms`: a stuck open must not hold the runs queued behind it. */
async function within<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new ApiError('unavailable', message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts the background content checks of the packages the settings name (the model's full hash; the knowledge base
 * is hashed in full when it opens). Call at launch and when Settings name a new package; runs await the same checks.
 */
export function checkPackagesInBackground(ctx: AppContext, settings: Settings): void {
  const res = ctx.services.reasoning;
  void res.verification(settings);
  void res.retrievers(settings).catch(() => undefined);
}

/** Med-RwR reasoning (main/reasoning) over the engine worker (main/engine), with the model and KB the settings name. */
export const engineReasoner: Reasoner = (job, ctx) => {
  const res = ctx.services.reasoning;
  return res.exclusive(() => reason(res, job));
};

async function reason(res: OpenResources, job: Parameters<Reasoner>[0]): Promise<void> {
  const model = res.model(job.settings);
  // The variant the settings name is checked from the start; the one the engine really runs (a provider that fell back
  // may run another) once it is loaded: the same check when they agree.
  const verified = (async () => {
    await res.verification(job.settings);
    const engine = await model.catch(() => null);
    if (engine) await res.verification(job.settings, engine.info.dtype);
  })();
  verified.catch(() => undefined);
  // The run streams while the check runs; from its first answer on, events are held until the check has passed, and a
  // failed check stops the run at once.
  const ctl = new AbortController();
  let passed = false;
  let failed = false;
  verified.then(
    () => (passed = true),
    () => ((failed = true), ctl.abort()),
  );
  const onAbort = () => ctl.abort();
  job.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const held: RunEventDraft[] = [];
    const [engine, kb] = await Promise.all([model, res.retrievers(job.settings)]).catch(async (err: unknown) => {
      await verified; // a damaged package is named as such, not as a load failure
      throw err;
    });
    job.signal.throwIfAborted();
    const result = await runReasoning(
      {
        taskId: job.runId,
        images: job.images,
        question: job.question,
        options: job.options.map((o) => `${o.letter}. ${o.text}`),
      },
      {
        engine,
        textRetriever: kb.text,
        imageRetriever: kb.images,
        signal: ctl.signal,
        // The run service records the outcome (error, done) itself; everything else streams through as it comes.
        emit: (draft) => {
          if (draft.type === 'done' || draft.type === 'error' || draft.type === 'progress') return;
          const { taskId: _taskId, ...rest } = draft;
          if (held.length === 0 && !passed && draft.type === 'answer') {
            job.emit({ type: 'notice', level: 'info', message: "The answer is held until the model package's integrity check (running in the background) has passed." });
          }
          if (held.length > 0 || (!passed && draft.type === 'answer')) held.push(rest as RunEventDraft);
          else job.emit(rest as RunEventDraft);
        },
      },
      { maxRounds: job.settings.rounds, k: job.settings.k, cdirThreshold: job.settings.cdirThreshold },
    );
    await Promise.race([verified, new Promise<void>((resolve) => (ctl.signal.aborted ? resolve() : ctl.signal.addEventListener('abort', () => resolve(), { once: true })))]);
    if (failed) await verified; // throws the integrity failure
    if (job.signal.aborted) return; // cancelled by the user: the run service records it
    for (const e of held) job.emit(e);
    // The run service records the outcome; the code travels with it (a too-small image is the user's input, not a fault).
    if (result.status === 'failed') throw new ApiError(result.errorCode ?? 'internal', result.error ?? 'the reasoning failed');
  } finally {
    job.signal.removeEventListener('abort', onAbort);
  }
}
