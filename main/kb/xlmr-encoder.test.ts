import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TextEncoder } from './text-encoder.js';
import { readJsonl, ROOT, WORDNET_HELDOUT, WORDNET_JSONL } from './testing/fixtures.js';

/**
 * A tiny random XLM-RoBERTa in BGE-M3's layout, converted by models/convert/convert_encoder.py, against Hugging Face
 * transformers v4.49.0 (models/fixtures/xlmr-tiny/make_xlmr_tiny.py wrote both).
 */
const FIX = join(ROOT, 'models/fixtures/xlmr-tiny');
interface RefText {
  kind: 'query' | 'passage';
  text: string;
  input: string;
  ids: number[];
  embedding: number[];
}
const ref = JSON.parse(readFileSync(join(FIX, 'reference.json'), 'utf8')) as { transformers: string; query_instruction: string; max_length: number; texts: RefText[] };

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) [dot, na, nb] = [dot + a[i]! * b[i]!, na + a[i]! ** 2, nb + b[i]! ** 2];
  return dot / Math.sqrt(na * nb);
};

async function embedRef(enc: TextEncoder): Promise<Float32Array[]> {
  const queries = ref.texts.filter((t) => t.kind === 'query');
  const passages = ref.texts.filter((t) => t.kind === 'passage');
  // queries through the query path (instruction glued on), passages as they are, batched (so padding is exercised)
  const q = await enc.embedQueries(queries.map((t) => t.text));
  const p = await enc.embed(passages.map((t) => t.text));
  return ref.texts.map((t) => (t.kind === 'query' ? q[queries.indexOf(t)]! : p[passages.indexOf(t)]!));
}

describe('converted XLM-RoBERTa encoder against transformers v4.49.0', () => {
  const enc: Record<string, TextEncoder> = {};
  beforeAll(async () => {
    for (const v of ['fp32', 'fp16', 'int8']) enc[v] = await TextEncoder.open(join(FIX, 'encoder', v));
  });
  afterAll(async () => {
    for (const e of Object.values(enc)) await e.close();
  });

  it('the manifest carries the query instruction, the <s> … </s> wrap and max_length 512', () => {
    expect(ref.transformers).toBe('4.49.0');
    expect(enc.fp32!.manifest).toMatchObject({ query_instruction: 'Represent this sentence for searching relevant passages:', special_tokens: { bos: 0, eos: 2 }, max_length: 512 });
    expect(enc.fp32!.queryText('x')).toBe('Represent this sentence for searching relevant passages:x');
  });

  it('tokenises each text to the ids the reference was fed (the long passage cut at 512 with </s> kept)', () => {
    for (const t of ref.texts) expect(enc.fp32!.tokenize(t.input)).toEqual(t.ids);
    const long = ref.texts.find((t) => t.ids.length === 512)!;
    expect(long.ids.at(-1)).toBe(2);
    expect(long.ids[0]).toBe(0);
  });

  it.each(['fp32', 'fp16'])('%s: cosine ≥ 0.9999 with the reference for every query (with instruction) and passage', async (v) => {
    const got = await embedRef(enc[v]!);
    got.forEach((g, i) => expect(cosine(g, ref.texts[i]!.embedding), ref.texts[i]!.text.slice(0, 40)).toBeGreaterThanOrEqual(0.9999));
  });

  it('int8: close to the reference, and keeps ≥ 98% of fp32’s top-10 over a 300-passage corpus', async () => {
    const got = await embedRef(enc.int8!);
    got.forEach((g, i) => expect(cosine(g, ref.texts[i]!.embedding)).toBeGreaterThan(0.99));
    const corpus = readJsonl<{ title: string; text: string }>(WORDNET_JSONL).slice(0, 300).map((d) => `${d.title}: ${d.text}`);
    const queries = readJsonl<{ query: string }>(WORDNET_HELDOUT).slice(0, 50).map((q) => q.query);
    const top10 = async (e: TextEncoder) => {
      const docs: Float32Array[] = [];
      for (let i = 0; i < corpus.length; i += 50) docs.push(...(await e.embed(corpus.slice(i, i + 50))));
      const qs = await e.embedQueries(queries);
      return qs.map((q) => docs.map((d, j) => [cosine(q, d), j] as const).sort((a, b) => b[0] - a[0]).slice(0, 10).map(([, j]) => j));
    };
    const [full, quant] = [await top10(enc.fp32!), await top10(enc.int8!)];
    const recall = full.reduce((s, f, i) => s + f.filter((j) => quant[i]!.includes(j)).length, 0) / (10 * queries.length);
    expect(recall).toBeGreaterThanOrEqual(0.98);
  });
});
