// transformers.js on the side-by-side workload (one process), on the same ONNX graphs through an HF-style folder
// (hf-folder.ts), given the same prompt ids and the same pixel values as ours. It has no way to cut its KV cache back,
// so round 2 of the two-round case re-runs the whole prefix, image included, with the retrieval appended. Token counts are forced to ours' (min_new_tokens = max_new_tokens). Prints one EngineFigures line.
import { AutoModelForImageTextToText, env, Tensor } from '@huggingface/transformers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hfFolder } from './hf-folder.js';
import { args, printFigures, workload, WORKLOAD } from './workload.js';

const a = args(process.argv.slice(2));
const modelDir = a.model!;
const threads = Number(a.threads);
const repeats = Number(a.repeats);
const counts = { decode: Number(a.decode), round1: Number(a.round1), round2: Number(a.round2), rewind: Number(a.rewind) };
const { promptIds: prompt, pixels, injection } = workload(modelDir);

env.allowRemoteModels = false;
env.localModelPath = '/';
const folder = hfFolder(modelDir, join(a.cache!, 'transformersjs'), a.dtype);
const model = await AutoModelForImageTextToText.from_pretrained(folder.dir, {
  dtype: folder.dtype as 'fp32',
  device: 'cpu',
  session_options: { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' },
});

/**
 * transformers.js 4.3.2 computes a text-only prompt's rope delta as max(position) + 1 + length, where Qwen2-VL's
 * reference (HF transformers `get_rope_index`) has max(position) + 1 − length: every cached decoding step after a
 * text-only prompt then runs at position past + 2 × prompt length instead of past, and its tokens drift from the
 * model's (a full recomputation in transformers.js itself agrees with ours). Image prompts take its other, correct
 * path. Corrected here so both engines decode the same tokens; the cost of the step is unchanged.
 */
const textRope = model as unknown as { _get_text_only_rope_index(ids: Tensor, mask: Tensor | null): [Tensor, Tensor] };
const upstreamRope = textRope._get_text_only_rope_index.bind(model);
textRope._get_text_only_rope_index = (inputIds, mask) => {
  const [pos, deltas] = upstreamRope(inputIds, mask);
  if (!mask) return [pos, deltas];
  const len = BigInt(mask.dims[1]!);
  return [pos, new Tensor('int64', BigInt64Array.from(deltas.data as BigInt64Array, (d) => d - 2n * len), deltas.dims)];
};

const ids = (xs: number[]) => new Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, xs.length]);
const ones = (n: number) => new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]);

/**
 * Greedy decoding of exactly `n` new tokens from a prompt that holds the image (it has no cache to resume from, so the
 * vision encoder runs again on every call); the streamer stamps each step (its first call is the prompt itself).
 */
async function run(input: number[], n: number): Promise<{ ids: number[]; stamps: number[] }> {
  const stamps: number[] = [];
  const image = pixels();
  const pixelValues = new Tensor('float32', image.pixelValues, [image.rows, image.cols]);
  const imageGridThw = new Tensor('int64', BigInt64Array.from(image.grid.map(BigInt)), [1, 3]);
  const streamer = { put: () => stamps.push(performance.now()), end: () => {} };
  const out = (await model.generate({ input_ids: ids(input), attention_mask: ones(input.length), pixel_values: pixelValues, image_grid_thw: imageGridThw, max_new_tokens: n, min_new_tokens: n, do_sample: false, streamer } as never)) as Tensor;
  return { ids: Array.from(out.data as BigInt64Array, Number).slice(input.length), stamps: stamps.slice(1) };
}

const ttft: number[] = [];
const tps: number[] = [];
let decodeIds: number[] = [];
for (let r = -WORKLOAD.warmupRuns; r < repeats; r++) {
  const t0 = performance.now();
  const res = await run(prompt, counts.decode);
  decodeIds = res.ids;
  if (r < 0) continue; // warm-up
  ttft.push(res.stamps[0]! - t0);
  if (res.stamps.length > 1) tps.push(((res.stamps.length - 1) / (res.stamps.at(-1)! - res.stamps[0]!)) * 1000);
}

const twoRound: number[] = [];
for (let r = 0; r < repeats; r++) {
  const t0 = performance.now();
  const r1 = await run(prompt, counts.round1);
  await run([...prompt, ...r1.ids.slice(0, Math.max(0, r1.ids.length - counts.rewind)), ...injection], counts.round2);
  twoRound.push(performance.now() - t0);
}
await model.dispose();

const version = (JSON.parse(readFileSync(join(import.meta.dirname, '../../node_modules/@huggingface/transformers/package.json'), 'utf8')) as { version: string }).version;
printFigures({ engine: 'transformers.js', promptTokens: prompt.length, version: `@huggingface/transformers ${version}`, model: folder.dir, threads, repeats, ttft, tps, decodeIds, twoRound, round1Tokens: counts.round1, round2Tokens: counts.round2 });
