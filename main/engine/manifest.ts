import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { confinedPath, regularFile } from '../common/package-path.js';

/** The model package format `medrwr-model/1` (DESIGN §5, briefs/model-package.md): the contract with the Python exporters. */
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const FileRef = z.object({ path: z.string().min(1), sha256: Sha256 });
/** A graph file; one over 2 GB keeps its weights in external data files (`<file>_data`, …) that ONNX Runtime reads from
 * beside it: each is listed, so it is confined and hashed like the graph. */
const GraphRef = FileRef.extend({ data: z.array(FileRef).optional() });
/** One graph in one or more dtype variants (`fp32`, `fp16`, `q4`, `q4f16`). */
const GraphFiles = z.record(z.string(), GraphRef).refine((v) => Object.keys(v).length > 0, 'needs at least one dtype variant');

export const Manifest = z.object({
  format: z.literal('medrwr-model/1'),
  id: z.string().min(1),
  version: z.string().min(1),
  name: z.string(),
  licence: z.string(),
  architecture: z.literal('qwen2_5_vl'),
  synthetic: z.boolean(),
  files: z.object({
    vision_encoder: GraphFiles,
    embed_tokens: GraphFiles,
    decoder_model_merged: GraphFiles,
    tokenizer: FileRef,
  }),
  text_config: z.object({
    hidden_size: z.number().int().positive(),
    num_hidden_layers: z.number().int().positive(),
    num_attention_heads: z.number().int().positive(),
    num_key_value_heads: z.number().int().positive(),
    head_dim: z.number().int().positive(),
    vocab_size: z.number().int().positive(),
    rope_theta: z.number().positive(),
    mrope_section: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
    max_position_embeddings: z.number().int().positive(),
  }),
  vision_config: z.object({
    patch_size: z.number().int().positive(),
    temporal_patch_size: z.number().int().positive(),
    spatial_merge_size: z.number().int().positive(),
    in_channels: z.literal(3),
    hidden_size: z.number().int().positive(),
    out_hidden_size: z.number().int().positive(),
  }),
  special_tokens: z.object({
    im_start: z.string(),
    im_end: z.string(),
    endoftext: z.string(),
    vision_start: z.string(),
    vision_end: z.string(),
    image_pad: z.string(),
    video_pad: z.string(),
    eos: z.array(z.string()).min(1),
  }),
  chat_template: z.object({
    system: z.string().includes('{system}'),
    user_start: z.string(),
    user_end: z.string(),
    assistant_start: z.string(),
    image: z.string(),
  }),
  system_prompt: z.string(),
  image_processor: z.object({
    min_pixels: z.number().int().positive(),
    max_pixels: z.number().int().positive(),
    image_mean: z.tuple([z.number(), z.number(), z.number()]),
    image_std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
    rescale_factor: z.number().positive(),
    resample: z.literal('bicubic'),
  }),
  generation: z.object({
    max_new_tokens: z.number().int().positive(),
    temperature: z.number().nonnegative(),
    top_k: z.number().int().nonnegative(),
    top_p: z.number().gt(0).max(1),
    repetition_penalty: z.number().positive(),
    seed: z.number().int(),
  }),
  protocol: z.object({
    max_rounds: z.number().int().positive(),
    k: z.number().int().positive(),
    cdir_threshold: z.number().min(0).max(1),
    stop_strings: z.array(z.string().min(1)),
    retrieve_none: z.string(),
    cdir: z.object({ think: z.string(), query: z.string(), retrieve: z.string().includes('{caption}') }),
  }),
  /** How each quantized variant was made (models/convert/quantize_package.py); informative. */
  quantization: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  /** Where the weights came from, for a converted checkpoint (its id and licence). */
  source: z.record(z.string(), z.unknown()).optional(),
});
export type Manifest = z.infer<typeof Manifest>;
export const GRAPHS = ['vision_encoder', 'embed_tokens', 'decoder_model_merged'] as const;
export type GraphName = (typeof GRAPHS)[number];

/** A manifest is a few kilobytes; a larger file is not one, and is not read into memory. */
const MAX_MANIFEST_BYTES = 1 << 22;

export class ModelPackageError extends Error {
  override name = 'ModelPackageError';
}

export interface ModelPackage {
  readonly dir: string;
  readonly manifest: Manifest;
  /** sha256 of manifest.json: it lists every file's hash, so it identifies the whole package in provenance. */
  readonly sha256: string;
}

/**
 * Reads and validates `<dir>/manifest.json`; says exactly what is wrong with a bad one. Every file it names must be a
 * regular file inside the package (checked without opening anything, so a FIFO or device is named, never read).
 */
export function loadModelPackage(dir: string): ModelPackage {
  const root = resolve(dir);
  const file = join(root, 'manifest.json');
  const kind = regularFile(file);
  if ('problem' in kind && kind.problem !== 'is missing') throw new ModelPackageError(`${file} ${kind.problem}: re-install the model package.`);
  if ('size' in kind && kind.size > MAX_MANIFEST_BYTES) throw new ModelPackageError(`${file} is ${kind.size} bytes, more than a manifest can be (${MAX_MANIFEST_BYTES}): re-install the model package.`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    throw new ModelPackageError(`no model package at ${root}: manifest.json is missing or unreadable`);
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ModelPackageError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ModelPackageError(`${file} is not a valid medrwr-model/1 manifest: ${issues}`);
  }
  const manifest = parsed.data;
  for (const ref of allFiles(manifest)) {
    const r = regularFile(packagePath(root, ref.path));
    if ('problem' in r) {
      throw new ModelPackageError(`model file ${ref.path} ${r.problem === 'is missing' ? `is missing from ${root}` : r.problem}: a model package holds only regular files; re-install the model package.`);
    }
  }
  return { dir: root, manifest, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Every file the manifest lists (every variant's graphs and their external data, the tokenizer), with its hash. */
export function allFiles(manifest: Manifest): { path: string; sha256: string }[] {
  const graphs = GRAPHS.flatMap((g) => Object.values(manifest.files[g]).flatMap((ref) => [{ path: ref.path, sha256: ref.sha256 }, ...(ref.data ?? [])]));
  return [...graphs, manifest.files.tokenizer];
}

/** Absolute path of a package file; a manifest may not point outside its folder (by `..`, an absolute path or a link). */
export function packagePath(root: string, rel: string): string {
  const r = confinedPath(root, rel);
  if ('problem' in r) throw new ModelPackageError(`manifest file path "${rel}" ${r.problem}: the model package is refused`);
  return r.path;
}

/** The graph file of a dtype variant (which must exist); without one, fp32, else the first listed. The engine resolves
 * `auto` with `chooseVariant` (variants.ts) first. */
export function graphFile(pkg: ModelPackage, graph: GraphName, dtype?: string): { path: string; dtype: string } {
  const variants = pkg.manifest.files[graph];
  const chosen = dtype && variants[dtype] ? dtype : variants.fp32 ? 'fp32' : Object.keys(variants)[0]!;
  if (dtype && chosen !== dtype) throw new ModelPackageError(`model ${pkg.manifest.id} has no ${dtype} variant of ${graph} (has ${Object.keys(variants).join(', ')})`);
  return { path: packagePath(pkg.dir, variants[chosen]!.path), dtype: chosen };
}
