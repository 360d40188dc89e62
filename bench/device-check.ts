// The device check (issue 13), run by scripts/device-check: the engine benchmark on every execution provider that works
// on this machine (doctor's facts), on the real-width q4f16 package when given (--model DIR or MEDRWR_DEVICE_MODEL), else
// the random 8×512 model (bench/random-model.ts), else the fixture. Per provider: prefill and decode tokens/s, time to
// first token, resume after an injection ÷ full re-prefill, where the KV cache lives, and host↔device bytes per decode
// step from the shapes (main/engine/transfer-bytes.ts). Prints a table and writes the JSON (--out FILE).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { diagnose, type Diagnosis } from '../main/engine/doctor.js';
import { generate } from '../main/engine/generate.js';
import { graphFile, loadModelPackage } from '../main/engine/manifest.js';
import { ModelRunner } from '../main/engine/model-runner.js';
import { isEpChoice, providerSpec, type ExecutionProvider } from '../main/engine/providers.js';
import { decodeStepTransfer, type StepTransfer } from '../main/engine/transfer-bytes.js';
import { randomModel } from './random-model.js';

const ROOT = join(import.meta.dirname, '..');

export interface ProviderFigures {
  readonly provider: ExecutionProvider;
  readonly ok: boolean;
  readonly error: string | null;
  readonly deviceResident: boolean;
  readonly prefillTokensPerS: number | null;
  readonly ttftMs: number | null;
  readonly decodeTokensPerS: number | null;
  readonly decodedTokens: number | null;
  /** Truncate + append an injection ÷ re-prefilling the whole prefix with it (lower is better). */
  readonly resumeRatio: number | null;
  /** Where the KV cache was after decoding ('cpu', 'gpu-buffer'). */
  readonly cacheLocation: string[];
  /** At the prompt's context length; null on the CPU provider (nothing crosses to a device). */
  readonly bytesPerDecodeStep: StepTransfer | null;
}

export interface DeviceCheck {
  readonly machine: { cpu: string; logicalCores: number; memoryBytes: number; platform: string; node: string; onnxruntime: string; gpu: Diagnosis['gpu'] };
  /** A hardware GPU is visible (not a software Vulkan driver). */
  readonly gpu: boolean;
  readonly note: string;
  readonly model: { id: string; dir: string; dtype: string; layers: number; hidden: number; kvHeads: number; headDim: number; vocab: number };
  readonly settings: { promptTokens: number; decodeSteps: number; repeats: number; threads: number | null };
  readonly providers: ProviderFigures[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function textIds(runner: ModelRunner, n: number): number[] {
  const words = 'the chest radiograph shows a right lower lobe opacity with air bronchograms and a small effusion'.split(' ');
  const ids: number[] = [];
  for (let i = 0; ids.length < n; i++) ids.push(...runner.tokenizer.encodeText(` ${words[i % words.length]}`));
  return ids.slice(0, n);
}

const greedy = { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 };

async function measure(ep: ExecutionProvider, modelDir: string, dtype: string | undefined, s: DeviceCheck['settings'], bytes: StepTransfer | null): Promise<ProviderFigures> {
  const deviceResident = providerSpec(ep).deviceResident;
  const failed = (error: string): ProviderFigures => ({ provider: ep, ok: false, error, deviceResident, prefillTokensPerS: null, ttftMs: null, decodeTokensPerS: null, decodedTokens: null, resumeRatio: null, cacheLocation: [], bytesPerDecodeStep: bytes });
  let runner: ModelRunner;
  try {
    runner = await ModelRunner.open({ modelDir, ep, dtype, ...(s.threads ? { threads: s.threads } : {}) });
  } catch (err) {
    return failed(err instanceof Error ? err.message : String(err));
  }
  try {
    if (runner.provider !== ep) return failed(runner.fallbackNotice ?? `fell back to ${runner.provider}`);
    const prompt = textIds(runner, s.promptTokens);
    const prefill: number[] = [];
    const ttft: number[] = [];
    const decode: number[] = [];
    let decoded = 0;
    for (let r = 0; r < s.repeats; r++) {
      runner.reset();
      const stamps: number[] = [];
      const t0 = performance.now();
      await runner.feedIds(prompt);
      prefill.push(performance.now() - t0);
      await generate(runner, { maxNewTokens: s.decodeSteps, sampling: greedy }, () => stamps.push(performance.now()));
      ttft.push(stamps[0]! - t0);
      decoded = stamps.length;
      if (stamps.length > 1) decode.push(((stamps.length - 1) / (stamps.at(-1)! - stamps[0]!)) * 1000);
    }
    const cacheLocation = runner.cacheLocations;
    // Resume: a prefix of 80 % of the prompt, then a 20 % injection, vs re-prefilling both.
    const keep = Math.max(1, Math.floor(s.promptTokens * 0.8));
    const injection = prompt.slice(keep).reverse();
    const resume: number[] = [];
    const full: number[] = [];
    for (let r = 0; r < s.repeats; r++) {
      runner.reset();
      await runner.feedIds(prompt);
      let t0 = performance.now();
      await runner.truncate(keep);
      await runner.feedIds(injection);
      resume.push(performance.now() - t0);
      runner.reset();
      t0 = performance.now();
      await runner.feedIds([...prompt.slice(0, keep), ...injection]);
      full.push(performance.now() - t0);
    }
    return {
      provider: ep,
      ok: true,
      error: null,
      deviceResident,
      prefillTokensPerS: (s.promptTokens / median(prefill)) * 1000,
      ttftMs: median(ttft),
      decodeTokensPerS: decode.length ? median(decode) : null,
      decodedTokens: decoded,
      resumeRatio: median(resume) / median(full),
      cacheLocation,
      bytesPerDecodeStep: bytes,
    };
  } catch (err) {
    return failed(err instanceof Error ? err.message : String(err));
  } finally {
    await runner.dispose();
  }
}

function table(c: DeviceCheck): string {
  const n = (v: number | null, d = 1) => (v === null ? '–' : v.toFixed(d));
  const mb = (b: number) => (b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB` : `${(b / 1e3).toFixed(1)} kB`);
  const lines = [
    `# device check: ${c.model.id} (${c.model.dtype}; ${c.model.layers} layers, hidden ${c.model.hidden}, vocab ${c.model.vocab}), ${c.settings.promptTokens}-token prompt, ${c.settings.decodeSteps} decode steps, median of ${c.settings.repeats}`,
    `machine: ${c.machine.cpu}, ${c.machine.logicalCores} logical cores, ${(c.machine.memoryBytes / 2 ** 30).toFixed(0)} GiB, ${c.machine.platform}, node ${c.machine.node}, onnxruntime-node ${c.machine.onnxruntime}; GPU: ${c.machine.gpu.devices.join('; ') || 'none'}${c.machine.gpu.vulkanDriver ? ` (Vulkan: ${c.machine.gpu.vulkanDriver})` : ''}`,
    c.note,
    '',
    '| provider | prefill tokens/s | time to first token (ms) | decode tokens/s | resume ÷ re-prefill | KV cache | host↔device bytes per decode step |',
    '|---|---:|---:|---:|---:|---|---:|',
  ];
  for (const p of c.providers) {
    if (!p.ok) lines.push(`| ${p.provider} | failed: ${p.error} | | | | | |`);
    else lines.push(`| ${p.provider} | ${n(p.prefillTokensPerS, 0)} | ${n(p.ttftMs)} | ${n(p.decodeTokensPerS)} | ${n(p.resumeRatio, 3)} | ${p.cacheLocation.join(', ')} | ${p.bytesPerDecodeStep ? `${mb(p.bytesPerDecodeStep.totalBytes)} (KV cache ${mb(p.bytesPerDecodeStep.kvBytes)})` : '– (host memory)'} |`);
  }
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      model: { type: 'string' },
      dtype: { type: 'string' },
      providers: { type: 'string' },
      prompt: { type: 'string', default: '512' },
      steps: { type: 'string', default: '64' },
      repeats: { type: 'string', default: '3' },
      threads: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const int = (name: string, v: string | undefined) => {
    const x = Number(v);
    if (!(Number.isInteger(x) && x > 0)) throw new Error(`--${name} must be a positive whole number, not "${v}"`);
    return x;
  };
  const settings = { promptTokens: int('prompt', values.prompt), decodeSteps: int('steps', values.steps), repeats: int('repeats', values.repeats), threads: values.threads ? int('threads', values.threads) : null };
  const asked = values.providers?.split(',').map((p) => {
    if (!isEpChoice(p) || p === 'auto') throw new Error(`--providers: unknown provider "${p}" (cuda, dml, webgpu, cpu)`);
    return p;
  });
  let modelDir = values.model ?? process.env.MEDRWR_DEVICE_MODEL;
  const notes: string[] = [];
  if (!modelDir) {
    modelDir = randomModel((line) => notes.push(line)) ?? join(ROOT, 'models/fixtures/tiny-random');
    notes.push(`no real-width package given (--model DIR or MEDRWR_DEVICE_MODEL): ${modelDir.endsWith('tiny-random') ? 'the tiny fixture' : 'the random 8×512 model'}`);
  }
  modelDir = resolve(modelDir);
  const pkg = loadModelPackage(modelDir);
  const dtype = graphFile(pkg, 'decoder_model_merged', values.dtype).dtype;
  const t = pkg.manifest.text_config;
  // A float16 graph (fp16, q4f16) takes and gives float16 cache, embeddings and logits; the others float32.
  const elem = /f16/.test(dtype) ? 2 : 4;
  const shape = { layers: t.num_hidden_layers, kvHeads: t.num_key_value_heads, headDim: t.head_dim, hidden: t.hidden_size, vocab: t.vocab_size, kvBytes: elem, activationBytes: elem, logitBytes: elem };

  const d = await diagnose();
  const hardwareGpu = d.gpu.devices.length > 0 && !d.gpu.software;
  // Every provider that works here on its own; a WebGPU that only runs on a software driver is left out unless asked for.
  const chosen = asked ?? d.providers.filter((p) => p.works && (p.available || p.name === 'cpu')).map((p) => p.name);
  const skipped = d.providers.filter((p) => !chosen.includes(p.name) && p.inBuild).map((p) => `${p.label}: ${p.works ? `works only when asked for (${p.why})` : (p.error ?? p.why)}`);
  const onDevice = chosen.filter((p) => p !== 'cpu');
  notes.unshift(
    hardwareGpu
      ? `GPU: ${d.gpu.devices.join('; ')}`
      : `no GPU on this machine: ${onDevice.length ? `${onDevice.join(', ')} ran on ${d.gpu.vulkanDriver ?? 'no GPU'}, correct but not a GPU's speed` : 'CPU figures only'}`,
  );
  if (skipped.length) notes.push(`not measured: ${skipped.join('; ')}`);

  const providers: ProviderFigures[] = [];
  for (const ep of chosen) providers.push(await measure(ep, modelDir, values.dtype, settings, ep === 'cpu' ? null : decodeStepTransfer(shape, settings.promptTokens, providerSpec(ep).deviceResident)));
  const cpus = os.cpus();
  const check: DeviceCheck = {
    machine: { cpu: cpus[0]?.model.trim() ?? 'unknown', logicalCores: cpus.length, memoryBytes: os.totalmem(), platform: `${os.platform()}/${os.arch()}`, node: process.version, onnxruntime: ort.env.versions.common, gpu: d.gpu },
    gpu: hardwareGpu,
    note: notes.join('. '),
    model: { id: pkg.manifest.id, dir: modelDir, dtype, layers: t.num_hidden_layers, hidden: t.hidden_size, kvHeads: t.num_key_value_heads, headDim: t.head_dim, vocab: t.vocab_size },
    settings,
    providers,
  };
  process.stdout.write(table(check) + '\n');
  const out = resolve(values.out ?? join(ROOT, '.cache/device-check', `device-check-${new Date().toISOString().replace(/[:.]/g, '-')}.json`));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(check, null, 2) + '\n');
  process.stdout.write(`JSON: ${out}\n`);
  return providers.every((p) => p.ok) ? 0 : 1;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`device-check: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
