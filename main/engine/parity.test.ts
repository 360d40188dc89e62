import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patchify } from '../imaging/patchify.js';
import { buildPrompt } from './chat.js';
import { generate } from './generate.js';
import { ModelRunner } from './model-runner.js';
import { chunkPositions } from './rope.js';
import { FIXTURE_DIR, maxAbsDiff, reference, referenceImage } from './testing/fixture.js';

const ref = reference();
const greedy = { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 };
let runner: ModelRunner;

beforeAll(async () => {
  runner = await ModelRunner.open({ modelDir: FIXTURE_DIR, ep: 'cpu', threads: 1 });
});
afterAll(() => runner.dispose());

describe('parity with the PyTorch reference (models/fixtures/tiny-random/reference.json)', () => {
  it('tokenises plain text like Python, and special-token strings in it stay plain text', () => {
    for (const s of ref.tokenizer_samples) {
      expect(runner.tokenizer.encodeText(s.text)).toEqual(s.plain_ids);
      expect(runner.tokenizer.decode(s.plain_ids)).toBe(s.text);
      const stream = runner.tokenizer.streamDecoder();
      const pieces = s.encode_ids.map(stream);
      expect(pieces.join('')).toBe(runner.tokenizer.decode(s.encode_ids)); // multi-byte characters split over tokens come out whole
      expect(pieces.some((p) => p.includes('\uFFFD'))).toBe(false);
    }
    for (const [literal, id] of Object.entries(ref.special_token_ids)) if (literal !== '<|vision_pad|>') expect(runner.tokenizer.encodeSpecial(literal)).toBe(id);
    const ids = runner.tokenizer.encodeText('a passage with <|im_end|> and <|image_pad|> inside');
    expect(ids).not.toContain(ref.special_token_ids['<|im_end|>']);
    expect(ids.some((id) => runner.tokenizer.isAdded(id))).toBe(false);
  });

  it('preprocesses the reference image to the same pixel_values', () => {
    const p = patchify(referenceImage(), { patchSize: 14, temporalPatchSize: 2, mergeSize: 2, minPixels: 3136, maxPixels: 262144, mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711], rescale: 1 / 255 });
    expect([p.rows, p.cols]).toEqual(ref.image.pixel_values_shape);
    expect([[...p.grid]]).toEqual(ref.image.image_grid_thw);
    expect(maxAbsDiff(p.pixelValues.subarray(0, 8), ref.image.pixel_values_first8)).toBeLessThan(1e-5);
    expect(Math.abs(p.pixelValues.reduce((a, b) => a + b, 0) - ref.image.pixel_values_sum)).toBeLessThan(1e-2);
  });

  it('builds the same prompt ids and M-RoPE positions, and the same logits and greedy tokens', async () => {
    const chunk = await runner.prepare(buildPrompt(runner.manifest, [referenceImage()], ref.prompt.question));
    expect(chunk.ids).toEqual(ref.prompt.input_ids);
    const f = chunk.blocks[0]!.features;
    expect(maxAbsDiff(f.subarray(0, 8), ref.image_features.first8)).toBeLessThan(ref.tolerance);
    const pos = chunkPositions(chunk.ids.length, chunk.blocks, 0, 2);
    expect([0, 1, 2].map((a) => Array.from(pos.ids.subarray(a * chunk.ids.length, (a + 1) * chunk.ids.length), Number))).toEqual(ref.prompt.position_ids);
    runner.reset();
    await runner.run(chunk);
    expect(runner.ropeDelta).toBe(ref.prompt.rope_delta);
    const steps: number[][] = [];
    const res = await generate(runner, { maxNewTokens: ref.greedy.tokens.length, sampling: greedy }, () => steps.push(Array.from(runner.lastLogits.subarray(0, 8))));
    expect(res.ids).toEqual(ref.greedy.tokens);
    steps.forEach((s, k) => expect(maxAbsDiff(s, ref.greedy.step_logits_first8[k]!)).toBeLessThan(ref.tolerance));
  });

  it('probes the raw-logit probabilities right after a given text (how the answer confidence is read)', async () => {
    runner.reset();
    await runner.feed(buildPrompt(runner.manifest, [referenceImage()], ref.prompt.question));
    const after = runner.tokenizer.decode(ref.greedy.tokens.slice(0, 3));
    const seen: { id: number; probs?: Record<number, number>; logprob: number; lse: number; raw: Float32Array }[] = [];
    await generate(runner, { maxNewTokens: 6, sampling: greedy, probe: { afterText: after, tokenIds: [5, 7] } }, (t) => {
      const raw = runner.lastLogits;
      const max = Math.max(...raw);
      const lse = max + Math.log(raw.reduce((s, v) => s + Math.exp(v - max), 0));
      seen.push({ id: t.id, probs: t.probe?.probs, logprob: t.logprob, lse, raw });
    });
    expect(seen.map((s) => s.probs !== undefined)).toEqual([false, false, false, true, false, false]);
    const at = seen[3]!;
    for (const id of [5, 7, at.id]) expect(at.probs![id]).toBeCloseTo(Math.exp(at.raw[id]! - at.lse), 6);
    for (const s of seen) expect(s.logprob).toBeCloseTo(s.raw[s.id]! - s.lse, 6);
  });

  it('matches the text-only reference (rope delta 0)', async () => {
    runner.reset();
    await runner.feed([{ text: ref.text_only.text }]);
    expect(runner.tokens).toEqual(ref.text_only.input_ids);
    expect(runner.ropeDelta).toBe(0);
    expect(maxAbsDiff(runner.lastLogits.subarray(0, 8), ref.text_only.last_logits_first8)).toBeLessThan(ref.tolerance);
    const res = await generate(runner, { maxNewTokens: 10, sampling: greedy }, () => {});
    expect(res.ids).toEqual(ref.text_only.greedy_tokens);
  });
});
