import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildKnowledgeBase } from './build.js';
import { openKnowledgeBase, type KnowledgeBase } from './open.js';
import { retrieverContract } from './testing/retriever-contract.js';
import { tempDir, TEXT_ENCODER, WORDNET_JSONL } from './testing/fixtures.js';

let kb: KnowledgeBase;

beforeAll(async () => {
  const out = join(tempDir(), 'wordnet');
  await buildKnowledgeBase({ sources: [WORDNET_JSONL], encoderDir: TEXT_ENCODER, out, stderr: null });
  kb = await openKnowledgeBase(out);
});
afterAll(() => kb?.close());

describe('local retriever: the retriever contract', () => {
  retrieverContract(() => kb.retriever, { query: 'pneumothorax', mustContain: 'pleural cavity' });
});

describe('local retriever: modes, scores and filters', () => {
  it('reports each side\'s score and the fused rank in hybrid mode', async () => {
    const [top] = await kb.search('pneumothorax', { k: 3, mode: 'hybrid' });
    expect(top!.title).toBe('pneumothorax');
    expect(top!.scores.dense).toBeGreaterThan(0);
    expect(top!.scores.bm25).toBeGreaterThan(0);
    expect(top!.scores.fused).toBeGreaterThan(0);
    expect(top!.rank).toBe(1);
  });

  it('dense mode reports only dense scores, bm25 mode only bm25 scores', async () => {
    const dense = await kb.search('collapsed lung', { k: 3, mode: 'dense' });
    expect(dense.every((p) => p.scores.dense !== undefined && p.scores.bm25 === undefined && p.scores.fused === undefined)).toBe(true);
    const bm25 = await kb.search('pleural cavity air', { k: 3, mode: 'bm25' });
    expect(bm25.every((p) => p.scores.bm25 !== undefined && p.scores.dense === undefined)).toBe(true);
    expect(bm25.every((p) => /pleura/i.test(`${p.title} ${p.text}`))).toBe(true);
  });

  it('dense search finds a definition sharing no word with the query', async () => {
    const found = await kb.search('heart attack', { k: 3, mode: 'dense' });
    expect(found.map((p) => p.title)).toContain('heart attack');
    const bm25 = await kb.search('tumour of the lymph nodes', { k: 10, mode: 'bm25' });
    expect(bm25.length).toBeGreaterThan(0);
  });

  it('trigram mode matches variant spellings and Latin forms that share no whole word', async () => {
    const typo = await kb.search('pneumothoraks', { k: 1, mode: 'trigram' });
    expect(typo[0]!.title).toBe('pneumothorax');
    expect(await kb.search('pneumothoraks', { k: 1, mode: 'bm25' })).toEqual([]);
    const latin = await kb.search('arteria radialis', { k: 3, mode: 'trigram' });
    expect(latin.map((p) => p.title)).toContain('radial artery');
  });

  it('filters by source in every mode', async () => {
    for (const mode of ['dense', 'bm25', 'trigram', 'hybrid'] as const) {
      const found = await kb.search('lung', { k: 5, mode, sources: ['wordnet:noun.body'] });
      expect(found.length).toBe(5);
      expect(found.every((p) => p.source === 'wordnet:noun.body')).toBe(true);
    }
    expect(await kb.search('lung', { k: 5, sources: ['no-such-source'] })).toEqual([]);
  });

  it('a query of punctuation or FTS operators is plain text, not syntax', async () => {
    await expect(kb.search('"AND OR NOT (*) NEAR', { k: 3, mode: 'bm25' })).resolves.toBeInstanceOf(Array);
    await expect(kb.search('?!', { k: 3, mode: 'bm25' })).resolves.toEqual([]);
  });

  it('refuses an unknown mode', async () => {
    await expect(kb.search('lung', { mode: 'fuzzy' as never })).rejects.toThrow(/Unknown search mode "fuzzy"/);
  });
});
