import { z } from 'zod';
import { method } from './define.js';

export const ExecutionProviderInfo = z.object({
  name: z.string(),
  /** true when the binary ships inside onnxruntime-node; false when it needs an opt-in install (CUDA). */
  bundled: z.boolean(),
});

/** The model package the settings name, the dtype variant it will run and on which provider (or why it cannot load). */
export const ModelSummary = z.union([
  z.object({
    dir: z.string(),
    id: z.string(),
    version: z.string(),
    name: z.string(),
    synthetic: z.boolean(),
    /** The variant `auto` (or the setting) resolves to on `provider`, its files' bytes, and every variant the package has. */
    variant: z.string(),
    bytes: z.number().int().nonnegative(),
    variants: z.array(z.string()),
    provider: z.string(),
  }),
  z.object({ dir: z.string(), error: z.string() }),
]);
export type ModelSummary = z.infer<typeof ModelSummary>;

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  transport: z.enum(['electron', 'web']),
  platform: z.string(),
  arch: z.string(),
  nodeVersion: z.string(),
  dataDir: z.string(),
  executionProviders: z.array(ExecutionProviderInfo),
  /** The GPUs the system lists and the Vulkan driver WebGPU would use (software: SwiftShader or lavapipe, correct but slow). */
  gpu: z.object({ devices: z.array(z.string()), vulkanDriver: z.string().nullable(), software: z.boolean() }),
  model: ModelSummary,
  libraries: z.record(z.string(), z.string()),
  disclaimer: z.string(),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const appMethods = {
  'app.info': method(z.object({}).strict(), AppInfo, 'Versions, platform, data directory, the execution providers onnxruntime-node reports, and the model package with the variant it runs.'),
};
