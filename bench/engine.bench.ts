// Engine benchmarks (issue 3): prefill and decode tokens/s, our loop vs a bare loop of session.run calls, resuming after
// an injected retrieval vs re-running the whole prefix, and time to first token. Prints the machine and the figures.
// Models: the committed fixture, and a larger random model generated on first run into .cache/ (bench/make_random_model.py).
// MEDRWR_BENCH_THREADS sets ONNX Runtime's intra-op threads (default: cores − 1, 1 to 4); MEDRWR_BENCH_MODEL adds a package.
import os from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildPrompt } from '../main/engine/chat.js';
import { createEngine } from '../main/engine/engine-client.js';
import { generate } from '../main/engine/generate.js';
import { graphFile } from '../main/engine/manifest.js';
import { ModelRunner } from '../main/engine/model-runner.js';
import { argmax } from '../main/engine/sampling.js';
import type { RgbImage } from '../main/imaging/rgb.js';
import { randomModel } from './random-model.js';

const ROOT = join(import.meta.dirname, '..');
// One core is left to the caller's thread (the worker's whole point); on a small shared machine spinning ORT threads
// that outnumber free cores slow everything down.
const THREADS = Number(process.env.MEDRWR_BENCH_THREADS ?? Math.max(1, Math.min(4, os.cpus().length - 1)));
const REPEATS = 7;
const DECODE_TOKENS = 128;
const greedy = { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function image(size: number): RgbImage {
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 7)) & 255;
  return { width: size, height: size, data };
}

/** A text of about `n` tokens. */
function textOf(runner: ModelRunner, n: number): number[] {
  const words = 'the chest radiograph shows a right lower lobe opacity with air bronchograms and a small effusion'.split(' ');
  const ids: number[] = [];
  for (let i = 0; ids.length < n; i++) ids.push(...runner.tokenizer.encodeText(` ${words[i % words.length]}`));
  return ids.slice(0, n);
}

/** The same decoding with nothing but session.run calls: embed, decoder, argmax, present → past. */
async function bareLoop(modelDir: string, runner: ModelRunner, prompt: number[], steps: number): Promise<number> {
  const opt = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' as const, intraOpNumThreads: THREADS, interOpNumThreads: 1 };
  const embed = await ort.InferenceSession.create(graphFile(runner.pkg, 'embed_tokens').path, opt);
  const decoder = await ort.InferenceSession.create(graphFile(runner.pkg, 'decoder_model_merged').path, opt);
  const tc = runner.manifest.text_config;
  const i64 = (a: number[]) => new ort.Tensor('int64', BigInt64Array.from(a.map(BigInt)), [1, a.length]);
  let past: Record<string, ort.Tensor> = {};
  for (let i = 0; i < tc.num_hidden_layers; i++)
    for (const k of ['key', 'value']) past[`past_key_values.${i}.${k}`] = new ort.Tensor('float32', new Float32Array(0), [1, tc.num_key_value_heads, 0, tc.head_dim]);
  let len = 0;
  const run = async (ids: number[]) => {
    const e = (await embed.run({ input_ids: i64(ids) })).inputs_embeds!;
    const pos = new BigInt64Array(3 * ids.length);
    for (let a = 0; a < 3; a++) for (let j = 0; j < ids.length; j++) pos[a * ids.length + j] = BigInt(len + j);
    len += ids.length;
    const mask = new ort.Tensor('int64', new BigInt64Array(len).fill(1n), [1, len]);
    const out = await decoder.run({ inputs_embeds: e, attention_mask: mask, position_ids: new ort.Tensor('int64', pos, [3, 1, ids.length]), ...past });
    past = {};
    for (let i = 0; i < tc.num_hidden_layers; i++) for (const k of ['key', 'value']) past[`past_key_values.${i}.${k}`] = out[`present.${i}.${k}`]!;
    const v = out.logits!.dims[2]!;
    return (out.logits!.data as Float32Array).subarray((ids.length - 1) * v);
  };
  let logits = await run(prompt);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    const id = argmax(logits);
    if (i < steps - 1) logits = await run([id]);
  }
  const ms = performance.now() - t0;
  await embed.release();
  await decoder.release();
  return ms;
}

async function benchModel(modelDir: string): Promise<void> {
  const runner = await ModelRunner.open({ modelDir, ep: 'cpu', threads: THREADS });
  const m = runner.manifest;
  console.log(`\n## ${m.id} (${m.text_config.num_hidden_layers} layers, hidden ${m.text_config.hidden_size}, vocab ${m.text_config.vocab_size})`);

  // Prefill: the ChatML prompt with a 448×448 image (256 image tokens) and ~250 text tokens.
  const segments = buildPrompt(m, [image(448)], 'What does the image show? ' + 'Describe the findings. '.repeat(40));
  const prefill: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    runner.reset();
    const t0 = performance.now();
    await runner.feed(segments);
    prefill.push(performance.now() - t0);
  }
  const promptLen = runner.length;
  console.log(`prefill (image + text, ${promptLen} tokens, incl. vision encoder): ${median(prefill).toFixed(1)} ms = ${((promptLen / median(prefill)) * 1000).toFixed(0)} tokens/s`);

  // Decode: our loop (generate: sampler, log-probs, streaming text, stop checks) vs the bare session.run loop.
  const prompt = textOf(runner, 300);
  const ours: number[] = [];
  const bare: number[] = [];
  let steps = DECODE_TOKENS;
  for (let r = 0; r < REPEATS; r++) {
    runner.reset();
    await runner.feedIds(prompt);
    const res = await generate(runner, { maxNewTokens: DECODE_TOKENS, sampling: greedy, stopStrings: ['</query>'], probe: { afterText: '<answer>', tokenIds: [1, 2, 3] } }, () => {});
    steps = res.ids.length + (res.stop === 'eos' ? 1 : 0);
    ours.push(res.decodeMs);
    bare.push(await bareLoop(modelDir, runner, prompt, steps));
  }
  const oursTps = (steps / median(ours)) * 1000;
  const bareTps = (steps / median(bare)) * 1000;
  console.log(`decode (${steps} tokens after a 300-token prompt): ours ${oursTps.toFixed(1)} tokens/s, bare session.run loop ${bareTps.toFixed(1)} tokens/s, ratio ${(oursTps / bareTps).toFixed(3)}`);

  // Resume after a 100-token injection on a 600-token prefix vs re-prefilling all 700 tokens.
  const prefix = textOf(runner, 620);
  const injection = textOf(runner, 700).slice(600);
  const resume: number[] = [];
  const full: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    runner.reset();
    await runner.feedIds(prefix);
    let t0 = performance.now();
    await runner.truncate(600);
    await runner.feedIds(injection);
    resume.push(performance.now() - t0);
    runner.reset();
    t0 = performance.now();
    await runner.feedIds([...prefix.slice(0, 600), ...injection]);
    full.push(performance.now() - t0);
  }
  console.log(`resume after a 100-token injection on a 600-token prefix: ${median(resume).toFixed(1)} ms vs full re-prefill of 700 tokens ${median(full).toFixed(1)} ms, ratio ${(median(resume) / median(full)).toFixed(3)}`);
  await runner.dispose();

  // Through the worker thread, as the app runs it: time to first token and decode rate.
  const engine = await createEngine({ modelDir, ep: 'cpu', threads: THREADS });
  const ttft: number[] = [];
  const workerTps: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    await engine.prefill(buildPrompt(m, [image(448)], 'What does the image show?\nA. Pneumonia\nB. Normal'));
    let first = 0;
    let n = 0;
    let end = 0;
    for await (const e of engine.generate({ maxNewTokens: DECODE_TOKENS, sampling: greedy })) {
      if (e.type === 'token' && n++ === 0) first = performance.now();
      if (e.type === 'end') end = performance.now();
    }
    ttft.push(first - t0);
    if (n > 1) workerTps.push(((n - 1) / (end - first)) * 1000);
  }
  await engine.close();
  console.log(`worker engine: time to first token (prefill of a 448×448 image prompt + 1 step) ${median(ttft).toFixed(1)} ms; decode ${median(workerTps).toFixed(1)} tokens/s`);
}

async function main(): Promise<void> {
  const cpus = os.cpus();
  console.log('# engine benchmark');
  console.log(`machine: ${cpus[0]?.model ?? 'unknown cpu'}, ${cpus.length} logical cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()}/${os.arch()}, node ${process.version}, onnxruntime-node ${ort.env.versions.common}, CPU EP, ${THREADS} intra-op thread(s), median of ${REPEATS}, load average at start ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const models = [join(ROOT, 'models/fixtures/tiny-random')];
  const random = randomModel((line) => console.log(`${line}; fixture only`));
  if (random) models.push(random);
  if (process.env.MEDRWR_BENCH_MODEL) models.push(process.env.MEDRWR_BENCH_MODEL);
  for (const dir of models) await benchModel(dir);
}

await main();
