// Our engine on the side-by-side workload (one process): ModelRunner + generate, greedy; between the two rounds the KV
// cache is cut back to the text before the query and the retrieval appended (the image is encoded once). Prints one EngineFigures JSON line.
import * as ort from 'onnxruntime-node';
import { generate } from '../../main/engine/generate.js';
import { ModelRunner } from '../../main/engine/model-runner.js';
import { args, printFigures, workload, WORKLOAD } from './workload.js';

const a = args(process.argv.slice(2));
const modelDir = a.model!;
const threads = Number(a.threads);
const repeats = Number(a.repeats);
const greedy = { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 };
const { segments, injection } = workload(modelDir);
const runner = await ModelRunner.open({ modelDir, ep: 'cpu', threads, ...(a.dtype ? { dtype: a.dtype } : {}) });

const ttft: number[] = [];
const tps: number[] = [];
let decodeIds: number[] = [];
for (let r = -WORKLOAD.warmupRuns; r < repeats; r++) {
  runner.reset();
  const stamps: number[] = [];
  const t0 = performance.now();
  await runner.feed(segments);
  const res = await generate(runner, { maxNewTokens: WORKLOAD.decodeTokens, sampling: greedy }, () => stamps.push(performance.now()));
  decodeIds = res.ids;
  if (r < 0) continue; // warm-up
  ttft.push(stamps[0]! - t0);
  if (stamps.length > 1) tps.push(((stamps.length - 1) / (stamps.at(-1)! - stamps[0]!)) * 1000);
}

const twoRound: number[] = [];
let r1n = 0;
let promptTokens = 0;
let r2n = 0;
for (let r = 0; r < repeats; r++) {
  runner.reset();
  const t0 = performance.now();
  await runner.feed(segments);
  const promptLen = runner.length;
  const r1 = await generate(runner, { maxNewTokens: WORKLOAD.round1Tokens, sampling: greedy }, () => {});
  await runner.truncate(promptLen + Math.max(0, r1.ids.length - WORKLOAD.rewindTokens));
  await runner.feedIds(injection);
  const r2 = await generate(runner, { maxNewTokens: WORKLOAD.round2Tokens, sampling: greedy }, () => {});
  twoRound.push(performance.now() - t0);
  r1n = r1.ids.length;
  promptTokens = promptLen;
  r2n = r2.ids.length;
}
await runner.dispose();

printFigures({ engine: 'ours', promptTokens, version: `onnxruntime-node ${ort.env.versions.common}`, model: runner.manifest.id, threads, repeats, ttft, tps, decodeIds, twoRound, round1Tokens: r1n, round2Tokens: r2n });
