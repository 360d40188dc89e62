import { describe, expect, it } from 'vitest';
import { argmax, logSoftmaxAt, Sampler, seededRandom } from './sampling.js';

const logits = Float32Array.from([1, 3, 2, 0.5, 2.9]);
const base = { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1, seed: 42 };

function histogram(s: Sampler, n: number, context: number[] = []): number[] {
  const h = new Array(logits.length).fill(0);
  for (let i = 0; i < n; i++) h[s.next(logits, context)]++;
  return h;
}

describe('sampling', () => {
  it('is greedy at temperature 0', () => {
    expect(new Sampler({ ...base, temperature: 0 }).next(logits, [])).toBe(1);
    expect(argmax(logits)).toBe(1);
  });

  it('is reproducible for a seed and differs across seeds', () => {
    const a = histogram(new Sampler(base), 200);
    expect(histogram(new Sampler(base), 200)).toEqual(a);
    const seq = (seed: number) => Array.from({ length: 20 }, seededRandom(seed));
    expect(seq(1)).toEqual(seq(1));
    expect(seq(1)).not.toEqual(seq(2));
  });

  it('samples in proportion to softmax(logits / T)', () => {
    const h = histogram(new Sampler(base), 20000);
    const p = Array.from(logits, (_, i) => Math.exp(logSoftmaxAt(logits, i)));
    h.forEach((count, i) => expect(count / 20000).toBeCloseTo(p[i]!, 1));
    const cold = histogram(new Sampler({ ...base, temperature: 0.1 }), 2000);
    expect(cold[1]! / 2000).toBeGreaterThan(0.7);
  });

  it('top-k keeps only the k best', () => {
    const h = histogram(new Sampler({ ...base, topK: 2 }), 2000);
    expect(h.filter((c, i) => c > 0 && i !== 1 && i !== 4)).toEqual([]);
  });

  it('top-p keeps the smallest prefix reaching p', () => {
    // softmax: token 1 ≈ 0.38, token 4 ≈ 0.35, token 2 ≈ 0.14 …: p = 0.5 keeps tokens 1 and 4 only
    const h = histogram(new Sampler({ ...base, topP: 0.5 }), 2000);
    expect(h[0]! + h[2]! + h[3]!).toBe(0);
    expect(h[1]! > 0 && h[4]! > 0).toBe(true);
  });

  it('repetition penalty discourages tokens already in the sequence (HF semantics)', () => {
    expect(new Sampler({ ...base, temperature: 0, repetitionPenalty: 2 }).next(logits, [1])).toBe(4); // 3 / 2 < 2.9
    expect(new Sampler({ ...base, temperature: 0, repetitionPenalty: 1.01 }).next(logits, [1])).toBe(1);
  });

  it('forced decoding emits the given ids first, then chooses again from the logits', () => {
    const s = new Sampler({ ...base, temperature: 0, forced: [3, 0, 3] });
    expect([0, 1, 2, 3, 4].map(() => s.next(logits, []))).toEqual([3, 0, 3, 1, 1]);
  });

  it('computes log-probs from the raw logits', () => {
    const lp = logSoftmaxAt(logits, 1);
    const z = Array.from(logits).reduce((s, v) => s + Math.exp(v), 0);
    expect(lp).toBeCloseTo(3 - Math.log(z), 10);
  });

  it('rejects invalid parameters', () => {
    expect(() => new Sampler({ ...base, topP: 0 })).toThrow(/top_p/);
    expect(() => new Sampler({ ...base, temperature: -1 })).toThrow(/temperature/);
  });
});
