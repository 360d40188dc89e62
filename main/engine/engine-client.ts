import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../app/log.js';
import type { Segment } from './chat.js';
import type { Engine, EngineInfo, EngineOptions, EngineStreamEvent, SequenceState } from './engine.js';
import type { GenerateOptions } from './generate.js';
import { verifyPackage } from './integrity.js';
import { loadModelPackage, ModelPackageError } from './manifest.js';
import { pushStream } from './stream.js';
import { expectedVariant } from './variants.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; onStream?: (e: EngineStreamEvent) => void };
type Request = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

export const DEFAULT_LOAD_TIMEOUT_MS = 5 * 60_000;

/**
 * Loads a model in a new engine worker thread and returns the Engine that talks to it. Everything heavy (session
 * creation, every `session.run`) happens in that thread, so the caller's event loop stays responsive; the package's
 * content is hashed at the same time with asynchronous reads (`opts.verify`). A load that does not finish within
 * `loadTimeoutMs` is abandoned (its worker terminated, or left to die if a native read holds it), so it never holds up
 * the next load. A provider that fell back to CPU is logged as a warning here and reported in `info.fallbackNotice`.
 */
export async function createEngine(opts: EngineOptions, logger?: Logger): Promise<Engine> {
  const pkg = loadModelPackage(opts.modelDir); // names a bad manifest or a bad path before any thread starts
  // The variant's files are hashed while the worker loads it; should the provider fall back to one whose variant differs,
  // that variant is hashed too before the engine is handed out. A variant the package lacks is named here.
  const expected = expectedVariant(pkg.manifest, opts.dtype, opts.ep ?? 'auto');
  const client = new WorkerEngine();
  const ms = opts.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ModelPackageError(`the model in ${pkg.dir} did not load within ${Math.round(ms / 1000)} s (a file that never finishes reading?); check the model folder`)), ms);
  });
  const verify = async (dtype: string) => (opts.verify === false ? null : verifyPackage(pkg, { dtype }));
  try {
    await Promise.race([Promise.all([client.open(opts), verify(expected)]), timeout]);
    if (client.info.dtype !== expected) await Promise.race([verify(client.info.dtype), timeout]);
  } catch (err) {
    client.abandon();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  const info = client.info;
  logger?.log('info', `model ${info.modelId} ${info.version} (${info.dtype}) loaded on ${info.provider}`, { modelDir: opts.modelDir, sha256: info.sha256 });
  if (info.fallbackNotice) logger?.log('warn', info.fallbackNotice, { requested: info.requestedProvider });
  return client;
}

class WorkerEngine implements Engine {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private infoValue: EngineInfo | null = null;

  constructor() {
    this.worker = spawnWorker();
    this.worker.on('message', (msg: WorkerReply) => this.onMessage(msg));
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', (code) => this.failAll(new Error(`engine worker exited (code ${code})`)));
  }

  get info(): EngineInfo {
    if (!this.infoValue) throw new Error('engine is not open');
    return this.infoValue;
  }

  async open(opts: EngineOptions): Promise<void> {
    this.infoValue = (await this.call({ op: 'open', opts })) as EngineInfo;
  }

  prefill(segments: readonly Segment[]) {
    return this.call({ op: 'prefill', segments: [...segments] }) as Promise<SequenceState>;
  }
  append(segments: readonly Segment[]) {
    return this.call({ op: 'append', segments: [...segments] }) as Promise<SequenceState>;
  }
  rewrite(keep: number, pieces: readonly string[]) {
    return this.call({ op: 'rewrite', keep, pieces: [...pieces] }) as Promise<SequenceState>;
  }
  truncate(length: number) {
    return this.call({ op: 'truncate', length }) as Promise<SequenceState>;
  }
  tokenize(text: string) {
    return this.call({ op: 'tokenize', text }) as Promise<number[]>;
  }

  generate(opts: GenerateOptions, signal?: AbortSignal): AsyncIterable<EngineStreamEvent> {
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const onAbort = () => Atomics.store(cancel, 0, 1);
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const stream = pushStream<EngineStreamEvent>(onAbort); // a consumer that stops listening stops the decoding too
    this.call({ op: 'generate', opts, cancel }, (e) => stream.push(e))
      .then(() => stream.end(), (err: Error) => stream.fail(err))
      .finally(() => signal?.removeEventListener('abort', onAbort));
    return stream.iterable;
  }

  /** Gives up on the worker without waiting for it: a thread stuck in a native read may never answer or exit. */
  abandon(): void {
    this.failAll(new Error('engine load abandoned'));
    this.worker.unref();
    void this.worker.terminate().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.infoValue) await this.call({ op: 'close' }).catch(() => undefined);
    this.closed = true;
    await this.worker.terminate();
  }

  private call(req: Request, onStream?: (e: EngineStreamEvent) => void): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('engine is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onStream });
      this.worker.postMessage({ ...req, id } as WorkerRequest);
    });
  }

  private onMessage(msg: WorkerReply): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if ('stream' in msg) return p.onStream?.(msg.stream);
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(reviveError(msg.error));
  }

  private failAll(err: Error): void {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/**
 * Built code runs worker.js directly. From source (tsx, vitest) the worker is worker.ts: tsx must be registered inside the
 * worker first, and Node 20 ignores `execArgv: ['--import', 'tsx']` for a worker's entry, so a tiny eval'd bootstrap does it.
 */
function spawnWorker(): Worker {
  if (!new URL(import.meta.url).pathname.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url));
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`, { eval: true });
}

function reviveError(e: { name: string; message: string }): Error {
  const err = e.name === 'ModelPackageError' ? new ModelPackageError(e.message) : new Error(e.message);
  if (e.name !== 'ModelPackageError') err.name = e.name;
  return err;
}
