// Ours vs transformers.js (issue 13) on the same ONNX graphs, CPU, one process per engine, one after the other on the
// same machine: decode tokens/s, time to first token, and a two-round Med-RwR case end to end (ours cuts the cache
// back and appends the retrieval; transformers.js re-runs the whole prefix). Workload: bench/transformersjs/workload.ts.
// MEDRWR_BENCH_THREADS sets intra-op threads for both (default as bench/engine.bench.ts); MEDRWR_BENCH_MODEL adds a package;
// MEDRWR_BENCH_BASELINE=<another checkout of this repository> also runs that checkout's engine in the same turns (before
// and after a change, against the same transformers.js runs). MEDRWR_BENCH_DTYPE picks the graphs' dtype variant for
// MEDRWR_BENCH_MODEL in both engines (e.g. q4 for the real-width package; default: the package's fp32, else its first).
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { randomModel } from './random-model.js';
import { WORKLOAD, type EngineFigures } from './transformersjs/workload.js';

const ROOT = join(import.meta.dirname, '..');
const THREADS = Number(process.env.MEDRWR_BENCH_THREADS ?? Math.max(1, Math.min(4, os.cpus().length - 1)));
const REPEATS = Number(process.env.MEDRWR_BENCH_REPEATS ?? 3);
// The two processes alternate this many times (ours, theirs, ours, …) and each figure is the median over them, so that
// a shared machine's changing load falls on both engines alike.
const ALTERNATIONS = Number(process.env.MEDRWR_BENCH_ALTERNATIONS ?? 3);
const BASELINE = process.env.MEDRWR_BENCH_BASELINE;
const DTYPE = process.env.MEDRWR_BENCH_DTYPE;

function child(script: string, args: Record<string, string | number>, root = ROOT): EngineFigures {
  const argv = Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench/transformersjs', script), ...argv], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').at(-1)!) as EngineFigures;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The figures of several runs, each timing the median over them. */
function combine(runs: EngineFigures[]): EngineFigures {
  return { ...runs[0]!, ttftMs: median(runs.map((r) => r.ttftMs)), decodeTokensPerS: median(runs.map((r) => r.decodeTokensPerS)), twoRoundMs: median(runs.map((r) => r.twoRoundMs)) };
}

function benchModel(modelDir: string, dtype?: string): void {
  const common = { model: modelDir, threads: THREADS, repeats: REPEATS, ...(dtype ? { dtype } : {}) };
  const oursRuns: EngineFigures[] = [];
  const tjsRuns: EngineFigures[] = [];
  const baseRuns: EngineFigures[] = [];
  // transformers.js generates exactly as many tokens as ours did (ours stops at an end-of-sequence token).
  let counts: Record<string, number> | null = null;
  const runOurs = () => {
    const o = child('ours.ts', common);
    oursRuns.push(o);
    counts ??= { decode: o.decodeTokens, round1: o.round1Tokens, round2: o.round2Tokens, rewind: WORKLOAD.rewindTokens };
  };
  const runTjs = () => tjsRuns.push(child('tjs.ts', { ...common, cache: join(ROOT, '.cache'), ...counts! }));
  for (let a = 0; a < ALTERNATIONS; a++) {
    if (BASELINE) baseRuns.push(child('ours.ts', common, BASELINE));
    // Who goes first alternates (after the first turn, which ours opens for the token counts), so that a drift in the
    // machine's speed over minutes falls on both alike.
    if (a % 2 === 0) {
      runOurs();
      runTjs();
    } else {
      runTjs();
      runOurs();
    }
  }
  const ours = combine(oursRuns);
  const tjs = combine(tjsRuns);
  // Each turn's two processes ran minutes apart at most: the median of the per-turn ratios.
  const paired = (f: (o: EngineFigures, t: EngineFigures) => number) => median(oursRuns.map((o, i) => f(o, tjsRuns[i]!))).toFixed(2);
  const same = ours.decodeIds.length === tjs.decodeIds.length && ours.decodeIds.every((id, i) => id === tjs.decodeIds[i]);
  console.log(`\n## ${ours.model}${dtype ? ` ${dtype}` : ''} (${ours.promptTokens}-token prompt with a ${WORKLOAD.imageSize}×${WORKLOAD.imageSize} image; ${ours.decodeTokens} tokens decoded greedily: ${same ? 'identical tokens in both engines' : 'the engines chose DIFFERENT tokens'})`);
  console.log('| | ours | transformers.js | our speed ÷ its speed | median of the turns\' ratios |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(`| decode tokens/s | ${ours.decodeTokensPerS.toFixed(1)} | ${tjs.decodeTokensPerS.toFixed(1)} | ${(ours.decodeTokensPerS / tjs.decodeTokensPerS).toFixed(2)}× | ${paired((o, t) => o.decodeTokensPerS / t.decodeTokensPerS)}× |`);
  console.log(`| time to first token (ms) | ${ours.ttftMs.toFixed(1)} | ${tjs.ttftMs.toFixed(1)} | ${(tjs.ttftMs / ours.ttftMs).toFixed(2)}× | ${paired((o, t) => t.ttftMs / o.ttftMs)}× |`);
  console.log(
    `| two-round case (ms): ${ours.round1Tokens} tokens, cut back ${WORKLOAD.rewindTokens}, ${WORKLOAD.injectionTokens}-token retrieval, ${ours.round2Tokens} tokens | ${ours.twoRoundMs.toFixed(1)} | ${tjs.twoRoundMs.toFixed(1)} | ${(tjs.twoRoundMs / ours.twoRoundMs).toFixed(2)}× | ${paired((o, t) => t.twoRoundMs / o.twoRoundMs)}× |`,
  );
  if (BASELINE) {
    const base = combine(baseRuns);
    const sameBase = base.decodeIds.length === ours.decodeIds.length && base.decodeIds.every((id, i) => id === ours.decodeIds[i]);
    console.log(
      `| baseline ${BASELINE} ÷ transformers.js (${sameBase ? 'same tokens as ours' : 'DIFFERENT tokens from ours'}) | decode ${(base.decodeTokensPerS / tjs.decodeTokensPerS).toFixed(2)}× | time to first token ${(tjs.ttftMs / base.ttftMs).toFixed(2)}× | two rounds ${(tjs.twoRoundMs / base.twoRoundMs).toFixed(2)}× |`,
    );
  }
}

const cpus = os.cpus();
console.log('# ours vs transformers.js (same ONNX graphs, CPU EP)');
console.log(`machine: ${cpus[0]?.model ?? 'unknown cpu'}, ${cpus.length} logical cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()}/${os.arch()}, node ${process.version}, ${THREADS} intra-op thread(s) each, median of ${REPEATS} in each of ${ALTERNATIONS} alternating runs per engine, load average at start ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const models = [join(ROOT, 'models/fixtures/tiny-random'), join(ROOT, 'models/medrwr-tiny')];
const random = randomModel();
if (random) models.push(random);
for (const dir of models) benchModel(dir);
if (process.env.MEDRWR_BENCH_MODEL) benchModel(process.env.MEDRWR_BENCH_MODEL, DTYPE);
