import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildKnowledgeBase } from './build.js';
import { evaluateRetrieval, type LabelledQuery } from './evaluate.js';
import { openKnowledgeBase, type KnowledgeBase } from './open.js';
import { readJsonl, tempDir, TEXT_ENCODER, WORDNET_HELDOUT, WORDNET_JSONL } from './testing/fixtures.js';

// Retrieval quality on WordNet's medical definitions (kb/wordnet): the encoder never saw the held-out synsets; each
// query is one of their lemmas or synonyms and must find that synset's definition among all 4,094 medical synsets.
// The fusion weights were tuned on the "dev" half of the held-out synsets; the "test" half is what is asserted.
let kb: KnowledgeBase;
const queries = readJsonl<LabelledQuery & { split: 'dev' | 'test' }>(WORDNET_HELDOUT);

beforeAll(async () => {
  const out = join(tempDir(), 'wordnet');
  await buildKnowledgeBase({ sources: [WORDNET_JSONL], encoderDir: TEXT_ENCODER, out, stderr: null });
  kb = await openKnowledgeBase(out);
});
afterAll(() => kb?.close());

it('hybrid search puts the held-out definition in the top 3 for >= 80% of test queries and beats every single method', async () => {
  const test = queries.filter((q) => q.split === 'test');
  const rows: [string, LabelledQuery[]][] = [
    ['test', test],
    ['  lemma', test.filter((q) => q.kind === 'lemma')],
    ['  synonym', test.filter((q) => q.kind === 'synonym')],
    ['dev', queries.filter((q) => q.split === 'dev')],
  ];
  const lines = [`WordNet held-out retrieval, recall@3 / MRR (${kb.manifest.counts.passages} passages, encoder ${kb.manifest.embedder.id}):`];
  let main: Awaited<ReturnType<typeof evaluateRetrieval>> | null = null;
  for (const [name, qs] of rows) {
    const r = await evaluateRetrieval(kb, qs);
    main ??= r;
    lines.push(`  ${name.padEnd(10)} n=${String(qs.length).padEnd(4)} ` + (['bm25', 'trigram', 'dense', 'hybrid'] as const).map((m) => `${m} ${r[m].recallAtK.toFixed(3)} / ${r[m].mrr.toFixed(3)}`).join(' | '));
  }
  console.log(lines.join('\n'));
  const r = main!;
  expect(test.length).toBeGreaterThan(600);
  expect(r.hybrid.recallAtK).toBeGreaterThanOrEqual(0.8);
  for (const single of ['bm25', 'dense', 'trigram'] as const) {
    expect(r.hybrid.recallAtK, single).toBeGreaterThan(r[single].recallAtK);
    expect(r.hybrid.mrr, single).toBeGreaterThan(r[single].mrr);
  }
}, 300_000);
