import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DicomError } from '../dataset.js';
import type { JobError, JobName, JobReply, JobRequest, Jobs } from './protocol.js';

/**
 * How long one file may take and how much JavaScript heap the thread may use before it is killed, and how many nice
 * levels below the server's thread it runs (decoding is background work: the API must win the CPU).
 */
export interface WorkerLimits {
  timeoutMs: number;
  heapMb: number;
  niceness?: number;
}

export const DEFAULT_LIMITS: WorkerLimits = { timeoutMs: 30_000, heapMb: 1024, niceness: 5 };

/** An error from a job that is about the file system (ENOENT, EACCES, …) rather than the file's content. */
export class FileAccessError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'FileAccessError';
  }
}

/**
 * Runs DICOM jobs in a worker thread, one at a time. The budgets in decode refuse what a file declares; this is the
 * backstop for what they cannot foresee: a job that overruns `timeoutMs` or the thread's heap limit kills the thread
 * and fails with a reason (the next job starts a fresh one), and an abort kills the running job at once.
 */
export class DicomWorker {
  private worker: Worker | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly limits: WorkerLimits = DEFAULT_LIMITS) {}

  run<K extends JobName>(job: K, args: Jobs[K]['args'], signal?: AbortSignal): Promise<Jobs[K]['result']> {
    const next = this.queue.then(() => this.runNow(job, args, signal));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Starts the thread now rather than with the first job, so its start-up overlaps what the caller does next. */
  start(): this {
    if (!this.closed) this.worker ??= spawn(this.limits);
    return this;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker?.terminate();
    this.worker = null;
  }

  private runNow<K extends JobName>(job: K, args: Jobs[K]['args'], signal?: AbortSignal): Promise<Jobs[K]['result']> {
    if (this.closed) return Promise.reject(new Error('the DICOM worker is closed'));
    if (signal?.aborted) return Promise.reject(abortError());
    const worker = (this.worker ??= spawn(this.limits));
    return new Promise<Jobs[K]['result']>((resolve, reject) => {
      const seconds = this.limits.timeoutMs / 1000;
      const settle = (fail: Error | null, value?: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (fail) reject(fail);
        else resolve(value as Jobs[K]['result']);
      };
      const kill = (fail: Error) => {
        if (this.worker === worker) this.worker = null;
        void worker.terminate();
        settle(fail);
      };
      const onMessage = (msg: JobReply) => {
        if (msg.id !== 1) return;
        if (msg.ok) settle(null, msg.value);
        else settle(revive(msg.error));
      };
      const onError = (err: Error & { code?: string }) => {
        if (this.worker === worker) this.worker = null;
        settle(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new DicomError(`decoding needed more than the ${this.limits.heapMb} MB of memory it may use; the file is refused as too large or corrupt`)
            : new Error(`the DICOM worker failed: ${err.message}`),
        );
      };
      const onExit = (code: number) => {
        if (this.worker === worker) this.worker = null;
        settle(new Error(`the DICOM worker stopped (exit code ${code})`));
      };
      const onAbort = () => kill(abortError());
      const timer = setTimeout(() => kill(new DicomError(`decoding took longer than ${seconds} s and was stopped; the file is refused as corrupt or a decompression bomb`)), this.limits.timeoutMs);
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({ id: 1, job, args } as JobRequest);
    });
  }
}

function abortError(): Error {
  const err = new Error('cancelled');
  err.name = 'AbortError';
  return err;
}

function revive(e: JobError): Error {
  if (e.name === 'DicomError') return new DicomError(e.message);
  if (e.code) return new FileAccessError(e.message, e.code);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/**
 * Built code runs thread.js directly. From source (tsx, vitest) the entry is thread.ts: tsx must be registered inside
 * the worker first, which a tiny eval'd bootstrap does (Node 20 ignores `--import tsx` in a worker's execArgv).
 */
function spawn(limits: WorkerLimits): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: limits.heapMb, maxYoungGenerationSizeMb: 64 };
  const workerData = { niceness: limits.niceness ?? 0 };
  let worker: Worker;
  if (!new URL(import.meta.url).pathname.endsWith('.ts')) worker = new Worker(new URL('./thread.js', import.meta.url), { resourceLimits, workerData });
  else {
    const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const entry = new URL('./thread.ts', import.meta.url).href;
    worker = new Worker(`import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`, { eval: true, resourceLimits, workerData });
  }
  worker.unref(); // an idle worker must not keep the process alive; a running job's timer does
  return worker;
}
