import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { projectRoot } from '../app/paths.js';
import { buildPrompt } from './chat.js';
import { ModelRunner } from './model-runner.js';
import { FIXTURE_DIR, maxAbsDiff, reference, referenceImage } from './testing/fixture.js';
import { useSoftwareWebGpu } from './testing/webgpu.js';

// The quantized variants on WebGPU, here on Chromium's software Vulkan driver, which has no fp16 shaders: `auto` must
// notice that before the first token and run q4 (4-bit weights, fp32 arithmetic), which equals the CPU's q4.
useSoftwareWebGpu();
const work = mkdtempSync(join(tmpdir(), 'medrwr-webgpu-variants-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('auto on a WebGPU device without fp16 runs q4 instead of q4f16, says so, and matches the CPU q4 logits', { timeout: 300_000 }, async () => {
  const dir = join(work, 'pkg');
  cpSync(FIXTURE_DIR, dir, { recursive: true });
  // All 4-bit: mixed precision's 8-bit weights run int8 activations on the CPU (accuracy level 4) but fp32 on WebGPU,
  // so only the uniform graphs can match the CPU's logits this closely.
  const q = spawnSync('/usr/bin/python3', ['-m', 'models.convert.quantize_package', dir, '--dtype', 'q4,q4f16', '--uniform'], { cwd: projectRoot(), encoding: 'utf8' });
  expect(q.status, q.stderr).toBe(0);
  const logits: Float32Array[] = [];
  for (const ep of ['webgpu', 'cpu'] as const) {
    const r = await ModelRunner.open({ modelDir: dir, ep, threads: 1 });
    try {
      expect(r.provider).toBe(ep);
      expect(r.dtype).toBe('q4');
      if (ep === 'webgpu') expect(r.fallbackNotice).toMatch(/WebGPU cannot compute in fp16 on this device, so the q4 variant runs instead of q4f16/);
      await r.feed(buildPrompt(r.manifest, [referenceImage()], reference().prompt.question));
      logits.push(r.lastLogits.slice());
    } finally {
      await r.dispose();
    }
  }
  expect(maxAbsDiff(logits[0]!, logits[1]!)).toBeLessThan(5e-3);
});
