// Our engine on the side-by-side workload (one process): ModelRunner + generate, greedy, the KV cache cut back and
// appended to between the two rounds. Prints one EngineFigures JSON line.
import * as ort from 'onnxruntime-node';
import { generate } from '../../main/engine/generate.js';
import { ModelRunner } from '../../main/engine/model-runner.js';
import { args, median, WORKLOAD, workloadIds, type EngineFigures } from './workload.js';

const a = args(process.argv.slice(2));
const modelDir = a.model!;
const threads = Number(a.threads);
const repeats = Number(a.repeats);
const greedy = { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 };
const { prompt, injection } = workloadIds(modelDir);
const runner = await ModelRunner.open({ modelDir, ep: 'cpu', threads });

const ttft: number[] = [];
const tps: number[] = [];
let decodeIds: number[] = [];
for (let r = 0; r < repeats; r++) {
  runner.reset();
  const stamps: number[] = [];
  const t0 = performance.now();
  await runner.feedIds(prompt);
  const res = await generate(runner, { maxNewTokens: WORKLOAD.decodeTokens, sampling: greedy }, () => stamps.push(performance.now()));
  ttft.push(stamps[0]! - t0);
  if (stamps.length > 1) tps.push(((stamps.length - 1) / (stamps.at(-1)! - stamps[0]!)) * 1000);
  decodeIds = res.ids;
}

const twoRound: number[] = [];
let r1n = 0;
let r2n = 0;
for (let r = 0; r < repeats; r++) {
  runner.reset();
  const t0 = performance.now();
  await runner.feedIds(prompt);
  const r1 = await generate(runner, { maxNewTokens: WORKLOAD.round1Tokens, sampling: greedy }, () => {});
  await runner.truncate(prompt.length + Math.max(0, r1.ids.length - WORKLOAD.rewindTokens));
  await runner.feedIds(injection);
  const r2 = await generate(runner, { maxNewTokens: WORKLOAD.round2Tokens, sampling: greedy }, () => {});
  twoRound.push(performance.now() - t0);
  r1n = r1.ids.length;
  r2n = r2.ids.length;
}
await runner.dispose();

const figures: EngineFigures = {
  engine: 'ours',
  version: `onnxruntime-node ${ort.env.versions.common}`,
  model: runner.manifest.id,
  threads,
  repeats,
  ttftMs: median(ttft),
  decodeTokensPerS: tps.length ? median(tps) : 0,
  decodeIds,
  decodeTokens: decodeIds.length,
  twoRoundMs: median(twoRound),
  round1Tokens: r1n,
  round2Tokens: r2n,
};
process.stdout.write(JSON.stringify(figures) + '\n');
