// Knowledge-base benchmarks: HNSW recall@10 against exact search on 100k x 384 clustered vectors at several ef,
// query latency, build time and memory; WordNet KB build throughput and hybrid/dense/bm25 query latency.
// Run: node --import tsx bench/kb.bench.ts   (KB_BENCH_N=20000 for a quicker run; KB_BENCH_PART=wordnet|hnsw for one half)
import { statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { buildKnowledgeBase } from '../main/kb/build.js';
import { buildHnsw } from '../main/kb/hnsw.js';
import { SEARCH_MODES } from '../main/kb/local-retriever.js';
import { openKnowledgeBase } from '../main/kb/open.js';
import { readJsonl, tempDir, TEXT_ENCODER, WORDNET_HELDOUT, WORDNET_JSONL } from '../main/kb/testing/fixtures.js';

const N = Number(process.env.KB_BENCH_N ?? 100_000);
const DIM = 384;
const CLUSTERS = 1000;
const QUERIES = 500;
const M = 16;
const EF_CONSTRUCTION = 200;
const EFS = [16, 32, 64, 128, 256];

function rng(seed: number): () => number {
  let s = seed | 0; // mulberry32
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

/** Unit vectors drawn around random cluster centres (noise 0.5 per coordinate against centres of 1). */
function clustered(n: number, centres: Float32Array, r: () => number): Float32Array {
  const out = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * CLUSTERS);
    let norm = 0;
    for (let d = 0; d < DIM; d++) {
      const v = centres[c * DIM + d]! + 0.5 * gaussian(r);
      out[i * DIM + d] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    for (let d = 0; d < DIM; d++) out[i * DIM + d] = out[i * DIM + d]! / norm;
  }
  return out;
}

function exactTop10(data: Float32Array, q: Float32Array): number[] {
  const n = data.length / DIM;
  const best: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < DIM; d++) s += data[i * DIM + d]! * q[d]!;
    if (best.length < 10 || s > best[best.length - 1]![0]) {
      best.push([s, i]);
      best.sort((a, b) => b[0] - a[0]);
      if (best.length > 10) best.pop();
    }
  }
  return best.map((b) => b[1]);
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

async function hnswBench(): Promise<void> {
  const r = rng(42);
  const centres = new Float32Array(CLUSTERS * DIM).map(() => gaussian(r));
  const data = clustered(N, centres, r);
  const queries = clustered(QUERIES, centres, r);
  const rss0 = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  const index = buildHnsw(data, DIM, { m: M, efConstruction: EF_CONSTRUCTION, efSearch: 64, seed: 100 });
  const buildMs = ms(t0);
  const rss1 = process.memoryUsage().rss;
  const file = join(tempDir(), 'bench.hnsw');
  index.writeIndexSync(file);
  console.log(`HNSW build: ${N} x ${DIM}, M=${M}, efConstruction=${EF_CONSTRUCTION}: ${(buildMs / 1000).toFixed(1)} s (${(N / (buildMs / 1000)).toFixed(0)} vectors/s), RSS +${((rss1 - rss0) / 2 ** 20).toFixed(0)} MiB, index file ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB`);
  const t1 = process.hrtime.bigint();
  const truth = Array.from({ length: QUERIES }, (_, i) => exactTop10(data, queries.subarray(i * DIM, (i + 1) * DIM)));
  console.log(`Exact search (JS brute force) for ground truth: ${(ms(t1) / QUERIES).toFixed(1)} ms/query`);
  const qs = Array.from({ length: QUERIES }, (_, i) => Array.from(queries.subarray(i * DIM, (i + 1) * DIM)));
  console.log('   ef | recall@10 | p50 ms | p99 ms');
  for (const ef of EFS) {
    index.setEf(ef);
    for (const q of qs.slice(0, 50)) index.searchKnn(q, 10); // warm-up
    let hits = 0;
    const lat: number[] = [];
    qs.forEach((q, i) => {
      const t = process.hrtime.bigint();
      const res = index.searchKnn(q, 10);
      lat.push(ms(t));
      const want = new Set(truth[i]);
      hits += res.neighbors.filter((n) => want.has(n)).length;
    });
    console.log(`${String(ef).padStart(5)} | ${(hits / (QUERIES * 10)).toFixed(4).padStart(9)} | ${pct(lat, 50).toFixed(3).padStart(6)} | ${pct(lat, 99).toFixed(3).padStart(6)}`);
  }
}

async function wordnetBench(): Promise<void> {
  const out = join(tempDir(), 'wordnet');
  const t0 = process.hrtime.bigint();
  const built = await buildKnowledgeBase({ sources: [WORDNET_JSONL], encoderDir: TEXT_ENCODER, out, stderr: null });
  const buildS = ms(t0) / 1000;
  console.log(`WordNet KB build: ${built.manifest.counts.passages} passages in ${buildS.toFixed(2)} s = ${(built.manifest.counts.passages / buildS).toFixed(0)} passages/s (embed + FTS5 + HNSW + checksums, encoder ${built.manifest.embedder.id}, dim ${built.manifest.dimension})`);
  // Paper-sized passages: documents of ~100-word runs of WordNet glosses, chunked at the default 100 words.
  const glosses = readJsonl<{ text: string }>(WORDNET_JSONL).map((p) => p.text);
  const docs: string[] = [];
  for (let i = 0, d = 0; d < 5000; d++) {
    const words: string[] = [];
    while (words.length < 110) words.push(...glosses[i++ % glosses.length]!.split(/\s+/));
    docs.push(`${d}\t${words.join(' ')}.`);
  }
  const tsv = join(tempDir(), 'knowledge_base.tsv');
  writeFileSync(tsv, docs.join('\n'));
  const t2 = process.hrtime.bigint();
  const big = await buildKnowledgeBase({ sources: [tsv], encoderDir: TEXT_ENCODER, out: join(tempDir(), 'long'), stderr: null });
  const bigS = ms(t2) / 1000;
  console.log(`Build of ${big.manifest.counts.passages} passages of >= 100 words (Med-RwR TSV): ${bigS.toFixed(1)} s = ${(big.manifest.counts.passages / bigS).toFixed(0)} passages/s`);
  const t1 = process.hrtime.bigint();
  const kb = await openKnowledgeBase(out);
  console.log(`WordNet KB open (with integrity checks): ${ms(t1).toFixed(0)} ms`);
  const queries = readJsonl<{ query: string }>(WORDNET_HELDOUT).map((q) => q.query);
  for (const mode of SEARCH_MODES) {
    for (const q of queries.slice(0, 100)) await kb.search(q, { k: 3, mode });
    const lat: number[] = [];
    for (const q of queries) {
      const t = process.hrtime.bigint();
      await kb.search(q, { k: 3, mode });
      lat.push(ms(t));
    }
    console.log(`WordNet ${mode.padEnd(6)} k=3 over ${queries.length} queries: p50 ${pct(lat, 50).toFixed(3)} ms, p99 ${pct(lat, 99).toFixed(3)} ms`);
  }
  await kb.close();
}

console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}`);
const part = process.env.KB_BENCH_PART;
if (part !== 'hnsw') await wordnetBench();
if (part !== 'wordnet') await hnswBench();
