import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../app/paths.js';
import { buildPrompt } from './chat.js';
import { createEngine } from './engine-client.js';
import { verifyPackage } from './integrity.js';
import { loadModelPackage, type Manifest } from './manifest.js';
import { ModelRunner } from './model-runner.js';
import { bitRot } from './testing/bit-rot.js';
import { FIXTURE_DIR, reference, referenceImage } from './testing/fixture.js';
import { chooseVariant, packageVariants, variantFiles } from './variants.js';

const work = mkdtempSync(join(tmpdir(), 'medrwr-variants-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const python = (...args: string[]) => {
  const r = spawnSync('/usr/bin/python3', args, { cwd: projectRoot(), encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  expect(r.status, r.stderr).toBe(0);
};
const ref = reference();

function withVariants(...dtypes: string[]): Manifest {
  const m = structuredClone(loadModelPackage(FIXTURE_DIR).manifest);
  for (const g of ['vision_encoder', 'embed_tokens', 'decoder_model_merged'] as const) for (const d of dtypes) m.files[g][d] = { path: `onnx/${g}_${d}.onnx`, sha256: '0'.repeat(64) };
  return m;
}

describe('choosing the variant', () => {
  it('auto: q4f16 on a GPU provider, q4 on the CPU, else what the package has; a variant missing from one graph is not usable', () => {
    const all = withVariants('fp16', 'q4', 'q4f16');
    expect(chooseVariant(all, 'auto', 'webgpu')).toBe('q4f16');
    expect(chooseVariant(all, 'auto', 'cuda')).toBe('q4f16');
    expect(chooseVariant(all, undefined, 'cpu')).toBe('q4');
    expect(chooseVariant(withVariants('fp16'), 'auto', 'dml')).toBe('fp16');
    expect(chooseVariant(withVariants('fp16'), 'auto', 'cpu')).toBe('fp32');
    expect(chooseVariant(withVariants(), 'auto', 'webgpu')).toBe('fp32');
    const partial = withVariants('q4');
    delete partial.files.embed_tokens.q4;
    expect(packageVariants(partial)).toEqual(['fp32']);
    expect(chooseVariant(partial, 'auto', 'cpu')).toBe('fp32');
  });

  it('an explicit dtype the package lacks is refused with what it has', () => {
    expect(chooseVariant(withVariants('q4'), 'q4', 'webgpu')).toBe('q4');
    expect(() => chooseVariant(withVariants('q4'), 'q4f16', 'cpu')).toThrow(/model medrwr-tiny-random has no q4f16 variant \(it has fp32, q4\); add it with "medrwr model quantize <package> --dtype q4f16"/);
  });

  it('createEngine names a missing variant at once, before any worker or load timer starts', async () => {
    const t0 = performance.now();
    await expect(createEngine({ modelDir: FIXTURE_DIR, dtype: 'q4', ep: 'cpu' })).rejects.toThrow(/has no q4 variant \(it has fp32\)/);
    expect(performance.now() - t0).toBeLessThan(5_000); // not the 5-minute load timeout
  });
});

describe('a package with variants and external data', () => {
  const dir = join(work, 'pkg');
  beforeAll(() => {
    cpSync(FIXTURE_DIR, dir, { recursive: true });
    python('-m', 'models.fixtures.make_q4_cases', '--external', dir); // fp32 weights in onnx/<graph>.onnx_data
    python('-m', 'models.convert.quantize_package', dir, '--dtype', 'q4');
  }, 60_000);

  it('lists every external data file with its sha256; the quantized variant of an external graph is external too', () => {
    const m = loadModelPackage(dir).manifest;
    expect(m.files.decoder_model_merged.fp32!.data).toEqual([{ path: 'onnx/decoder_model_merged.onnx_data', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(m.files.decoder_model_merged.q4!.data?.map((d) => d.path)).toEqual(['onnx/decoder_model_merged_q4.onnx_data']);
    expect(variantFiles(m, 'q4').map((f) => f.path)).toEqual([
      'onnx/vision_encoder_q4.onnx', 'onnx/vision_encoder_q4.onnx_data', 'onnx/embed_tokens_q4.onnx', 'onnx/embed_tokens_q4.onnx_data',
      'onnx/decoder_model_merged_q4.onnx', 'onnx/decoder_model_merged_q4.onnx_data', 'tokenizer.json',
    ]);
  });

  it('an external-data graph loads and gives the fixture reference logits', async () => {
    const r = await ModelRunner.open({ modelDir: dir, ep: 'cpu', threads: 1, dtype: 'fp32' });
    try {
      await r.feed(buildPrompt(r.manifest, [referenceImage()], ref.prompt.question));
      const first8 = Array.from(r.lastLogits.subarray(0, 8));
      expect(Math.max(...first8.map((v, i) => Math.abs(v - ref.last_logits_first8[i]!)))).toBeLessThan(ref.tolerance);
    } finally {
      await r.dispose();
    }
  });

  it('the content check covers the chosen variant only, and names its damaged or missing file, data files included', async () => {
    const copy = join(work, 'damaged');
    cpSync(dir, copy, { recursive: true });
    bitRot(join(copy, 'onnx', 'decoder_model_merged_q4.onnx_data'));
    expect(await verifyPackage(loadModelPackage(copy), { dtype: 'fp32' })).toMatchObject({ files: 7 });
    await expect(verifyPackage(loadModelPackage(copy), { dtype: 'q4' })).rejects.toThrow(/model file onnx\/decoder_model_merged_q4\.onnx_data failed its integrity check/);
    await expect(verifyPackage(loadModelPackage(copy))).rejects.toThrow(/decoder_model_merged_q4\.onnx_data failed its integrity check/);
    unlinkSync(join(copy, 'onnx', 'vision_encoder_q4.onnx_data'));
    expect(() => loadModelPackage(copy)).toThrow(/model file onnx\/vision_encoder_q4\.onnx_data is missing/);
  });

  it('a graph reading weights from a file its manifest does not list is refused, the file named', async () => {
    const copy = join(work, 'unlisted');
    cpSync(dir, copy, { recursive: true });
    const file = join(copy, 'manifest.json');
    const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    delete m.files.embed_tokens.fp32!.data;
    writeFileSync(file, JSON.stringify(m));
    await expect(ModelRunner.open({ modelDir: copy, ep: 'cpu', threads: 1, dtype: 'fp32' })).rejects.toThrow(
      /model file onnx\/embed_tokens\.onnx reads its weights from "embed_tokens\.onnx_data" \(onnx\/embed_tokens\.onnx_data\), which manifest\.json does not list for embed_tokens fp32/,
    );
  });
});
