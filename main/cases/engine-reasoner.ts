import { join } from 'node:path';
import { ApiError } from '../api/errors.js';
import type { Settings } from '../api/settings.js';
import type { AppContext } from '../app/context.js';
import { service } from '../app/services.js';
import { createEngine } from '../engine/engine-client.js';
import type { Engine } from '../engine/engine.js';
import { appKnowledgeBase } from '../kb/app-knowledge-bases.js';
import { RemoteTextRetriever } from '../kb/remote-retriever.js';
import type { ImageRetriever, TextRetriever } from '../kb/retriever.js';
import { runReasoning } from '../reasoning/run.js';
import type { Reasoner, RunEventDraft } from './reasoner.js';
import { resolveSettingPath } from './settings-store.js';

/**
 * The model and knowledge base a run needs, kept open between runs (loading a model costs seconds) and swapped when
 * the settings name others. One engine holds one sequence, so the run service runs one case at a time.
 */
class OpenResources {
  private engine: { key: string; value: Promise<Engine> } | null = null;
  private kb: { key: string; value: Promise<{ text: TextRetriever | null; images: ImageRetriever | null; close(): Promise<void> }> } | null = null;

  /** The engine holds one sequence: a run starts only after the previous one has really left it (a cancelled run
   * is recorded at once, but its last decoder step may still be finishing in the worker). */
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: AppContext) {}

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
    const modelDir = resolveSettingPath(s.modelDir);
    const key = `${modelDir}|${s.executionProvider}|${s.maxImagePixels}`;
    if (this.engine?.key !== key) {
      const old = this.engine?.value;
      void old?.then((e) => e.close()).catch(() => undefined);
      const value = createEngine({ modelDir, ep: s.executionProvider, maxPixels: s.maxImagePixels, hashCacheFile: join(this.ctx.dataDir, 'cache', 'model-hashes.json') }).catch((err: unknown) => {
        this.engine = null;
        throw err instanceof ApiError ? err : new ApiError('unavailable', `The model in ${modelDir} cannot be loaded: ${(err as Error).message}. Check the model folder in Settings.`);
      });
      this.engine = { key, value };
    }
    return this.engine.value;
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
        const kb = await appKnowledgeBase(this.ctx, resolveSettingPath(s.kb.dir));
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

function resources(ctx: AppContext): OpenResources {
  return service(ctx, 'reasoning-resources', () => new OpenResources(ctx), (r) => r.close());
}

/** Med-RwR reasoning (main/reasoning) over the engine worker (main/engine), with the model and KB the settings name. */
export const engineReasoner: Reasoner = (job, ctx) => {
  const res = resources(ctx);
  return res.exclusive(() => reason(res, job));
};

async function reason(res: OpenResources, job: Parameters<Reasoner>[0]): Promise<void> {
  const [engine, kb] = await Promise.all([res.model(job.settings), res.retrievers(job.settings)]);
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
      signal: job.signal,
      // The run service records the outcome (error, done) itself; everything else streams through as it comes.
      emit: (draft) => {
        if (draft.type === 'done' || draft.type === 'error' || draft.type === 'progress') return;
        const { taskId: _taskId, ...rest } = draft;
        job.emit(rest as RunEventDraft);
      },
    },
    { maxRounds: job.settings.rounds, k: job.settings.k, cdirThreshold: job.settings.cdirThreshold },
  );
  // The run service records the outcome; the code travels with it (a too-small image is the user's input, not a fault).
  if (result.status === 'failed') throw new ApiError(result.errorCode ?? 'internal', result.error ?? 'the reasoning failed');
}
