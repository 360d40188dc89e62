import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hardwareGpuVisible } from '../../engine/providers.js';
import { SWIFTSHADER_ICD, useSoftwareWebGpu } from '../../engine/testing/webgpu.js';

// The README's demo case on WebGPU (Chromium's SwiftShader Vulkan driver here: software, so one round only, without
// retrieval, to keep it to a couple of minutes on a shared CPU) against the CPU provider.
const work = mkdtempSync(join(tmpdir(), 'medrwr-ask-webgpu-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const demoCase = ['--model', 'models/medrwr-tiny', '--kb', 'kb/demo/index', '--image', 'demo/studies/study-08-us.dcm', '--question', 'Which condition best explains the finding?'];
const options = ['A. Varnel cyst', 'B. Lindqvar adenoma', 'C. Telmar mass', 'D. Rowbeck nodule'].flatMap((o) => ['--option', o]);

interface AskJson {
  status: string;
  answer: { letter: string; distribution: Record<string, number> };
  provenance: { executionProvider: string };
  events: { type: string; message?: string }[];
  transcript: string;
}

function ask(ep: string, extra: string[] = [], softwareVulkan = ep === 'webgpu'): AskJson {
  const env = { ...process.env };
  delete env.VK_ICD_FILENAMES;
  if (softwareVulkan) {
    useSoftwareWebGpu(); // fails, not skips, when the driver is missing
    Object.assign(env, { VK_ICD_FILENAMES: SWIFTSHADER_ICD, XDG_RUNTIME_DIR: '/tmp' });
  }
  const r = spawnSync(process.execPath, ['bin/medrwr.js', 'ask', '--data-dir', join(work, 'data'), ...demoCase, ...options, '--no-retrieval', '--no-cdir', '--json', '--ep', ep, ...extra], { encoding: 'utf8', env });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as AskJson;
}

describe('medrwr ask --ep webgpu', () => {
  it('answers the demo case on WebGPU as on CPU: same text, same letter, probabilities within 1e-3', { timeout: 600_000 }, () => {
    const cpu = ask('cpu');
    const gpu = ask('webgpu');
    expect(cpu.status).toBe('completed');
    expect(gpu.status).toBe('completed');
    expect(gpu.provenance.executionProvider).toBe('webgpu');
    expect(gpu.events.filter((e) => e.type === 'notice')).toEqual([]);
    expect(gpu.answer.letter).toBe(cpu.answer.letter);
    expect(gpu.transcript).toBe(cpu.transcript);
    for (const [letter, p] of Object.entries(cpu.answer.distribution)) expect(Math.abs(gpu.answer.distribution[letter]! - p)).toBeLessThan(1e-3);
  });

  // A machine with a GPU has an adapter: nothing to fall back from there.
  it.skipIf(hardwareGpuVisible())('falls back to CPU with a notice when no WebGPU adapter exists (no Vulkan driver chosen, no GPU)', () => {
    const r = ask('webgpu', ['--max-new-tokens', '4'], false);
    expect(r.provenance.executionProvider).toBe('cpu');
    expect(r.events.find((e) => e.type === 'notice' && /^WebGPU failed to initialise \(.*Failed to get a WebGPU adapter.*\); running on CPU$/.test(e.message!))).toBeDefined();
  });
});
