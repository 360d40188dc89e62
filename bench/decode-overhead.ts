// Our decode loop's fixed per-token cost on a small model (issue 13). Decodes N tokens greedily through ModelRunner +
// generate in this thread ("ours"), through the engine worker the app uses ("worker"), and as a bare loop of the
// decoder's `session.run` calls on the same tokens with nothing around them ("bare"), taking turns, and prints each
// path's tokens/s ÷ the bare loop's in the same turn. Turns are whole runs, so on a loaded machine the ratios still
// scatter; bench/decode-step.ts takes turns at every step instead and gives steadier ratios for the runner alone.
//   node --import tsx bench/decode-overhead.ts [modelDir] [tokens] [turns]
// MEDRWR_PATHS=ours,worker,bare picks the paths. To see where the time goes, profile one path alone:
//   MEDRWR_PATHS=ours node --cpu-prof --cpu-prof-dir .cache/prof --import tsx bench/decode-overhead.ts models/medrwr-tiny 1000 5
// (the worker thread writes a profile of its own). The in-thread paths ignore the end-of-sequence token so that every
// run decodes N tokens; the worker cannot, and stops where the model does. MEDRWR_BASELINE=<another checkout of this
// repository> adds its ModelRunner + generate in this thread ("baseline", e.g. before a change) to every turn.
import { join } from 'node:path';
import { createEngine } from '../main/engine/engine-client.js';
import type { Engine } from '../main/engine/engine.js';
import { generate } from '../main/engine/generate.js';
import { ModelRunner } from '../main/engine/model-runner.js';
import { bareStepper } from './bare-step.js';
import { workload } from './transformersjs/workload.js';

const ROOT = join(import.meta.dirname, '..');
const modelDir = process.argv[2] ?? join(ROOT, 'models/medrwr-tiny');
const N = Number(process.argv[3] ?? 200);
const TURNS = Number(process.argv[4] ?? 5);
const paths = new Set((process.env.MEDRWR_PATHS ?? 'ours,worker,bare').split(','));
const greedy = { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 };
// Two stop strings, as the app's reasoning loop passes, that never occur (the demo model would stop at `</query>`).
const opts = { maxNewTokens: N, sampling: greedy, stopStrings: ['</never1>', '</never2>'] };
const { segments } = workload(modelDir);

const runner = await ModelRunner.open({ modelDir, ep: 'cpu', threads: 1 });
runner.tokenizer.eosIds = () => [];
const BASELINE = process.env.MEDRWR_BASELINE;
const base = BASELINE
  ? {
      runner: await ((await import(join(BASELINE, 'main/engine/model-runner.ts'))) as { ModelRunner: typeof ModelRunner }).ModelRunner.open({ modelDir, ep: 'cpu', threads: 1 }),
      generate: ((await import(join(BASELINE, 'main/engine/generate.ts'))) as { generate: typeof generate }).generate,
    }
  : null;
if (base) base.runner.tokenizer.eosIds = () => [];
const engine: Engine | null = paths.has('worker') ? await createEngine({ modelDir, ep: 'cpu', threads: 1, verify: false }) : null;

/**
 * Tokens per second of this process's CPU time (every thread: ONNX Runtime runs on the calling thread with one intra-op
 * thread; the worker path counts both threads), from the first token to the last. On a shared, loaded machine CPU time
 * moves less than wall time, which counts the time other jobs held the cores. MEDRWR_CLOCK=wall uses wall time instead.
 */
const now = process.env.MEDRWR_CLOCK === 'wall'
  ? () => performance.now()
  : () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
const UNIT = process.env.MEDRWR_CLOCK === 'wall' ? 'tok/s' : 'tok/CPU-s';
const rate = (stamps: number[]) => ((stamps.length - 1) / (stamps.at(-1)! - stamps[0]!)) * 1000;

async function ours(): Promise<{ tps: number; ids: number[] }> {
  runner.reset();
  await runner.feed(segments);
  const stamps: number[] = [];
  const res = await generate(runner, opts, () => stamps.push(now()));
  return { tps: rate(stamps), ids: res.ids };
}

async function baseline(): Promise<number> {
  base!.runner.reset();
  await base!.runner.feed(segments);
  const stamps: number[] = [];
  await base!.generate(base!.runner, opts, () => stamps.push(now()));
  return rate(stamps);
}

async function worker(): Promise<number> {
  await engine!.prefill(segments);
  const stamps: number[] = [];
  for await (const e of engine!.generate(opts)) if (e.type === 'token') stamps.push(now());
  return rate(stamps);
}

/** embed_tokens then the decoder for each token, feeds built inline, nothing else (what transformers.js does at least). */
async function bare(ids: number[]): Promise<number> {
  runner.reset();
  await runner.feed(segments);
  const step = bareStepper(runner);
  const stamps = [now()];
  for (const id of ids.slice(0, -1)) {
    await step(id);
    stamps.push(now());
  }
  return rate(stamps);
}

const ratios: { ours: number; worker: number; baseline: number }[] = [];
let ids: number[] = [];
for (let t = 0; t < TURNS; t++) {
  const line: string[] = [];
  const o = paths.has('ours') || paths.has('bare') ? await ours() : null;
  if (o) ids = o.ids;
  const w = engine ? await worker() : NaN;
  const b = paths.has('bare') ? await bare(ids) : NaN;
  const before = base ? await baseline() : NaN;
  if (paths.has('ours')) line.push(`ours ${o!.tps.toFixed(0)} ${UNIT}`);
  if (engine) line.push(`worker ${w.toFixed(0)} ${UNIT}`);
  if (base) line.push(`baseline ${before.toFixed(0)} ${UNIT}; ours ÷ baseline ${(o!.tps / before).toFixed(3)}`);
  if (paths.has('bare')) line.push(`bare ${b.toFixed(0)} ${UNIT}; ours ÷ bare ${(o!.tps / b).toFixed(3)}, worker ÷ bare ${(w / b).toFixed(3)}`);
  ratios.push({ ours: o ? o.tps / b : NaN, worker: w / b, baseline: o ? o.tps / before : NaN });
  console.log(`turn ${t + 1} (${ids.length} tokens): ${line.join(', ')}`);
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
if (base) console.log(`median of ${TURNS}: ours ÷ baseline ${med(ratios.map((r) => r.baseline)).toFixed(3)}`);
if (paths.has('bare')) console.log(`median of ${TURNS}: ours ÷ bare ${med(ratios.map((r) => r.ours)).toFixed(3)}, worker ÷ bare ${med(ratios.map((r) => r.worker)).toFixed(3)}`);
await engine?.close();
await runner.dispose();
await base?.runner.dispose();
