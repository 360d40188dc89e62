// Issue 12 benchmarks: a random encoder of BGE-M3's exact size (24 layers, hidden 1024, vocab 250,002) per variant
// (fp32, fp16, int8): query embedding p50, passages embedded per second and the projected time to embed the published
// corpus; then importing a 20k × 1024 FAISS IndexFlatIP and hybrid search p50 on the result.
// The encoder is generated on first run into .cache/bge-m3-size (bench/make_random_bge_m3.py, a few minutes, 4 GB);
// MEDRWR_BENCH_ENCODERS=DIR uses another folder holding fp32/ fp16/ int8/ (e.g. the real BGE-M3 converted).
// MEDRWR_BENCH_THREADS sets ONNX Runtime's intra-op threads (default: all cores, as a query has the machine to itself;
// on a loaded machine 1 thread is steadier: ORT's spinning threads lose most of their time when the cores are shared).
// Run: node --import tsx bench/encoder.bench.ts   (ENCODER_BENCH_PART=encoder|import for one half;
// MEDRWR_BENCH_VARIANTS=int8,fp16 for some variants only)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { importFaiss } from '../main/kb/import-faiss.js';
import { openKnowledgeBase } from '../main/kb/open.js';
import { TextEncoder } from '../main/kb/text-encoder.js';
import { tempDir } from '../main/kb/testing/fixtures.js';

const ROOT = join(import.meta.dirname, '..');
const THREADS = Number(process.env.MEDRWR_BENCH_THREADS ?? os.cpus().length);
const VARIANTS = ['fp32', 'fp16', 'int8'] as const;
/** Med-RwR's default knowledge base (ExpKB) has 58,020 passages (the paper's Table 9); the published TSV is 8.5 MB. */
const CORPUS_PASSAGES = 58_020;
const CORPUS_BYTES = 8.5e6;
const IMPORT_N = 20_000;
const DIM = 1024;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function encoderRoot(): string {
  if (process.env.MEDRWR_BENCH_ENCODERS) return process.env.MEDRWR_BENCH_ENCODERS;
  const dir = join(ROOT, '.cache', 'bge-m3-size');
  if (!existsSync(join(dir, 'encoder', 'int8', 'manifest.json'))) {
    process.stdout.write(`generating the BGE-M3-size random encoder into ${dir} (minutes)…\n`);
    execFileSync('/usr/bin/python3', [join(ROOT, 'bench/make_random_bge_m3.py'), dir], { stdio: 'inherit', env: { ...process.env, OMP_NUM_THREADS: String(THREADS) } });
  }
  return join(dir, 'encoder');
}

/** A text of exactly `n` tokens for this tokenizer: whole-word pieces of its vocabulary, one token each. */
function textOf(enc: TextEncoder, n: number, offset = 0): string {
  const tok = JSON.parse(readFileSync(join(enc.dir, enc.manifest.tokenizer.path), 'utf8')) as { model: { vocab: [string, number][] } };
  const words = tok.model.vocab.map(([p]) => p).filter((p) => /^▁[a-z]{3,}$/.test(p)).map((p) => p.slice(1));
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const w = words[(i * 7 + offset) % words.length]!;
    if (enc.tokenize([...out, w].join(' ')).length - 2 <= n) out.push(w);
    else break;
  }
  return out.join(' ');
}

async function time<T>(f: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

async function encoderPart(root: string): Promise<void> {
  process.stdout.write(`\nencoder: ${root}; ONNX Runtime intra-op threads ${THREADS}\n`);
  process.stdout.write('| variant | size on disk | load | query p50 (32 tokens) | passages/s (48 tokens, batch 16) | passages/s (160 tokens, batch 8) | projected corpus build here | load average (1 min) |\n|---|---|---|---|---|---|---|---|\n');
  // the converter's three variants, and any other folder beside them (e.g. int8 converted with --int8-passes 1)
  const others = readdirSync(root).filter((v) => !(VARIANTS as readonly string[]).includes(v)).sort();
  const only = process.env.MEDRWR_BENCH_VARIANTS?.split(',');
  for (const v of [...VARIANTS, ...others].filter((x) => !only || only.includes(x))) {
    const dir = join(root, v);
    if (!existsSync(join(dir, 'manifest.json'))) continue;
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { onnx: { path: string }; onnx_data?: { path: string } };
    const bytes = statSync(join(dir, m.onnx.path)).size + (m.onnx_data ? statSync(join(dir, m.onnx_data.path)).size : 0);
    let enc!: TextEncoder;
    const load = await time(async () => (enc = await TextEncoder.open(dir, { threads: THREADS })));
    const query = textOf(enc, 32);
    await enc.embed([query]);
    const q: number[] = [];
    for (let i = 0; i < 15; i++) q.push(await time(() => enc.embed([query])));
    const rate = async (tokens: number, batch: number, rounds: number) => {
      const texts = Array.from({ length: batch }, (_, i) => textOf(enc, tokens, i));
      await enc.embed(texts.slice(0, 2));
      const ms = await time(async () => {
        for (let r = 0; r < rounds; r++) await enc.embed(texts);
      });
      return (batch * rounds * 1000) / ms;
    };
    const short = await rate(48, 16, 3);
    const long = await rate(160, 8, 2);
    // The published TSV: 8.5 MB over ~58k lines is ~146 bytes (~40 tokens) a passage, so the short rate applies.
    const projected = CORPUS_PASSAGES / short;
    process.stdout.write(
      `| ${v} | ${(bytes / 1e6).toFixed(0)} MB | ${(load / 1000).toFixed(1)} s | ${median(q).toFixed(0)} ms | ${short.toFixed(1)} | ${long.toFixed(1)} | ${(projected / 60).toFixed(0)} min (${CORPUS_PASSAGES} passages, ${(CORPUS_BYTES / CORPUS_PASSAGES).toFixed(0)} B each) | ${os.loadavg()[0]!.toFixed(1)} |\n`,
    );
    await enc.close();
  }
}

/** An IndexFlatIP file as faiss::write_index lays it out (the format test checks our reader on FAISS's own files). */
function writeFlatIp(path: string, vectors: Float32Array, d: number): void {
  const n = vectors.length / d;
  const head = Buffer.alloc(45);
  head.write('IxFI', 0, 'latin1');
  head.writeInt32LE(d, 4);
  head.writeBigInt64LE(BigInt(n), 8);
  head.writeBigInt64LE(1n << 20n, 16);
  head.writeBigInt64LE(1n << 20n, 24);
  head.writeUInt8(1, 32);
  head.writeInt32LE(0, 33);
  head.writeBigInt64LE(BigInt(n * d), 37);
  writeFileSync(path, Buffer.concat([head, Buffer.from(vectors.buffer)]));
}

async function importPart(root: string): Promise<void> {
  const dir = tempDir('medrwr-bench-faiss-');
  let s = 7;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const vectors = new Float32Array(IMPORT_N * DIM);
  for (let i = 0; i < IMPORT_N; i++) {
    let norm = 0;
    for (let j = 0; j < DIM; j++) norm += (vectors[i * DIM + j] = rnd()) ** 2;
    for (let j = 0; j < DIM; j++) vectors[i * DIM + j]! /= Math.sqrt(norm);
  }
  writeFlatIp(join(dir, 'knowledge_base.bin'), vectors, DIM);
  const words = 'pneumonia effusion cardiomegaly fracture nodule consolidation atelectasis edema emphysema fibrosis mass opacity'.split(' ');
  writeFileSync(join(dir, 'knowledge_base.tsv'), Array.from({ length: IMPORT_N }, (_, i) => `${i}\tPassage ${i}: ${words[i % 12]} with ${words[(i * 5) % 12]} and ${words[(i * 7) % 12]} seen on imaging.`).join('\n') + '\n');
  const encoder = join(root, process.env.MEDRWR_BENCH_VARIANTS?.split(',')[0] ?? 'int8');
  // --check 0 imports the stored vectors without loading the encoder's model; the default re-embeds 16 passages with it.
  for (const checkSample of [0, 16]) {
    const t0 = performance.now();
    await importFaiss({ index: join(dir, 'knowledge_base.bin'), passages: join(dir, 'knowledge_base.tsv'), encoderDir: encoder, out: join(dir, 'kb'), checkSample: checkSample === 0 ? 0 : undefined, force: true, stderr: null }).catch((err: unknown) => {
      if (checkSample === 0) throw err; // random vectors are not this encoder's: the sample check refuses them, after its work
    });
    const importMs = performance.now() - t0;
    const what = checkSample ? `--check ${checkSample}, up to its refusal of these random vectors (reading, the encoder loaded, ${checkSample} passages re-embedded)` : '--check 0';
    process.stdout.write(`\nimport of a ${IMPORT_N} × ${DIM} IndexFlatIP (${(statSync(join(dir, 'knowledge_base.bin')).size / 1e6).toFixed(0)} MB) with its TSV, ${what}: ${(importMs / 1000).toFixed(1)} s (goal ≤ 10 s), load average ${os.loadavg()[0]!.toFixed(1)}\n`);
  }
  const kb = await openKnowledgeBase(join(dir, 'kb'), { encoderDir: encoder });
  for (const mode of ['hybrid', 'dense', 'bm25'] as const) {
    const ms: number[] = [];
    for (let i = 0; i < 15; i++) ms.push(await time(() => kb.search(`${words[i % 12]} with ${words[(i + 3) % 12]} on a chest radiograph`, { k: 3, mode })));
    process.stdout.write(`search p50 on it, ${mode}: ${median(ms).toFixed(0)} ms (k = 3${mode === 'bm25' ? '' : `; query embedded by ${encoder}`})\n`);
  }
  const ms: number[] = [];
  for (let i = 0; i < 15; i++) {
    const t0 = performance.now();
    kb.retriever.searchVector(vectors.subarray(i * 997 * DIM, (i * 997 + 1) * DIM), 50);
    ms.push(performance.now() - t0);
  }
  process.stdout.write(`exact dense search alone (vector given, top-50 as hybrid takes): p50 ${median(ms).toFixed(1)} ms\n`);
  await kb.close();
}

process.stdout.write(`machine: ${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}\n`);
const root = encoderRoot();
const part = process.env.ENCODER_BENCH_PART;
if (!part || part === 'encoder') await encoderPart(root);
if (!part || part === 'import') await importPart(root);
