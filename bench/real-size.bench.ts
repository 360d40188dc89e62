// At Qwen2.5-VL-7B's real widths (issue 11, acceptance 4), on the package of bench/real-size.ts (2 decoder layers,
// 2 vision blocks, random weights): the recorded conversion runs (time, peak RSS), package size per variant, load
// time and resident memory, prefill and decode tokens/s on the CPU, the memory bandwidth measured here, and a
// projection to the 7B's 28 layers set against that bandwidth (decode reads every weight once per token).
// Each variant runs in a child process of its own, so its resident memory is its own. Skips (exit 0) with how to make
// the package when it is absent. MEDRWR_BENCH_THREADS: ONNX Runtime intra-op threads (default: cores, 1 to 4).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { generate } from '../main/engine/generate.js';
import { loadModelPackage } from '../main/engine/manifest.js';
import { ModelRunner } from '../main/engine/model-runner.js';
import { packageVariants, variantBytes } from '../main/engine/variants.js';
import type { RoundFigures } from './real-size-round.js';
import { HOW_TO_MAKE, loadAverage, realSizePackage, REAL_SIZE_DIR } from './real-size.js';

const ROOT = join(import.meta.dirname, '..');
const LOGS = process.env.MEDRWR_REAL_SIZE_LOGS ?? join(ROOT, '.cache/real-size-logs');
const THREADS = Number(process.env.MEDRWR_BENCH_THREADS ?? Math.max(1, Math.min(4, os.cpus().length)));
const DTYPES = ['fp32', 'fp16', 'q4', 'q4f16'];
const PREFILL = 128;
const DECODE = 8;
const LAYERS_7B = 28;
/** Bytes per weight in each variant (q4: 4 bits + one scale per block of 32, fp32 or fp16 scales). */
const BYTES_PER_WEIGHT: Record<string, number> = { fp32: 4, fp16: 2, q4: 0.5 + 4 / 32, q4f16: 0.5 + 2 / 32 };
/** The same at 8 bits: q4's mixed-precision exceptions (models/convert/mixed_precision.py). */
const BYTES_PER_WEIGHT_8BIT: Record<string, number> = { q4: 1 + 4 / 32, q4f16: 1 + 2 / 32 };
/** How many of a decoder's layers mixed precision keeps at 8 bits: the first and the last ceil(L/8) (models/convert/mixed_precision.py). */
const wideLayers = (n: number) => Math.min(n, 2 * Math.max(1, Math.ceil(n / 8)));
const greedy = { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 };

interface VariantFigures {
  dtype: string;
  loadMs: number;
  rssMiB: number;
  prefillTokS: number;
  decodeTokS: number;
  load: string;
}

/** One variant, in this (child) process: prints one JSON line. */
async function measure(dir: string, dtype: string): Promise<void> {
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const runner = await ModelRunner.open({ modelDir: dir, ep: 'cpu', dtype, threads: THREADS });
  const loadMs = performance.now() - t0;
  const rssMiB = (process.memoryUsage().rss - rss0) / 2 ** 20;
  const words = 'the ultrasound image shows an anechoic round lesion with a smooth margin and no internal echoes'.split(' ');
  const ids = runner.tokenizer.encodeText(Array.from({ length: PREFILL }, (_, i) => words[i % words.length]).join(' ')).slice(0, PREFILL);
  let t = performance.now();
  await runner.feedIds(ids);
  const prefillTokS = (ids.length * 1000) / (performance.now() - t);
  t = performance.now();
  const res = await generate(runner, { maxNewTokens: DECODE, sampling: greedy }, () => undefined);
  const decodeTokS = (res.ids.length * 1000) / (performance.now() - t);
  const figures: VariantFigures = { dtype: runner.dtype, loadMs, rssMiB, prefillTokS, decodeTokS, load: loadAverage() };
  process.stdout.write(JSON.stringify(figures) + '\n');
  await runner.dispose();
}

/**
 * Memory bandwidth, one thread: the best of 5 copies of a 1 GiB Float64Array (TypedArray.set is a memcpy), counted as
 * bytes read + written per second, both per wall second and per second of this thread's CPU time (on a machine shared
 * with other work the wall figure counts the time the thread waited for a core; the CPU figure is what a core gets
 * from memory, the physical limit the projection divides by). Decode streams weights on several threads, so a free
 * machine can do better than one thread.
 */
function memoryBandwidthGBs(): { wall: number; cpu: number } {
  const n = 2 ** 27; // 1 GiB of float64
  const a = new Float64Array(n).fill(1);
  const b = new Float64Array(n);
  b.set(a); // touch every page first
  let wall = 0;
  let cpu = 0;
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    const t = performance.now();
    b.set(a);
    const ms = performance.now() - t;
    const c = process.cpuUsage(c0);
    wall = Math.max(wall, (2 * a.byteLength) / (ms / 1000) / 1e9);
    cpu = Math.max(cpu, (2 * a.byteLength) / ((c.user + c.system) / 1e6) / 1e9);
  }
  return { wall, cpu };
}

/** The `/usr/bin/time -v` logs of the recorded conversion runs: step, wall time, CPU time, peak RSS, load average. */
function recordedRuns(): string[] {
  if (!existsSync(LOGS)) return [`(no recorded runs in ${LOGS})`];
  const rows: string[] = [];
  for (const f of readdirSync(LOGS).filter((x) => x.endsWith('.log')).sort()) {
    const text = readFileSync(join(LOGS, f), 'utf8');
    const field = (re: RegExp) => re.exec(text)?.[1]?.trim();
    const wall = field(/Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)/);
    const rssKB = Number(field(/Maximum resident set size \(kbytes\): (\d+)/));
    const cpu = Number(field(/User time \(seconds\): ([\d.]+)/)) + Number(field(/System time \(seconds\): ([\d.]+)/));
    const load = field(/^== .* load: (.*)$/m) ?? '—';
    if (!wall || !rssKB) continue;
    rows.push(`| ${f.replace(/\.log$/, '')} | ${wall} | ${cpu.toFixed(0)} s | ${(rssKB / 2 ** 20).toFixed(2)} GiB | ${load} |`);
  }
  return rows;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--one') return measure(process.argv[3]!, process.argv[4]!);
  const dir = realSizePackage();
  if (!dir) {
    console.log(`real-size benchmark skipped: no real-width package at ${REAL_SIZE_DIR}.\n${HOW_TO_MAKE}`);
    return;
  }
  const pkg = loadModelPackage(dir);
  const tc = pkg.manifest.text_config;
  const layers = tc.num_hidden_layers;
  console.log(`Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} logical cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ONNX Runtime CPU, ${THREADS} intra-op thread(s); load average ${loadAverage()}`);
  console.log(`Model: ${pkg.manifest.id}: hidden ${tc.hidden_size}, vocab ${tc.vocab_size}, ${layers} decoder layers (the 7B has ${LAYERS_7B})`);

  console.log('\nRecorded runs (/usr/bin/time -v):\n\n| step | wall | CPU | peak RSS | load average at start |\n| --- | --- | --- | --- | --- |');
  for (const r of recordedRuns()) console.log(r);

  const measuredBw = memoryBandwidthGBs();
  const bw = measuredBw.cpu;
  console.log(`\nMemory bandwidth (one thread, 1 GiB copy, read + written): ${measuredBw.cpu.toFixed(1)} GB/s per CPU second (used below), ${measuredBw.wall.toFixed(1)} GB/s per wall second; load average ${loadAverage()}`);

  const variants = DTYPES.filter((d) => packageVariants(pkg.manifest).includes(d));
  const missing = DTYPES.filter((d) => !variants.includes(d));
  if (missing.length) console.log(`(no ${missing.join(', ')} variant in the package: python3 -m models.convert.quantize_package ${dir} --dtype ${missing.join(',')})`);
  const fp32 = variantBytes(pkg, 'fp32');
  console.log(`\n| variant | package | vs fp32 | load | resident after load | prefill ${PREFILL} tok | decode ${DECODE} tok | load average |`);
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  const measured: (VariantFigures & { bytes: number; decoderBytes: number })[] = [];
  for (const dtype of variants) {
    const bytes = variantBytes(pkg, dtype);
    const ref = pkg.manifest.files.decoder_model_merged[dtype]!;
    const decoderBytes = [ref, ...(ref.data ?? [])].reduce((n, f) => n + statSync(join(dir, f.path)).size, 0);
    let r: VariantFigures;
    try {
      const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/real-size.bench.ts'), '--one', dir, dtype], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      r = JSON.parse(out.trim().split('\n').pop()!) as VariantFigures;
    } catch (err) {
      console.log(`| ${dtype} | ${(bytes / 1e9).toFixed(2)} GB | ${(bytes / fp32).toFixed(2)}× | failed: ${(err as Error).message.split('\n')[0]} | | | | |`);
      continue;
    }
    measured.push({ ...r, bytes, decoderBytes });
    console.log(`| ${r.dtype} | ${(bytes / 1e9).toFixed(2)} GB | ${(bytes / fp32).toFixed(2)}× | ${(r.loadMs / 1000).toFixed(1)} s | ${(r.rssMiB / 1024).toFixed(2)} GiB | ${r.prefillTokS.toFixed(1)} tok/s | ${r.decodeTokS.toFixed(2)} tok/s | ${r.load} |`);
  }

  // Decode reads the decoder's weights once per token: per layer (from the package, lm_head taken out) × 28 + lm_head.
  // With mixed precision, lm_head and the first and last ceil(L/8) layers are 8-bit: the 4-bit layer's size is solved
  // from the package (with 2 layers both are 8-bit: then from the 8-bit one) and 28 layers are 8 8-bit ones plus 20 4-bit.
  console.log(
    `\nProjection to ${LAYERS_7B} layers ("bandwidth bound" = decoder weights read per token ÷ ${bw.toFixed(1)} GB/s, one thread's copy rate: ` +
      `decode cannot beat it on one thread, several threads can; "scaled" = the measured decode time × bytes at ${LAYERS_7B} layers ÷ bytes here):`,
  );
  console.log(`\n| variant | decoder weights here | per layer | at ${LAYERS_7B} layers | bandwidth bound | measured here | scaled to ${LAYERS_7B} layers |`);
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const m of measured) {
    const mixed = Boolean(pkg.manifest.quantization?.[m.dtype]?.mixed_precision);
    const wide = mixed ? BYTES_PER_WEIGHT_8BIT[m.dtype]! / BYTES_PER_WEIGHT[m.dtype]! : 1; // an 8-bit layer ÷ a 4-bit one
    const lmHead = tc.hidden_size * tc.vocab_size * (mixed ? BYTES_PER_WEIGHT_8BIT : BYTES_PER_WEIGHT)[m.dtype]!;
    const layersAs4bit = (n: number) => (mixed ? wideLayers(n) * wide + n - wideLayers(n) : n);
    const perLayer = (m.decoderBytes - lmHead) / layersAs4bit(layers); // a 4-bit (or the only kind of) layer
    const at28 = perLayer * layersAs4bit(LAYERS_7B) + lmHead;
    const floorMs = (at28 / (bw * 1e9)) * 1000;
    const hereMs = 1000 / m.decodeTokS;
    const scaledMs = hereMs * (at28 / m.decoderBytes);
    console.log(`| ${m.dtype} | ${(m.decoderBytes / 1e9).toFixed(2)} GB | ${(perLayer / 1e6).toFixed(0)} MB | ${(at28 / 1e9).toFixed(2)} GB | ${floorMs.toFixed(0)} ms/tok (${(1000 / floorMs).toFixed(2)} tok/s) | ${hereMs.toFixed(0)} ms/tok | ${scaledMs.toFixed(0)} ms/tok (${(1000 / scaledMs).toFixed(2)} tok/s) |`);
  }

  // A full Med-RwR round (query, retrieval, evidence, answer; text forced) on the CPU variant: scripts/real-size-round.
  const dtype = variants.includes('q4') ? 'q4' : 'fp32';
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/real-size-round.ts'), '--model', dir, '--dtype', dtype, '--threads', String(THREADS), '--json'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const r = JSON.parse(out.trim().split('\n').pop()!) as RoundFigures;
    console.log(`\nA full Med-RwR round on ${r.dtype} (448×448 image, query → 3 passages from the demo knowledge base → answer; the text FORCED, every step computed by the model): ` +
      `load ${(r.loadMs / 1000).toFixed(1)} s, prefill ${(r.prefillMs / 1000).toFixed(1)} s (prompt with image + injected evidence), ${r.generatedTokens} tokens decoded in ${(r.decodeMs / 1000).toFixed(1)} s, ` +
      `retrieval ${r.retrievalMs.toFixed(0)} ms, round ${(r.totalMs / 1000).toFixed(1)} s, resident ${(r.rssMiB / 1024).toFixed(2)} GiB; load average ${r.load}`);
  } catch (err) {
    console.log(`\nfull round on ${dtype}: failed: ${(err as Error).message.split('\n')[0]}`);
  }
}

await main();
