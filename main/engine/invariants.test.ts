import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPrompt } from './chat.js';
import { generate } from './generate.js';
import { ModelRunner, type PreparedChunk } from './model-runner.js';
import { chunkPositions } from './rope.js';
import { FIXTURE_DIR, maxAbsDiff, reference, referenceImage } from './testing/fixture.js';

const greedy = { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 };
let runner: ModelRunner;
let prompt: PreparedChunk;

beforeAll(async () => {
  runner = await ModelRunner.open({ modelDir: FIXTURE_DIR, ep: 'cpu', threads: 1 });
  prompt = await runner.prepare(buildPrompt(runner.manifest, [referenceImage(), referenceImage(84, 56)], reference().prompt.question));
});
afterAll(() => runner.dispose());

async function freshLogits(ids: number[]): Promise<Float32Array> {
  runner.reset();
  await runner.run({ ids: [...prompt.ids, ...ids], blocks: prompt.blocks });
  return runner.lastLogits;
}

describe('KV cache invariants on the fixture model (two images, so rope_delta ≠ 0)', () => {
  it('greedy decoding with the cache gives the tokens and logits of recomputing the whole sequence each step', async () => {
    runner.reset();
    await runner.run(prompt);
    const cached: Float32Array[] = [];
    const res = await generate(runner, { maxNewTokens: 24, sampling: greedy }, () => cached.push(runner.lastLogits));
    expect(res.ids.length).toBeGreaterThan(0);
    for (let i = 0; i < res.ids.length; i++) {
      const full = await freshLogits(res.ids.slice(0, i));
      expect(maxAbsDiff(cached[i]!, full)).toBeLessThan(1e-4);
      let best = 0;
      for (let v = 1; v < full.length; v++) if (full[v]! > full[best]!) best = v;
      expect(best).toBe(res.ids[i]);
    }
  });

  it('truncate-then-append gives the logits of a fresh prefill of the same sequence', async () => {
    const tok = runner.tokenizer;
    const a = tok.encodeText('<think> the left lung shows an opacity </think>\n<query> lobar pneumonia signs </query>');
    const b = [...tok.encodeText('\n'), ...tok.encodeText('<query> lobar pneumonia </query>\n'), ...tok.encodeText('<retrieve> (1) consolidation\n </retrieve>\n')];
    runner.reset();
    await runner.run(prompt);
    await runner.feedIds(a);
    const keep = prompt.ids.length + 12;
    await runner.truncate(keep);
    expect(runner.length).toBe(keep);
    await runner.feedIds(b);
    const resumed = runner.lastLogits;
    const delta = runner.ropeDelta;
    const fresh = await freshLogits([...a.slice(0, 12), ...b]);
    expect(maxAbsDiff(resumed, fresh)).toBeLessThan(1e-4);
    expect(runner.ropeDelta).toBe(delta);
  });

  it('rewrite reuses the matching cached prefix and equals a fresh prefill', async () => {
    runner.reset();
    await runner.run(prompt);
    const keep = runner.length;
    await runner.feedIds(runner.tokenizer.encodeText('<think> a b c </think>\n<query> x'));
    await runner.rewrite(keep, ['<think> a b c </think>\n', '<query> x y </query>\n', '<retrieve> None </retrieve>\n']);
    const resumed = runner.lastLogits;
    const ids = runner.tokens.slice(keep);
    expect(ids).toEqual(['<think> a b c </think>\n', '<query> x y </query>\n', '<retrieve> None </retrieve>\n'].flatMap((p) => runner.tokenizer.encodeText(p)));
    expect(maxAbsDiff(resumed, await freshLogits(ids))).toBeLessThan(1e-4);
  });

  it('refuses to truncate into an image block', async () => {
    runner.reset();
    await runner.run(prompt);
    await expect(runner.truncate(5)).rejects.toThrow(/image ends at/);
  });
});

describe('M-RoPE positions', () => {
  it('reproduces the worked 448×448 example: 256 image tokens on a 16×16 grid, rope_delta = −240', () => {
    const n0 = 5; // tokens up to and including <|vision_start|>
    const after = 7;
    const n = n0 + 256 + after;
    const pos = chunkPositions(n, [{ start: n0, grid: [1, 32, 32] }], 0, 2);
    const at = (axis: number, i: number) => Number(pos.ids[axis * n + i]);
    expect([at(0, n0 - 1), at(1, n0 - 1), at(2, n0 - 1)]).toEqual([n0 - 1, n0 - 1, n0 - 1]);
    for (const [r, c] of [[0, 0], [0, 15], [15, 0], [7, 9], [15, 15]] as const) {
      const i = n0 + r * 16 + c;
      expect([at(0, i), at(1, i), at(2, i)]).toEqual([n0, n0 + r, n0 + c]);
    }
    expect(at(0, n0 + 256)).toBe(n0 + 16); // next text token
    expect(pos.nextPos - n).toBe(-240);
  });

  it('matches get_rope_index of models/lib for two images of different shapes', () => {
    // ids [a, b, vs, 6×pad (grid 1×4×6), c, d, vs, 6×pad (grid 1×6×4), e, f, g]; golden from models/lib/qwen_vl_mini.py
    const pos = chunkPositions(21, [{ start: 3, grid: [1, 4, 6] }, { start: 12, grid: [1, 6, 4] }], 0, 2);
    const axes = [0, 1, 2].map((a) => Array.from(pos.ids.subarray(a * 21, (a + 1) * 21), Number));
    expect(axes).toEqual([
      [0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7, 8, 9, 9, 9, 9, 9, 9, 12, 13, 14],
      [0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7, 8, 9, 9, 10, 10, 11, 11, 12, 13, 14],
      [0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7, 8, 9, 10, 9, 10, 9, 10, 12, 13, 14],
    ]);
    expect(pos.nextPos - 21).toBe(-6);
  });

  it('continues a chunk at P + rope_delta', () => {
    const first = chunkPositions(20, [{ start: 2, grid: [1, 4, 4] }], 0, 2);
    const delta = first.nextPos - 20;
    const next = chunkPositions(3, [], 20 + delta, 2);
    expect(Array.from(next.ids.subarray(0, 3), Number)).toEqual([20 + delta, 21 + delta, 22 + delta]);
  });
});
