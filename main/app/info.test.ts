import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppInfo } from '../api/app.js';
import { SWIFTSHADER_ICD } from '../engine/testing/webgpu.js';
import { createAppContext } from './create.js';
import { appInfo } from './info.js';
import { writeSettings } from '../cases/settings-store.js';
import { hardwareGpuVisible } from '../engine/providers.js';

const ctx = createAppContext({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-info-')), transport: 'web' });
const saved = process.env.VK_ICD_FILENAMES;
afterEach(() => {
  if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
  else process.env.VK_ICD_FILENAMES = saved;
});

describe('app.info', () => {
  it('names the GPUs the system lists (none on this machine) and no Vulkan driver when none is chosen', () => {
    delete process.env.VK_ICD_FILENAMES;
    const info = AppInfo.parse(appInfo(ctx));
    expect(info.gpu).toEqual({ devices: existsSync('/dev/dri') || existsSync('/proc/driver/nvidia/gpus') ? info.gpu.devices : [], vulkanDriver: null, software: false });
  });

  it('names a software Vulkan driver as such', () => {
    if (!existsSync(SWIFTSHADER_ICD)) throw new Error(`this test needs ${SWIFTSHADER_ICD} (apt-get install chromium)`);
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    const info = AppInfo.parse(appInfo(ctx));
    expect(info.gpu.vulkanDriver).toMatch(/^SwiftShader \(software Vulkan, .*libvk_swiftshader\.so\)$/);
    expect(info.gpu.software).toBe(true);
  });

  it('names the model package the settings run, the variant auto resolves to, its size and the provider; or why it cannot load', () => {
    const own = createAppContext({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-info-model-')), transport: 'web' });
    const m = AppInfo.parse(appInfo(own)).model;
    expect(m).toMatchObject({ id: 'medrwr-tiny', synthetic: true, variant: 'fp32', variants: ['fp32'], provider: hardwareGpuVisible() ? expect.any(String) : 'cpu' });
    expect('bytes' in m && m.bytes).toBeGreaterThan(8e6);
    writeSettings(own.dataDir, { modelDir: join(own.dataDir, 'no-model') });
    expect(AppInfo.parse(appInfo(own)).model).toEqual({ dir: join(own.dataDir, 'no-model'), error: expect.stringMatching(/no model package at .*no-model: manifest\.json is missing/) });
  });
});
