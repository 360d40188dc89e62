import { expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import type { TextRetriever } from '../retriever.js';

/**
 * What every TextRetriever must do, whether local or remote; run by local-retriever.test.ts and
 * remote-retriever.test.ts. `known` is a query and a word the top passage for it must contain.
 */
export function retrieverContract(get: () => TextRetriever, known: { query: string; mustContain: string }): void {
  it('returns at most k passages, ranked 1..n, each with an id and text', async () => {
    for (const k of [1, 3, 5]) {
      const found = await get().search(known.query, k);
      expect(found.length).toBeGreaterThan(0);
      expect(found.length).toBeLessThanOrEqual(k);
      expect(found.map((p) => p.rank)).toEqual(found.map((_, i) => i + 1));
      for (const p of found) {
        expect(p.id).not.toBe('');
        expect(p.text.trim()).not.toBe('');
      }
    }
  });

  it('puts the passage that answers a query in the top 3', async () => {
    const found = await get().search(known.query, 3);
    expect(found.some((p) => p.text.toLowerCase().includes(known.mustContain))).toBe(true);
  });

  it('gives the same answer to the same query', async () => {
    const a = await get().search(known.query, 3);
    const b = await get().search(known.query, 3);
    expect(b.map((p) => p.id)).toEqual(a.map((p) => p.id));
  });

  it('answers an empty query with no passages', async () => {
    expect(await get().search('   ', 3)).toEqual([]);
  });

  it('refuses a k that is not a positive integer with a clear error', async () => {
    for (const k of [0, -1, 1.5]) await expect(get().search(known.query, k)).rejects.toThrow(/k must be an integer from 1 to 1000/);
  });

  it('rejects an already-aborted search as cancelled', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const err = await get().search(known.query, 3, ctl.signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('cancelled');
  });

  it('names itself for provenance', () => {
    const d = get().description;
    expect(d.id).not.toBe('');
    expect(d.version).not.toBe('');
    expect(['local', 'remote']).toContain(d.kind);
  });
}
