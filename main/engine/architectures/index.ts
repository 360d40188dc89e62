import type { Manifest } from '../manifest.js';
import type { Architecture } from './architecture.js';
import { qwen25vl } from './qwen2-5-vl.js';

/** Every architecture the engine runs, by the manifest's `architecture`: a new one is one entry and one file. */
const ARCHITECTURES: Record<Manifest['architecture'], (m: Manifest, maxPixels?: number) => Architecture> = {
  qwen2_5_vl: qwen25vl,
};

export function architectureOf(manifest: Manifest, maxPixels?: number): Architecture {
  return ARCHITECTURES[manifest.architecture](manifest, maxPixels);
}

export type { Architecture } from './architecture.js';
