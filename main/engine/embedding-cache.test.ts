import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPrompt } from './chat.js';
import { EmbeddingCache } from './embedding-cache.js';
import { ModelRunner, type PreparedChunk } from './model-runner.js';
import { FIXTURE_DIR, maxAbsDiff, reference } from './testing/fixture.js';

const row = (v: number) => new ort.Tensor('float32', Float32Array.of(v, v), [1, 1, 2]);

describe('EmbeddingCache', () => {
  it('returns the row it was given, and starts again empty when its byte budget is spent', () => {
    const cache = new EmbeddingCache(8, 24); // three 8-byte rows
    const a = row(1);
    cache.set(1, a);
    cache.set(2, row(2));
    cache.set(3, row(3));
    expect(cache.get(1)).toBe(a);
    expect(cache.size).toBe(3);
    cache.set(4, row(4));
    expect(cache.size).toBe(1);
    expect(cache.get(1)).toBeUndefined();
    expect(cache.get(4)?.data).toEqual(Float32Array.of(4, 4));
  });
});

describe('decoding with cached token embeddings', () => {
  let runner: ModelRunner;
  let prompt: PreparedChunk;
  beforeAll(async () => {
    runner = await ModelRunner.open({ modelDir: FIXTURE_DIR, ep: 'cpu', threads: 1 });
    prompt = await runner.prepare(buildPrompt(runner.manifest, [], reference().prompt.question));
  });
  afterAll(() => runner.dispose());

  it('feeding an id again (its row now cached) gives the logits of one prefill of the whole sequence', async () => {
    const ids = [prompt.ids.at(-1)!, 17, 17, prompt.ids.at(-1)!, 17]; // every id after its first use comes from the cache
    runner.reset();
    await runner.run(prompt);
    for (const id of ids) await runner.feedIds([id]);
    const stepwise = runner.lastLogits;
    runner.reset();
    await runner.run({ ids: [...prompt.ids, ...ids], blocks: [] });
    expect(maxAbsDiff(stepwise, runner.lastLogits)).toBeLessThan(1e-4);
    expect(runner.tokens.slice(-ids.length)).toEqual(ids);
  });
});
