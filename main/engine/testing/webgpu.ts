import { existsSync } from 'node:fs';

/** Chromium's SwiftShader Vulkan driver (Debian `chromium`): WebGPU on a machine without a GPU (real-model.md §5). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Points this process's WebGPU at SwiftShader, before the first WebGPU session (Dawn reads the environment then).
 * Fails loudly when the driver is missing: the WebGPU tests must not pass by skipping.
 */
export function useSoftwareWebGpu(): void {
  if (!existsSync(SWIFTSHADER_ICD)) throw new Error(`WebGPU tests need ${SWIFTSHADER_ICD} (apt-get install chromium libvulkan1)`);
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
}
