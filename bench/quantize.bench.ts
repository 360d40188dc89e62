// Per dtype variant (fp32, fp16, q4, q4f16) of the larger random model (8 layers × hidden 512, bench/make_random_model.py):
// quantization time, package size, load time, resident memory after load, prefill and decode tokens/s on the CPU.
// Each variant is measured in a child process of its own, so its resident memory is its own.
// MEDRWR_BENCH_THREADS sets ONNX Runtime's intra-op threads (default: cores − 1, 1 to 4).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { generate } from '../main/engine/generate.js';
import { loadModelPackage } from '../main/engine/manifest.js';
import { ModelRunner } from '../main/engine/model-runner.js';
import { packageVariants, variantBytes } from '../main/engine/variants.js';
import { randomModel } from './random-model.js';

const ROOT = join(import.meta.dirname, '..');
const THREADS = Number(process.env.MEDRWR_BENCH_THREADS ?? Math.max(1, Math.min(4, os.cpus().length - 1)));
const DTYPES = ['fp32', 'fp16', 'q4', 'q4f16'];
const PREFILL = 256;
const DECODE = 64;
const REPEATS = 3;
const greedy = { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One variant, in this (child) process: prints one JSON line. */
async function measure(dir: string, dtype: string): Promise<void> {
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const runner = await ModelRunner.open({ modelDir: dir, ep: 'cpu', dtype, threads: THREADS });
  const loadMs = performance.now() - t0;
  const rss = process.memoryUsage().rss - rss0;
  const words = 'the chest radiograph shows a right lower lobe opacity with air bronchograms and a small effusion'.split(' ');
  const text = Array.from({ length: PREFILL }, (_, i) => words[i % words.length]).join(' ');
  const ids = runner.tokenizer.encodeText(text).slice(0, PREFILL);
  const prefill: number[] = [];
  const decode: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    runner.reset();
    let t = performance.now();
    await runner.feedIds(ids);
    prefill.push((ids.length * 1000) / (performance.now() - t));
    t = performance.now();
    const res = await generate(runner, { maxNewTokens: DECODE, sampling: greedy }, () => undefined);
    decode.push((res.ids.length * 1000) / (performance.now() - t));
  }
  process.stdout.write(JSON.stringify({ dtype: runner.dtype, loadMs, rssMB: rss / 2 ** 20, prefillTokS: median(prefill), decodeTokS: median(decode) }) + '\n');
  await runner.dispose();
}

async function main(): Promise<void> {
  if (process.argv[2] === '--one') return measure(process.argv[3]!, process.argv[4]!);
  const src = randomModel();
  if (!src) return;
  const dir = join(ROOT, '.cache/bench-models/random-8x512-variants');
  let quantizeS: number | null = null;
  if (!existsSync(join(dir, 'manifest.json')) || packageVariants(loadModelPackage(dir).manifest).length < DTYPES.length) {
    rmSync(dir, { recursive: true, force: true });
    cpSync(src, dir, { recursive: true });
    const t = performance.now();
    execFileSync('/usr/bin/python3', ['-m', 'models.convert.quantize_package', dir, '--dtype', 'q4,q4f16,fp16'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
    quantizeS = (performance.now() - t) / 1000;
  }
  const pkg = loadModelPackage(dir);
  console.log(`Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} logical cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ONNX Runtime CPU, ${THREADS} intra-op thread(s)`);
  console.log(`Model: random 8 layers × hidden 512 (GQA 8/2, vocab ${pkg.manifest.text_config.vocab_size})${quantizeS !== null ? `; q4 + q4f16 + fp16 made in ${quantizeS.toFixed(1)} s` : ''}`);
  console.log(`\n| variant | package | vs fp32 | load | resident after load | prefill ${PREFILL} tok | decode ${DECODE} tok |`);
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  const fp32 = variantBytes(pkg, 'fp32');
  for (const dtype of DTYPES) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/quantize.bench.ts'), '--one', dir, dtype], { cwd: ROOT, encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { dtype: string; loadMs: number; rssMB: number; prefillTokS: number; decodeTokS: number };
    const bytes = variantBytes(pkg, dtype);
    console.log(`| ${r.dtype} | ${(bytes / 1e6).toFixed(1)} MB | ${(bytes / fp32).toFixed(2)}× | ${r.loadMs.toFixed(0)} ms | ${r.rssMB.toFixed(0)} MiB | ${r.prefillTokS.toFixed(0)} tok/s | ${r.decodeTokS.toFixed(1)} tok/s |`);
  }
}

await main();
