import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeviceCheck } from '../bench/device-check.js';
import { SWIFTSHADER_ICD, useSoftwareWebGpu } from '../main/engine/testing/webgpu.js';

const work = mkdtempSync(join(tmpdir(), 'medrwr-device-check-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function deviceCheck(args: string[], softwareVulkan = false) {
  const env = { ...process.env };
  delete env.VK_ICD_FILENAMES; // as a plain machine: no software Vulkan driver chosen
  if (softwareVulkan) {
    useSoftwareWebGpu(); // fails, not skips, when the driver is missing
    Object.assign(env, { VK_ICD_FILENAMES: SWIFTSHADER_ICD, XDG_RUNTIME_DIR: '/tmp' });
  }
  return spawnSync('scripts/device-check', args, { encoding: 'utf8', env });
}

describe('scripts/device-check', () => {
  it('runs the engine benchmark on the providers that work here (CPU on this machine, and says so): a table and the JSON', () => {
    const out = join(work, 'check.json');
    const r = deviceCheck(['--model', 'models/fixtures/tiny-random', '--prompt', '16', '--steps', '2', '--repeats', '1', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('| provider | prefill tokens/s | time to first token (ms) | decode tokens/s | resume ÷ re-prefill | KV cache | host↔device bytes per decode step |');
    expect(r.stdout).toMatch(/^\| cpu \| \d+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| cpu \| – \(host memory\) \|$/m);
    const c = JSON.parse(readFileSync(out, 'utf8')) as DeviceCheck;
    expect(c.model).toMatchObject({ id: 'medrwr-tiny-random', dtype: 'fp32', layers: 2, vocab: 1000 });
    expect(c.settings).toEqual({ promptTokens: 16, decodeSteps: 2, repeats: 1, threads: null });
    expect(c.machine.onnxruntime).toBe('1.30.0');
    const cpu = c.providers.find((p) => p.provider === 'cpu')!;
    expect(cpu).toMatchObject({ ok: true, error: null, deviceResident: false, cacheLocation: ['cpu'], bytesPerDecodeStep: null, decodedTokens: 2 });
    for (const v of [cpu.prefillTokensPerS, cpu.ttftMs, cpu.decodeTokensPerS, cpu.resumeRatio]) expect(v).toBeGreaterThan(0);
    if (!c.gpu) {
      expect(c.providers.map((p) => p.provider)).toEqual(['cpu']);
      expect(c.note).toMatch(/^no GPU on this machine: CPU figures only\. .*not measured: CUDA: its provider libraries are not installed/);
    }
  });

  it('computes the bytes per decode step for a provider it is asked for, and says why one fails', () => {
    const out = join(work, 'cuda.json');
    const r = deviceCheck(['--model', 'models/fixtures/tiny-random', '--providers', 'cuda', '--prompt', '16', '--steps', '2', '--repeats', '1', '--out', out]);
    const c = JSON.parse(readFileSync(out, 'utf8')) as DeviceCheck;
    const cuda = c.providers[0]!;
    // copying provider at 16 tokens: 2 layers × K,V × 2 heads × 16 head_dim × 4 bytes, 16 tokens up and 17 down
    expect(cuda.bytesPerDecodeStep).toMatchObject({ kvBytes: 2 * 2 * 2 * 16 * 4 * (16 + 17) });
    if (!cuda.ok) {
      expect(r.status).toBe(1);
      expect(cuda.error).toMatch(/CUDA/);
      expect(r.stdout).toMatch(/^\| cuda \| failed: /m);
    }
  });

  it('measures WebGPU when asked for (software Vulkan here): the KV cache stays on the device, only step inputs and logits cross', () => {
    const out = join(work, 'webgpu.json');
    const r = deviceCheck(['--model', 'models/fixtures/tiny-random', '--providers', 'webgpu', '--prompt', '8', '--steps', '2', '--repeats', '1', '--out', out], true);
    expect(r.status, r.stderr).toBe(0);
    const c = JSON.parse(readFileSync(out, 'utf8')) as DeviceCheck;
    const webgpu = c.providers[0]!;
    expect(webgpu).toMatchObject({ provider: 'webgpu', ok: true, deviceResident: true, cacheLocation: ['gpu-buffer'], decodedTokens: 2 });
    // up: id 8 + embedding 64×4 + mask 9×8 + positions 24; down: embedding 256 + logits 1000×4
    expect(webgpu.bytesPerDecodeStep).toEqual({ upBytes: 8 + 256 + 72 + 24, downBytes: 256 + 4000, totalBytes: 360 + 4256, kvBytes: 0 });
    if (!c.gpu) expect(c.note).toMatch(/^no GPU on this machine: webgpu ran on SwiftShader/);
  });

  it('explains bad input', () => {
    const r = deviceCheck(['--prompt', 'many']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('device-check: --prompt must be a positive whole number, not "many"');
    expect(deviceCheck(['--providers', 'tpu', '--model', 'models/fixtures/tiny-random']).stderr).toContain('--providers: unknown provider "tpu"');
  });
});
