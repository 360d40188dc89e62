import { z } from 'zod';
import { method } from './define.js';

export const ExecutionProviderInfo = z.object({
  name: z.string(),
  /** true when the binary ships inside onnxruntime-node; false when it needs an opt-in install (CUDA). */
  bundled: z.boolean(),
});

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
  libraries: z.record(z.string(), z.string()),
  disclaimer: z.string(),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const appMethods = {
  'app.info': method(z.object({}).strict(), AppInfo, 'Versions, platform, data directory and the execution providers onnxruntime-node reports.'),
};
