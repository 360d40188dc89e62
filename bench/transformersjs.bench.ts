// Ours vs transformers.js (issue 13) on the same ONNX graphs, CPU, one process per engine, one after the other on the
// same machine: decode tokens/s, time to first token, and a two-round Med-RwR case end to end (ours cuts the cache
// back and appends the retrieval; transformers.js re-runs the whole prefix). Workload: bench/transformersjs/workload.ts.
// MEDRWR_BENCH_THREADS sets intra-op threads for both (default as bench/engine.bench.ts); MEDRWR_BENCH_MODEL adds a package.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { randomModel } from './random-model.js';
import { WORKLOAD, type EngineFigures } from './transformersjs/workload.js';

const ROOT = join(import.meta.dirname, '..');
const THREADS = Number(process.env.MEDRWR_BENCH_THREADS ?? Math.max(1, Math.min(4, os.cpus().length - 1)));
const REPEATS = Number(process.env.MEDRWR_BENCH_REPEATS ?? 5);

function child(script: string, args: Record<string, string | number>): EngineFigures {
  const argv = Object.entries(args).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/transformersjs', script), ...argv], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').at(-1)!) as EngineFigures;
}

function benchModel(modelDir: string): void {
  const common = { model: modelDir, threads: THREADS, repeats: REPEATS };
  const ours = child('ours.ts', common);
  // transformers.js generates exactly as many tokens as ours did (ours stops at an end-of-sequence token).
  const tjs = child('tjs.ts', { ...common, cache: join(ROOT, '.cache'), decode: ours.decodeTokens, round1: ours.round1Tokens, round2: ours.round2Tokens, rewind: WORKLOAD.rewindTokens });
  const same = ours.decodeIds.length === tjs.decodeIds.length && ours.decodeIds.every((id, i) => id === tjs.decodeIds[i]);
  console.log(`\n## ${ours.model} (${ours.promptTokens}-token prompt with a ${WORKLOAD.imageSize}×${WORKLOAD.imageSize} image; ${ours.decodeTokens} tokens decoded greedily: ${same ? 'identical tokens in both engines' : 'the engines chose DIFFERENT tokens'})`);
  console.log('| | ours | transformers.js | our speed ÷ its speed |');
  console.log('|---|---:|---:|---:|');
  console.log(`| decode tokens/s | ${ours.decodeTokensPerS.toFixed(1)} | ${tjs.decodeTokensPerS.toFixed(1)} | ${(ours.decodeTokensPerS / tjs.decodeTokensPerS).toFixed(2)}× |`);
  console.log(`| time to first token (ms) | ${ours.ttftMs.toFixed(1)} | ${tjs.ttftMs.toFixed(1)} | ${(tjs.ttftMs / ours.ttftMs).toFixed(2)}× |`);
  console.log(
    `| two-round case (ms): ${ours.round1Tokens} tokens, cut back ${WORKLOAD.rewindTokens}, ${WORKLOAD.injectionTokens}-token retrieval, ${ours.round2Tokens} tokens | ${ours.twoRoundMs.toFixed(1)} | ${tjs.twoRoundMs.toFixed(1)} | ${(tjs.twoRoundMs / ours.twoRoundMs).toFixed(2)}× |`,
  );
}

const cpus = os.cpus();
console.log('# ours vs transformers.js (same ONNX graphs, CPU EP)');
console.log(`machine: ${cpus[0]?.model ?? 'unknown cpu'}, ${cpus.length} logical cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()}/${os.arch()}, node ${process.version}, ${THREADS} intra-op thread(s) each, median of ${REPEATS}, load average at start ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const models = [join(ROOT, 'models/fixtures/tiny-random'), join(ROOT, 'models/medrwr-tiny')];
const random = randomModel();
if (random) models.push(random);
if (process.env.MEDRWR_BENCH_MODEL) models.push(process.env.MEDRWR_BENCH_MODEL);
for (const dir of models) benchModel(dir);
