import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../engine/doctor.js';
import { hardwareGpuVisible } from '../../engine/providers.js';
import { SWIFTSHADER_ICD, useSoftwareWebGpu } from '../../engine/testing/webgpu.js';

/** `medrwr doctor` in a child process, with the Vulkan driver chosen (SwiftShader) or not. */
function doctor(args: string[], softwareVulkan: boolean) {
  const env = { ...process.env };
  delete env.VK_ICD_FILENAMES;
  if (softwareVulkan) {
    useSoftwareWebGpu(); // fails, not skips, when the driver is missing
    Object.assign(env, { VK_ICD_FILENAMES: SWIFTSHADER_ICD, XDG_RUNTIME_DIR: '/tmp' });
  }
  return spawnSync(process.execPath, ['bin/medrwr.js', 'doctor', ...args], { encoding: 'utf8', env });
}

describe('medrwr doctor', () => {
  it('says in plain words that CPU works, what CUDA is missing, and that WebGPU has no adapter without a driver', () => {
    const r = doctor([], false);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}CPU +works here$/m);
    expect(r.stdout).toMatch(/^ {2}CUDA +does not work here: its provider libraries are not installed \(libonnxruntime_providers_cuda\.so is missing beside the binding; see README "GPU"\)$/m);
    if (hardwareGpuVisible()) expect(r.stdout).toMatch(/^ {2}WebGPU +works here; keeps the KV cache on the device$/m);
    else expect(r.stdout).toMatch(/^ {2}WebGPU +does not work here: Failed to get a WebGPU adapter/m);
    expect(r.stdout).toMatch(/^CPU: .*\d+ logical cores/m);
    expect(r.stdout).toMatch(/^Memory: [\d.]+ GiB free of [\d.]+ GiB$/m);
  });

  it('--json: WebGPU works when asked for on the software Vulkan driver, and a model package is sized', () => {
    const r = doctor(['--json', '--model', 'models/medrwr-tiny', '--context', '2000'], true);
    expect(r.status).toBe(0);
    const d = JSON.parse(r.stdout) as Diagnosis;
    const by = Object.fromEntries(d.providers.map((p) => [p.name, p]));
    expect(by.cpu).toMatchObject({ inBuild: true, available: true, works: true, deviceResident: false });
    expect(by.cuda).toMatchObject({ available: false, works: false, why: expect.stringContaining('libonnxruntime_providers_cuda.so is missing') });
    expect(by.webgpu).toMatchObject({ inBuild: true, available: false, works: true, deviceResident: true, why: expect.stringContaining('software Vulkan driver') });
    expect(d.gpu).toMatchObject({ vulkanDriver: expect.stringMatching(/^SwiftShader/), software: true });
    const onnx = join('models/medrwr-tiny/onnx');
    const weights = readdirSync(onnx).reduce((sum, f) => sum + statSync(join(onnx, f)).size, 0);
    // 3 layers × keys and values × 2 KV heads × head_dim 32 × 2,000 tokens × 4 bytes (fp32)
    expect(d.model).toMatchObject({ id: 'medrwr-tiny', dtype: 'fp32', weightBytes: weights, kvCacheBytes: 3 * 2 * 2 * 32 * 2000 * 4, context: 2000, fitsInMemory: true });
  });

  it('plain text with a model: its size and whether it fits', () => {
    const r = doctor(['--model', 'models/medrwr-tiny'], true);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}WebGPU +works here when asked for \(no GPU adapter is visible/m);
    expect(r.stdout).toMatch(/^Vulkan driver: SwiftShader .*\(software: correct but slow\)$/m);
    expect(r.stdout).toMatch(/^Model medrwr-tiny \(fp32\): weights [\d.]+ MiB, KV cache at 4096 tokens 6\.0 MiB: fits in free memory$/m);
  });

  it('explains bad input', () => {
    const missing = doctor(['--model', '/nonexistent/model'], false);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('medrwr doctor: no model package at /nonexistent/model: manifest.json is missing or unreadable');
    const dtype = doctor(['--model', 'models/medrwr-tiny', '--dtype', 'q4f16'], false);
    expect(dtype.status).toBe(1);
    expect(dtype.stderr).toContain('model medrwr-tiny has no q4f16 variant (it has fp32)');
    const context = doctor(['--context', '0'], false);
    expect(context.status).toBe(2);
    expect(context.stderr).toContain('--context must be a positive whole number of tokens, not "0"');
  });
});
