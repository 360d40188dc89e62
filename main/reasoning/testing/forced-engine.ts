import type { Segment } from '../../engine/chat.js';
import type { Engine, EngineInfo, EngineStreamEvent, SequenceState } from '../../engine/engine.js';
import type { GenerateOptions } from '../../engine/generate.js';

/**
 * A real engine whose generations are forced: the n-th `generate` call emits the n-th text, then the end-of-turn token
 * (SamplingParams.forced). Every step still runs the wrapped engine's graphs and the reasoning loop sees real stream
 * events; only the choice of token is taken away. For driving a model with random weights (which never writes
 * `<query>` by itself) through a full Med-RwR round. Calls past the last text decode freely.
 */
export class ForcedEngine implements Engine {
  private calls = 0;

  constructor(
    private readonly inner: Engine,
    private readonly texts: readonly string[],
  ) {}

  get info(): EngineInfo {
    return this.inner.info;
  }

  prefill(segments: readonly Segment[]): Promise<SequenceState> {
    return this.inner.prefill(segments);
  }

  append(segments: readonly Segment[]): Promise<SequenceState> {
    return this.inner.append(segments);
  }

  rewrite(keep: number, pieces: readonly string[]): Promise<SequenceState> {
    return this.inner.rewrite(keep, pieces);
  }

  truncate(length: number): Promise<SequenceState> {
    return this.inner.truncate(length);
  }

  tokenize(text: string): Promise<number[]> {
    return this.inner.tokenize(text);
  }

  async *generate(opts: GenerateOptions, signal?: AbortSignal): AsyncIterable<EngineStreamEvent> {
    const text = this.texts[this.calls++];
    const forced = text === undefined ? [] : [...(await this.inner.tokenize(text)), this.info.eosIds[0]!];
    yield* this.inner.generate({ ...opts, maxNewTokens: Math.max(opts.maxNewTokens, forced.length), sampling: { ...opts.sampling, forced } }, signal);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
