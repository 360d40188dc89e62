import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env as tjsEnv, Qwen2_5_VLForConditionalGeneration, Tensor } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patchify, type VisionConfig } from '../imaging/patchify.js';
import { buildPrompt } from './chat.js';
import { ModelRunner } from './model-runner.js';
import { maxAbsDiff, referenceImage } from './testing/fixture.js';
import { HF_FIXTURE_DIR, hfReference, runConverter, type HfScenario } from './testing/hf-fixture.js';

// The converter (models/convert/qwen25vl) on a random checkpoint in the published Hugging Face format, run through
// our engine, against what Hugging Face transformers v4.49.0 computes on the same weights (reference.json).
const ref = hfReference();
const tmp = mkdtempSync(join(tmpdir(), 'hf-parity-'));
const PKG = join(tmp, 'pkg');
const FULL = join(tmp, 'full-attention');
let runner: ModelRunner;

beforeAll(async () => {
  const [a, b] = await Promise.all([
    runConverter([HF_FIXTURE_DIR, '--out', PKG, '--synthetic']),
    runConverter([HF_FIXTURE_DIR, '--out', FULL, '--synthetic', '--debug-full-attention']),
  ]);
  for (const r of [a, b]) if (r.code !== 0) throw new Error(`converter failed (${r.code}): ${r.stderr}`);
  runner = await ModelRunner.open({ modelDir: PKG, ep: 'cpu', threads: 1 });
}, 180_000);
afterAll(async () => {
  await runner?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

const images = () => ref.vision.images.map(([w, h]) => referenceImage(w, h));
const hidden = () => ref.vision.shape[1];

function visionConfig(): VisionConfig {
  const ip = runner.manifest.image_processor;
  return { patchSize: 14, temporalPatchSize: 2, mergeSize: 2, minPixels: ip.min_pixels, maxPixels: ip.max_pixels, mean: ip.image_mean, std: ip.image_std, rescale: ip.rescale_factor };
}

function patchImages(sizes: readonly [number, number][]): { pixels: Float32Array; grids: number[] } {
  const patched = sizes.map(([w, h]) => patchify(referenceImage(w, h), visionConfig()));
  const pixels = new Float32Array(patched.reduce((n, p) => n + p.pixelValues.length, 0));
  let at = 0;
  for (const p of patched) {
    pixels.set(p.pixelValues, at);
    at += p.pixelValues.length;
  }
  return { pixels, grids: patched.flatMap((p) => [...p.grid]) };
}

/** One vision_encoder call over every reference image (patches concatenated, one image_grid_thw row each). */
async function featuresInOneCall(dir: string): Promise<Float32Array> {
  const { pixels, grids } = patchImages(ref.vision.images);
  const session = await ort.InferenceSession.create(join(dir, 'onnx/vision_encoder.onnx'));
  try {
    const out = await session.run({
      pixel_values: new ort.Tensor('float32', pixels, [pixels.length / 1176, 1176]),
      image_grid_thw: new ort.Tensor('int64', BigInt64Array.from(grids.map(BigInt)), [grids.length / 3, 3]),
    });
    return out.image_features!.data as Float32Array;
  } finally {
    await session.release();
  }
}

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

async function checkScenario(s: HfScenario): Promise<void> {
  const imgs = s.images.map(([w, h]) => referenceImage(w, h));
  const chunk = await runner.prepare(buildPrompt(runner.manifest, imgs, ref.question));
  expect(chunk.ids).toEqual(s.input_ids);
  expect(chunk.blocks.map((b) => b.grid)).toEqual(s.image_grid_thw);
  runner.reset();
  await runner.run(chunk);
  expect(runner.ropeDelta).toBe(s.rope_delta);
  expect(maxAbsDiff(runner.lastLogits, s.logits[0]!)).toBeLessThanOrEqual(ref.tolerance.logits);
  for (let k = 1; k < s.tokens.length; k++) {
    const tok = argmax(runner.lastLogits);
    expect(tok).toBe(s.tokens[k - 1]);
    await runner.feedIds([tok]); // one cached step
    expect(maxAbsDiff(runner.lastLogits, s.logits[k]!)).toBeLessThanOrEqual(ref.tolerance.logits);
  }
  expect(argmax(runner.lastLogits)).toBe(s.tokens.at(-1));
}

describe('converted Hugging Face Qwen2.5-VL checkpoint vs transformers v4.49.0 (models/fixtures/hf-qwen25vl-tiny)', () => {
  it('encodes each image as HF does (window attention, edge windows), image by image through the engine', async () => {
    let row = 0;
    for (const img of images()) {
      const { features, tokens } = await runner.encodeImage(img);
      const want = ref.vision.features.slice(row * hidden(), (row + tokens) * hidden());
      expect(maxAbsDiff(features, want)).toBeLessThanOrEqual(ref.tolerance.image_features);
      row += tokens;
    }
    expect(row).toBe(ref.vision.shape[0]);
  });

  it('encodes two images of different sizes in one vision_encoder call as HF does', async () => {
    expect(maxAbsDiff(await featuresInOneCall(PKG), ref.vision.features)).toBeLessThanOrEqual(ref.tolerance.image_features);
  });

  it('tells window attention from full attention: an export with every block full is far off the reference', async () => {
    const full = await featuresInOneCall(FULL);
    expect(full.length).toBe(ref.vision.features.length);
    expect(maxAbsDiff(full, ref.vision.features)).toBeGreaterThan(100 * ref.tolerance.image_features);
  });

  it('one image: same prompt ids, rope_delta, last-position logits and 10 cached greedy steps', async () => {
    await checkScenario(ref.one_image);
  });

  it('two images of different sizes: same prompt ids, rope_delta, logits and 10 cached greedy steps', async () => {
    await checkScenario(ref.two_images);
  });

  it('computes logits only where asked (num_logits_to_keep, HF convention: 0 keeps every position)', async () => {
    const m = runner.manifest.text_config;
    const session = await ort.InferenceSession.create(join(PKG, 'onnx/decoder_model_merged.onnx'));
    try {
      const n = 5;
      const feeds: Record<string, ort.Tensor> = {
        inputs_embeds: new ort.Tensor('float32', new Float32Array(n * m.hidden_size).map((_, i) => Math.sin(i)), [1, n, m.hidden_size]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
        position_ids: new ort.Tensor('int64', BigInt64Array.from({ length: 3 * n }, (_, i) => BigInt(i % n)), [3, 1, n]),
      };
      for (let i = 0; i < m.num_hidden_layers; i++) {
        for (const kind of ['key', 'value']) feeds[`past_key_values.${i}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [1, m.num_key_value_heads, 0, m.head_dim]);
      }
      const run = async (keep: number) => (await session.run({ ...feeds, num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.from([BigInt(keep)]), []) })).logits!;
      const all = await run(0);
      const last = await run(1);
      const two = await run(2);
      expect([all.dims, last.dims, two.dims]).toEqual([[1, n, m.vocab_size], [1, 1, m.vocab_size], [1, 2, m.vocab_size]]);
      const rows = all.data as Float32Array;
      expect(maxAbsDiff(last.data as Float32Array, rows.subarray((n - 1) * m.vocab_size))).toBeLessThan(1e-5);
      expect(maxAbsDiff(two.data as Float32Array, rows.subarray((n - 2) * m.vocab_size))).toBeLessThan(1e-5);
    } finally {
      await session.release();
    }
  });

  it('is also a transformers.js model folder: @huggingface/transformers loads it and computes the HF logits', async () => {
    tjsEnv.allowRemoteModels = false;
    tjsEnv.localModelPath = tmp;
    const model = await Qwen2_5_VLForConditionalGeneration.from_pretrained('pkg', { dtype: 'fp32', device: 'cpu' });
    try {
      for (const s of [ref.one_image, ref.two_images]) {
        const { pixels, grids } = patchImages(s.images);
        const n = s.input_ids.length;
        const out = (await model({
          input_ids: new Tensor('int64', BigInt64Array.from(s.input_ids.map(BigInt)), [1, n]),
          attention_mask: new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
          pixel_values: new Tensor('float32', pixels, [pixels.length / 1176, 1176]),
          image_grid_thw: new Tensor('int64', BigInt64Array.from(grids.map(BigInt)), [grids.length / 3, 3]),
        })) as { logits: Tensor };
        const data = out.logits.data as Float32Array;
        expect(maxAbsDiff(data.subarray(data.length - s.logits[0]!.length), s.logits[0]!)).toBeLessThanOrEqual(ref.tolerance.logits);
      }
    } finally {
      await model.dispose();
    }
  });
});
