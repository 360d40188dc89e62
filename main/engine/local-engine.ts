import type { Segment } from './chat.js';
import type { Engine, EngineInfo, EngineOptions, EngineStreamEvent, SequenceState } from './engine.js';
import { generate, type GenerateOptions } from './generate.js';
import { ModelRunner } from './model-runner.js';
import { pushStream } from './stream.js';
import { variantBytes } from './variants.js';

/**
 * The Engine over a ModelRunner in the calling thread. The worker uses it to serve requests; benchmarks and tests may use
 * it directly. In the app, never call it on the main thread: `session.run` blocks the thread it runs on.
 */
export class LocalEngine implements Engine {
  private constructor(
    readonly runner: ModelRunner,
    readonly info: EngineInfo,
  ) {}

  static async open(opts: EngineOptions): Promise<LocalEngine> {
    const runner = await ModelRunner.open(opts);
    const m = runner.manifest;
    const info: EngineInfo = {
      modelId: m.id,
      version: m.version,
      name: m.name,
      sha256: runner.pkg.sha256,
      synthetic: m.synthetic,
      requestedProvider: opts.ep ?? 'auto',
      provider: runner.provider,
      dtype: runner.dtype,
      variantBytes: variantBytes(runner.pkg, runner.dtype),
      fallbackNotice: runner.fallbackNotice,
      manifest: m,
      eosIds: runner.tokenizer.eosIds(),
    };
    return new LocalEngine(runner, info);
  }

  private async timed(fn: () => Promise<void> | void): Promise<SequenceState> {
    const t0 = performance.now();
    await fn();
    return { length: this.runner.length, ms: performance.now() - t0 };
  }

  prefill(segments: readonly Segment[]): Promise<SequenceState> {
    return this.timed(async () => {
      this.runner.reset();
      await this.runner.feed(segments);
    });
  }
  append(segments: readonly Segment[]): Promise<SequenceState> {
    return this.timed(() => this.runner.feed(segments));
  }
  rewrite(keep: number, pieces: readonly string[]): Promise<SequenceState> {
    return this.timed(() => this.runner.rewrite(keep, pieces));
  }
  truncate(length: number): Promise<SequenceState> {
    return this.timed(() => this.runner.truncate(length));
  }
  async tokenize(text: string): Promise<number[]> {
    return this.runner.tokenizer.encodeText(text);
  }

  /** Runs the loop, handing each token to `onToken`; `cancelled` is polled before every step. */
  run(opts: GenerateOptions, onToken: (e: EngineStreamEvent) => void, cancelled: () => boolean) {
    return generate(this.runner, opts, (token) => onToken({ type: 'token', token }), cancelled);
  }

  generate(opts: GenerateOptions, signal?: AbortSignal): AsyncIterable<EngineStreamEvent> {
    let stopped = false;
    const stream = pushStream<EngineStreamEvent>(() => (stopped = true));
    this.run(opts, (e) => stream.push(e), () => stopped || (signal?.aborted ?? false)).then(
      (result) => (stream.push({ type: 'end', result }), stream.end()),
      (err: Error) => stream.fail(err),
    );
    return stream.iterable;
  }

  close(): Promise<void> {
    return this.runner.dispose();
  }
}
