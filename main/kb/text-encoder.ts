import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import ort from 'onnxruntime-node';
import { ApiError } from '../api/errors.js';
import { readEncoderManifest, type TextEncoderManifest } from './encoder-manifest.js';

/** Turns passages and queries into unit vectors with a "medrwr-encoder/1" text encoder on ONNX Runtime (CPU). */
export class TextEncoder {
  private constructor(
    readonly dir: string,
    readonly manifest: TextEncoderManifest,
    private readonly tokenizer: Tokenizer,
    private readonly session: ort.InferenceSession,
  ) {}

  /** `threads`: ONNX Runtime's intra-op threads (1 in the app, where the encoder shares a worker with search). */
  static async open(dir: string, opts: { threads?: number } = {}): Promise<TextEncoder> {
    const manifest = await readEncoderManifest(dir, 'text');
    const tokenizer = new Tokenizer(JSON.parse(readFileSync(join(dir, manifest.tokenizer.path), 'utf8')) as object, {});
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(join(dir, manifest.onnx.path), { intraOpNumThreads: opts.threads ?? 1, interOpNumThreads: 1 });
    } catch (err) {
      throw new ApiError('unavailable', `Encoder ${dir} cannot be loaded by ONNX Runtime (${(err as Error).message}): restore or retrain it.`);
    }
    const encoder = new TextEncoder(dir, manifest, tokenizer, session);
    const probe = await encoder.embed(['probe']);
    if (probe[0]!.length !== manifest.dimension) {
      throw new ApiError('unavailable', `Encoder ${dir} outputs ${probe[0]!.length} values per text but its manifest says dimension ${manifest.dimension}: the manifest does not describe this model; restore the encoder folder.`);
    }
    return encoder;
  }

  get dimension(): number {
    return this.manifest.dimension;
  }

  /** Token ids as the model reads them: cut to max_length, wrapped in the special tokens when the model has them. */
  tokenize(text: string): number[] {
    const ids = this.tokenizer.encode(text, { add_special_tokens: false }).ids;
    const special = this.manifest.special_tokens;
    if (!special) return ids.slice(0, this.manifest.max_length);
    return [special.bos, ...ids.slice(0, this.manifest.max_length - 2), special.eos];
  }

  /** What a query becomes before tokenizing: the encoder's query instruction glued on (passages get none). */
  queryText(query: string): string {
    return (this.manifest.query_instruction ?? '') + query;
  }

  /** One unit vector per query, each with the query instruction. */
  embedQueries(queries: readonly string[]): Promise<Float32Array[]> {
    return this.embed(queries.map((q) => this.queryText(q)));
  }

  /** One unit vector per text (passages, as they are), in order; texts are padded to the batch's longest. */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const ids = texts.map((t) => this.tokenize(t));
    const len = Math.max(1, ...ids.map((s) => s.length));
    const inputIds = new BigInt64Array(texts.length * len);
    const mask = new BigInt64Array(texts.length * len);
    ids.forEach((seq, i) => seq.forEach((id, j) => ((inputIds[i * len + j] = BigInt(id)), (mask[i * len + j] = 1n))));
    const { inputs, output } = this.manifest;
    const result = await this.session.run({
      [inputs.input_ids]: new ort.Tensor('int64', inputIds, [texts.length, len]),
      [inputs.attention_mask]: new ort.Tensor('int64', mask, [texts.length, len]),
    });
    const out = result[output];
    if (!out) throw new ApiError('unavailable', `Encoder ${this.dir} has no output "${output}": its manifest does not match the model.`);
    const data = out.data as Float32Array;
    const dim = data.length / texts.length;
    return texts.map((_, i) => normalize(data.slice(i * dim, (i + 1) * dim)));
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** Unit length, so inner product is cosine similarity (the index's metric) whatever the model promised. */
export function normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}
