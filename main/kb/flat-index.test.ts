import { expect, it } from 'vitest';
import { FlatIndex } from './flat-index.js';

it('returns the exact top-k by inner product, honouring a filter and k beyond what passes it', () => {
  const d = 7;
  const n = 500;
  let s = 3;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const v = Float32Array.from({ length: n * d }, rnd);
  const q = Array.from({ length: d }, rnd);
  const score = (i: number) => q.reduce((a, x, j) => a + x * v[i * d + j]!, 0);
  const naive = (k: number, keep: (i: number) => boolean) =>
    Array.from({ length: n }, (_, i) => i)
      .filter(keep)
      .sort((a, b) => score(b) - score(a))
      .slice(0, k);
  const index = new FlatIndex(v, d);
  expect(index.getCurrentCount()).toBe(n);
  const all = index.searchKnn(q, 25);
  expect(all.neighbors).toEqual(naive(25, () => true));
  all.neighbors.forEach((label, i) => expect(all.distances[i]).toBeCloseTo(1 - score(label), 5));
  const odd = (i: number) => i % 2 === 1;
  expect(index.searchKnn(q, 10, odd).neighbors).toEqual(naive(10, odd));
  const few = (i: number) => i < 4;
  expect(index.searchKnn(q, 10, few).neighbors).toEqual(naive(10, few));
});
