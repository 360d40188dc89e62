import { z } from 'zod';
import { method } from './define.js';

/** Where passages come from: a knowledge-base folder, a remote retriever speaking Med-RwR's `/queries`, or none. */
export const KbSetting = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local'), dir: z.string().min(1, 'the knowledge-base folder must not be empty') }),
  z.object({
    kind: z.literal('remote'),
    url: z.url({ protocol: /^https?$/, error: 'the remote retriever URL must be an http(s) URL' }),
  }),
  z.object({ kind: z.literal('none') }),
]);
export type KbSetting = z.infer<typeof KbSetting>;

export const ExecutionProviderSetting = z.enum(['auto', 'cuda', 'dml', 'webgpu', 'cpu']);
/** The model package's dtype variant: `auto` = q4f16 on a GPU provider, q4 on the CPU, else what the package has. */
export const ModelDtypeSetting = z.enum(['auto', 'fp32', 'fp16', 'q4', 'q4f16']);

/** Qwen2.5-VL's smallest image is 56×56 (4 merged patches); the largest we allow keeps prefill on a laptop sane. */
export const MIN_IMAGE_PIXELS = 56 * 56;
export const MAX_IMAGE_PIXELS = 16384 * 28 * 28;

export const Settings = z.object({
  /** A model package folder; relative paths are resolved against the app's install folder. */
  modelDir: z.string().min(1, 'the model folder must not be empty'),
  kb: KbSetting,
  executionProvider: ExecutionProviderSetting,
  modelDtype: ModelDtypeSetting,
  cdirThreshold: z.number().min(0, 'the CDIR threshold is a probability, 0 to 1').max(1, 'the CDIR threshold is a probability, 0 to 1'),
  rounds: z.number().int('rounds must be a whole number').min(1, 'rounds must be 1 to 3').max(3, 'rounds must be 1 to 3'),
  k: z.number().int('k must be a whole number').min(1, 'k (passages per query) must be 1 to 10').max(10, 'k (passages per query) must be 1 to 10'),
  maxImagePixels: z
    .number()
    .int('max image pixels must be a whole number')
    .min(MIN_IMAGE_PIXELS, `max image pixels must be at least ${MIN_IMAGE_PIXELS} (56×56)`)
    .max(MAX_IMAGE_PIXELS, `max image pixels must be at most ${MAX_IMAGE_PIXELS}`),
});
export type Settings = z.infer<typeof Settings>;

/** A partial update: only the fields given change; each is checked like the whole. */
export const SettingsPatch = Settings.partial().strict();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

export const settingsMethods = {
  'settings.get': method(z.object({}).strict(), Settings, 'The persisted settings: model folder, knowledge base, execution provider, model variant (dtype), CDIR threshold, rounds, k, max image pixels.'),
  'settings.set': method(SettingsPatch, Settings, 'Change some settings; invalid values are refused with the reason and nothing is saved.'),
};
