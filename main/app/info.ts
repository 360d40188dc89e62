import { arch, platform } from 'node:process';
import { listSupportedBackends } from 'onnxruntime-node';
import { gpuFacts } from '../engine/doctor.js';
import { modelSummary } from '../engine/variants.js';
import { readSettings, resolveSettingPath } from '../cases/settings-store.js';
import { DISCLAIMER } from '../api/contract.js';
import type { AppInfo } from '../api/app.js';
import type { AppContext } from './context.js';
import { appVersion, packageVersion } from './version.js';
import { projectRoot } from './paths.js';

const KEY_LIBRARIES = ['onnxruntime-node', 'better-sqlite3', 'hnswlib-node', 'dicom-parser', '@huggingface/tokenizers', 'react', 'electron'];

export function appInfo(ctx: AppContext): AppInfo {
  const settings = readSettings(ctx.dataDir);
  return {
    name: 'Med-RwR Workstation',
    version: appVersion(),
    transport: ctx.transport,
    platform,
    arch,
    nodeVersion: process.versions.node,
    dataDir: ctx.dataDir,
    executionProviders: listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled })),
    gpu: gpuFacts(),
    model: modelSummary(resolveSettingPath({ installDir: projectRoot() }, settings.modelDir), settings.modelDtype, settings.executionProvider),
    libraries: Object.fromEntries(KEY_LIBRARIES.map((name) => [name, packageVersion(name)])),
    disclaimer: DISCLAIMER,
  };
}
