import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiError } from '../api/errors.js';
import { confinedPath, regularFile } from '../common/package-path.js';
import { FileCheckError, hashPackageFile } from '../common/hash-file.js';

/**
 * An encoder folder's manifest.json ("medrwr-encoder/1"): one ONNX graph that maps text (or an image) to a vector.
 * Written by models/encoders/train_text_encoder.py (text) and make_image_encoder.py (image).
 */
const FileRef = z.object({ path: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const Common = {
  format: z.literal('medrwr-encoder/1'),
  id: z.string().min(1),
  version: z.string().min(1),
  description: z.string().optional(),
  onnx: FileRef,
  dimension: z.number().int().positive(),
  normalized: z.boolean(),
  output: z.string().min(1),
};
export const TextEncoderManifest = z.object({
  ...Common,
  kind: z.literal('text'),
  tokenizer: FileRef,
  /** Tokens per text, counting the special tokens when there are any. */
  max_length: z.number().int().positive(),
  inputs: z.object({ input_ids: z.string(), attention_mask: z.string() }),
  /** Ids that wrap every text (XLM-RoBERTa's <s> … </s>, whose <s> the CLS pooling reads). */
  special_tokens: z.object({ bos: z.number().int().nonnegative(), eos: z.number().int().nonnegative() }).optional(),
  /** Glued before queries only, with no separator, as the reference does (BGE-M3 in Med-RwR's retriever). */
  query_instruction: z.string().optional(),
  /** The weights of a graph over protobuf's 2 GB limit, beside model.onnx (ONNX external data). */
  onnx_data: FileRef.optional(),
});
export const ImageEncoderManifest = z.object({
  ...Common,
  kind: z.literal('image'),
  input: z.string().min(1),
  /** Input size (the image is resized to width x height) and per-channel normalisation of [0, 1] values. */
  size: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }),
  mean: z.tuple([z.number(), z.number(), z.number()]),
  std: z.tuple([z.number(), z.number(), z.number()]),
});
export type TextEncoderManifest = z.infer<typeof TextEncoderManifest>;
export type ImageEncoderManifest = z.infer<typeof ImageEncoderManifest>;

/** Reads and checks an encoder folder: the manifest parses, its files are regular files inside it and their sha256 match. */
export async function readEncoderManifest<K extends 'text' | 'image'>(
  dir: string,
  kind: K,
): Promise<K extends 'text' ? TextEncoderManifest : ImageEncoderManifest> {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new ApiError('unavailable', `No encoder at ${dir} (manifest.json missing): pass the folder of a ${kind} encoder (e.g. models/encoders/wordnet-med).`);
  const kindOf = regularFile(path);
  if ('problem' in kindOf) throw new ApiError('unavailable', `Encoder manifest ${path} ${kindOf.problem}: restore the encoder folder ${dir}.`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ApiError('unavailable', `Encoder manifest ${path} is not valid JSON (${(err as Error).message}): restore it from the encoder's package.`);
  }
  const schema = kind === 'text' ? TextEncoderManifest : ImageEncoderManifest;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ApiError('unavailable', `Encoder manifest ${path} is not a ${kind} encoder (medrwr-encoder/1): ${issue.path.join('.') || 'root'}: ${issue.message}.`);
  }
  const m = parsed.data;
  const refs = [m.onnx, ...('tokenizer' in m ? [m.tokenizer] : []), ...('onnx_data' in m && m.onnx_data ? [m.onnx_data] : [])];
  for (const ref of refs) {
    const confined = confinedPath(dir, ref.path);
    if ('problem' in confined) throw new ApiError('unavailable', `Encoder manifest ${path} names "${ref.path}", which ${confined.problem}: restore the encoder folder ${dir}.`);
    const file = confined.path;
    const st = regularFile(file);
    if ('problem' in st) throw new ApiError('unavailable', `Encoder file ${file} ${st.problem}: restore the encoder folder ${dir}.`);
    let actual: string;
    try {
      actual = (await hashPackageFile(file)).sha256;
    } catch (err) {
      if (!(err instanceof FileCheckError)) throw err;
      throw new ApiError('unavailable', `Encoder file ${file} ${err.message}: restore the encoder folder ${dir}.`);
    }
    if (actual !== ref.sha256) throw new ApiError('unavailable', `Encoder file ${file} is damaged or replaced (sha256 ${actual.slice(0, 12)}…, manifest says ${ref.sha256.slice(0, 12)}…): restore the encoder folder ${dir}.`);
  }
  return m as K extends 'text' ? TextEncoderManifest : ImageEncoderManifest;
}
