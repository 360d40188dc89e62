import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../main/app/paths.js';
import { buildPrompt } from '../main/engine/chat.js';
import { ModelRunner } from '../main/engine/model-runner.js';
import { FIXTURE_DIR, reference, referenceImage } from '../main/engine/testing/fixture.js';
import { loadModelPackage } from '../main/engine/manifest.js';
import { variantBytes } from '../main/engine/variants.js';

/** The quantizer (models/convert, Python) against the kernels that run its output (onnxruntime-node on the CPU). */
const work = mkdtempSync(join(tmpdir(), 'medrwr-quantize-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const python = (...args: string[]) => {
  const r = spawnSync('/usr/bin/python3', args, { cwd: projectRoot(), encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
};

interface Case {
  file: string;
  inputs: Record<string, { type: 'float32' | 'float16' | 'int64'; dims: number[]; data: number[] }>;
  output: string;
  expected: number[];
  tol: number;
}

function tensor(t: Case['inputs'][string]): ort.Tensor {
  if (t.type === 'int64') return new ort.Tensor('int64', BigInt64Array.from(t.data.map(BigInt)), t.dims);
  if (t.type === 'float32') return new ort.Tensor('float32', Float32Array.from(t.data), t.dims);
  const half = new Float32Array(t.data);
  const bits = new Uint16Array(half.length);
  // the values were rounded to fp16 by numpy: their fp16 bit patterns are exact
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  half.forEach((v, i) => {
    f[0] = v;
    const x = u[0]!;
    const e = ((x >>> 23) & 0xff) - 127 + 15;
    bits[i] = ((x >>> 16) & 0x8000) | (v === 0 ? 0 : (e << 10) | ((x >>> 13) & 0x3ff));
  });
  return new ort.Tensor('float16', bits, t.dims);
}

describe('the 4-bit layouts (MatMulNBits, GatherBlockQuantized) are the ones ONNX Runtime reads', () => {
  const dir = join(work, 'cases');
  beforeAll(() => python('-m', 'models.fixtures.make_q4_cases', dir));

  it('MatMul (K not a multiple of the block), Gemm with transB and bias, the embedding Gather, q4f16 and the 8-bit MatMul (as shipped, int8 activations, and exactly at fp32 arithmetic) and Gather match numpy on the dequantized weights', async () => {
    const { cases } = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: Case[] };
    expect(cases.map((c) => c.file)).toEqual(['matmul_q4.onnx', 'gemm_q4.onnx', 'gather_q4.onnx', 'matmul_q4f16.onnx', 'matmul_q8.onnx', 'matmul_q8_level0.onnx', 'gather_q8.onnx']);
    for (const c of cases) {
      const s = await ort.InferenceSession.create(join(dir, c.file), { executionProviders: ['cpu'], intraOpNumThreads: 1 });
      const ops = readFileSync(join(dir, c.file)).toString('latin1');
      expect(ops, c.file).toMatch(/MatMulNBits|GatherBlockQuantized/);
      const out = (await s.run(Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, tensor(v)]))))[c.output]!;
      const got = out.type === 'float16' ? Array.from(out.data as Uint16Array, half) : Array.from(out.data as Float32Array);
      expect(got.length, c.file).toBe(c.expected.length);
      const err = Math.max(...got.map((g, i) => Math.abs(g - c.expected[i]!)));
      expect(err, c.file).toBeLessThan(c.tol);
      await s.release();
    }
  });
});

function half(h: number): number {
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  const v = e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15);
  return h & 0x8000 ? -v : v;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

describe('the tiny-random fixture quantized to q4, q4f16 and fp16', () => {
  const pkgDir = join(work, 'tiny-random');
  const ref = reference();
  const logits: Record<string, Float32Array> = {};
  beforeAll(async () => {
    cpSync(FIXTURE_DIR, pkgDir, { recursive: true });
    python('-m', 'models.convert.quantize_package', pkgDir, '--dtype', 'q4,q4f16,fp16');
    for (const dtype of ['fp32', 'fp16', 'q4', 'q4f16', 'auto']) {
      const r = await ModelRunner.open({ modelDir: pkgDir, ep: 'cpu', threads: 1, dtype });
      await r.feed(buildPrompt(r.manifest, [referenceImage()], ref.prompt.question));
      logits[dtype === 'auto' ? `auto:${r.dtype}` : r.dtype] = r.lastLogits.slice();
      await r.dispose();
    }
  }, 120_000);

  it('every variant loads and runs on the CPU; auto runs q4 there', () => {
    expect(Object.keys(logits).sort()).toEqual(['auto:q4', 'fp16', 'fp32', 'q4', 'q4f16']);
    expect(logits['auto:q4']).toEqual(logits.q4);
  });

  it('fp16 stays within 0.05 of the fp32 logits (measured 0.007)', () => {
    const d = Math.max(...logits.fp16!.map((v, i) => Math.abs(v - logits.fp32![i]!)));
    expect(d).toBeLessThan(0.05);
  });

  it('q4 and q4f16 keep the logits pointing the same way as fp32 (cosine measured 0.965 on this random model; bound 0.93)', () => {
    // Random weights are the worst case for 4 bits (no structure, ~10% error per weight): the trained demo model's
    // eval (MODEL_CARD.md) is the accuracy test; this one bounds gross layout or scale errors, which give cosine ~0.
    for (const d of ['q4', 'q4f16']) expect(cosine(logits[d]!, logits.fp32!), d).toBeGreaterThan(0.93);
    expect(cosine(logits.q4!, logits.q4f16!)).toBeGreaterThan(0.999);
  });

  it('the q4 graphs are at most 0.4× the fp32 ones', () => {
    const pkg = loadModelPackage(pkgDir);
    const tokenizer = readFileSync(join(pkgDir, 'tokenizer.json')).length;
    expect((variantBytes(pkg, 'q4') - tokenizer) / (variantBytes(pkg, 'fp32') - tokenizer)).toBeLessThan(0.4);
  });
});

/** The bit width of every MatMulNBits and GatherBlockQuantized of a graph, in node order. */
function widths(file: string): { op: string; bits: number }[] {
  const out = python('-c', [
    'import json, sys, onnx',
    `m = onnx.load(${JSON.stringify(file)})`,
    'print(json.dumps([{"op": n.op_type, "bits": next(a.i for a in n.attribute if a.name == "bits")} for n in m.graph.node if n.op_type in ("MatMulNBits", "GatherBlockQuantized")]))',
  ].join('\n'));
  return JSON.parse(out) as { op: string; bits: number }[];
}

describe('mixed-precision q4 (models/convert/mixed_precision.py)', () => {
  const mixed = join(work, 'mixed');
  const uniform = join(work, 'uniform');
  beforeAll(() => {
    cpSync(FIXTURE_DIR, mixed, { recursive: true });
    cpSync(FIXTURE_DIR, uniform, { recursive: true });
    python('-m', 'models.convert.quantize_package', mixed, '--dtype', 'q4,q4f16');
    python('-m', 'models.convert.quantize_package', uniform, '--dtype', 'q4', '--uniform');
  }, 120_000);

  it('keeps the embedding table, lm_head and the decoder layers at 8 bits (the fixture has 2: the first and the last), the vision tower at 4, and lists them in the manifest', () => {
    for (const d of ['q4', 'q4f16']) {
      expect(widths(join(mixed, `onnx/decoder_model_merged_${d}.onnx`)).map((w) => w.bits), d).toEqual(Array(15).fill(8)); // 2 × 7 + lm_head
      expect(widths(join(mixed, `onnx/embed_tokens_${d}.onnx`)), d).toEqual([{ op: 'GatherBlockQuantized', bits: 8 }]);
      const vision = widths(join(mixed, `onnx/vision_encoder_${d}.onnx`));
      expect(vision.length, d).toBeGreaterThan(0);
      expect(new Set(vision.map((w) => w.bits)), d).toEqual(new Set([4]));
    }
    const q = loadModelPackage(mixed).manifest.quantization?.q4 as { mixed_precision: { '8-bit': Record<string, string[]> } };
    expect(q.mixed_precision['8-bit'].decoder_model_merged).toHaveLength(15);
    expect(q.mixed_precision['8-bit'].embed_tokens).toHaveLength(1);
  });

  it('of a 10-layer decoder, picks the first and last ceil(10/8) = 2 layers and lm_head, told apart by node order alone', () => {
    // layer i: two anonymous MatMuls; then lm_head writing logits
    const out = python('-c', [
      'import json, numpy as np, onnx',
      'from onnx import TensorProto, helper, numpy_helper',
      'from models.convert.mixed_precision import eight_bit_weights',
      'w = lambda n: numpy_helper.from_array(np.zeros((32, 32), np.float32), n)',
      'nodes, inits, x = [], [], "x"',
      'for i in range(10):',
      '    for j in range(2):',
      '        inits.append(w(f"onnx::MatMul_{100 + 2 * i + j}")); nodes.append(helper.make_node("MatMul", [x, inits[-1].name], [f"h{i}{j}"])); x = f"h{i}{j}"',
      'inits.append(w("onnx::MatMul_999")); nodes.append(helper.make_node("MatMul", [x, "onnx::MatMul_999"], ["logits"]))',
      'vi = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 32])',
      'dec = helper.make_model(helper.make_graph(nodes, "d", [vi("x")], [vi("logits")], inits))',
      'emb = helper.make_model(helper.make_graph([helper.make_node("Gather", ["table", "ids"], ["e"])], "e", [helper.make_tensor_value_info("ids", TensorProto.INT64, [1])], [vi("e")], [w("table")]))',
      'print(json.dumps(eight_bit_weights(emb, dec, 10)))',
    ].join('\n'));
    const names = (ids: number[]) => ids.map((i) => `onnx::MatMul_${i}`);
    expect(JSON.parse(out)).toEqual({ embed_tokens: ['table'], decoder_model_merged: names([100, 101, 102, 103, 116, 117, 118, 119, 999]) });
  });

  it('a decoder whose weights do not split into its layers is refused with the counts named', () => {
    const r = spawnSync('/usr/bin/python3', ['-c', [
      'import onnx',
      'from models.convert.mixed_precision import eight_bit_weights',
      `e = onnx.load("${FIXTURE_DIR}/onnx/embed_tokens.onnx"); d = onnx.load("${FIXTURE_DIR}/onnx/decoder_model_merged.onnx")`,
      'eight_bit_weights(e, d, 3)',
    ].join('\n')], { cwd: projectRoot(), encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/the decoder has 14 weight MatMuls before lm_head, not a multiple of its 3 layers.*--uniform/);
  });

  it('--uniform puts every weight at 4 bits and records no exceptions', () => {
    for (const g of ['decoder_model_merged', 'embed_tokens', 'vision_encoder']) expect(new Set(widths(join(uniform, `onnx/${g}_q4.onnx`)).map((w) => w.bits)), g).toEqual(new Set([4]));
    expect(loadModelPackage(uniform).manifest.quantization?.q4).not.toHaveProperty('mixed_precision');
  });

  it('mixed q4 is closer to the fp32 logits than uniform q4 (L2 distance measured 0.07× on this random model, whose 2 decoder layers are both 8-bit; bound 0.5×)', async () => {
    const ref = reference();
    const run = async (dir: string, dtype: string) => {
      const r = await ModelRunner.open({ modelDir: dir, ep: 'cpu', threads: 1, dtype });
      await r.feed(buildPrompt(r.manifest, [referenceImage()], ref.prompt.question));
      const l = r.lastLogits.slice();
      await r.dispose();
      return l;
    };
    const fp32 = await run(mixed, 'fp32');
    const err = (l: Float32Array) => Math.sqrt(l.reduce((s, v, i) => s + (v - fp32[i]!) ** 2, 0));
    const [m, u] = [err(await run(mixed, 'q4')), err(await run(uniform, 'q4'))];
    expect(m).toBeLessThan(0.5 * u);
  }, 60_000);
});

describe('calibrated q4 (GPTQ on the decoder)', () => {
  it('the numpy interpreter that gathers the activations reproduces the reference logits, and calibrated q4 runs and stays close to fp32', { timeout: 120_000 }, async () => {
    const ref = reference();
    const check = python('-c', [
      'import json, numpy as np, onnx',
      'from models.convert.numpy_onnx import run',
      `r = json.load(open("${FIXTURE_DIR}/reference.json")); ids = r["text_only"]["input_ids"]; s = len(ids)`,
      `d = onnx.load("${FIXTURE_DIR}/onnx/decoder_model_merged.onnx"); e = onnx.load("${FIXTURE_DIR}/onnx/embed_tokens.onnx")`,
      '(x,) = run(e, {"input_ids": np.array([ids], np.int64)}, ["inputs_embeds"])',
      'past = {i.name: np.zeros((1, i.type.tensor_type.shape.dim[1].dim_value, 0, i.type.tensor_type.shape.dim[3].dim_value), np.float32) for i in d.graph.input if i.name.startswith("past")}',
      '(l,) = run(d, {"inputs_embeds": x, "attention_mask": np.ones((1, s), np.int64), "position_ids": np.broadcast_to(np.arange(s), (3, 1, s)).copy(), **past}, ["logits"])',
      'print(float(np.abs(l[0, -1, :8] - np.array(r["text_only"]["last_logits_first8"])).max()))',
    ].join('\n'));
    expect(Number(check.trim())).toBeLessThan(1e-5);

    const dir = join(work, 'calibrated');
    cpSync(FIXTURE_DIR, dir, { recursive: true });
    const texts = join(work, 'calibration.txt');
    cpSync(join(projectRoot(), 'models/fixtures/tiny_corpus.txt'), texts);
    python('-m', 'models.convert.quantize_package', dir, '--dtype', 'q4', '--calibrate', texts);
    expect(loadModelPackage(dir).manifest.quantization?.q4).toMatchObject({ rounding: expect.stringMatching(/^GPTQ on the decoder/) });
    const out: Record<string, Float32Array> = {};
    for (const dtype of ['fp32', 'q4']) {
      const r = await ModelRunner.open({ modelDir: dir, ep: 'cpu', threads: 1, dtype });
      await r.feed(buildPrompt(r.manifest, [referenceImage()], ref.prompt.question));
      out[dtype] = r.lastLogits.slice();
      await r.dispose();
    }
    expect(cosine(out.q4!, out.fp32!)).toBeGreaterThan(0.93);
  });
});
