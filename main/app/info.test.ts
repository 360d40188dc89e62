import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppInfo } from '../api/app.js';
import { SWIFTSHADER_ICD } from '../engine/testing/webgpu.js';
import { createAppContext } from './create.js';
import { appInfo } from './info.js';

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
});
