import * as ort from 'onnxruntime-node';
import type { RgbImage } from '../imaging/rgb.js';
import type { Segment } from './chat.js';
import { floatTensor, toFloat32 } from './dtype.js';
import { KvCache } from './kv-cache.js';
import { loadModelPackage, ModelPackageError, type Manifest, type ModelPackage } from './manifest.js';
import { providerSpec, type ExecutionProvider } from './providers.js';
import { DeviceSlicer } from './device-slice.js';
import type { EngineOptions } from './engine.js';
import type { ImageBlock } from './rope.js';
import { architectureOf, type Architecture } from './architectures/index.js';
import { checkContract, openSessions, type ModelSessions } from './sessions.js';
import { ModelTokenizer } from './tokenizer.js';

/** What opening a model takes: the same options the Engine is created with. */
export type RunnerOptions = EngineOptions;

function kvTypeOf(s: ModelSessions): 'float32' | 'float16' {
  const t = s.decoder.inputs.get('past_key_values.0.key')!.type;
  if (t !== 'float32' && t !== 'float16') throw new ModelPackageError(`unsupported KV cache type ${t}`);
  return t;
}

/** Rows [from, to) of a [1, S, width] tensor, without copying. */
function rows(t: ort.Tensor, from: number, to: number, width: number): ort.Tensor {
  const data = (t.data as Float32Array | Uint16Array).subarray(from * width, to * width);
  return new ort.Tensor(t.type as 'float32' | 'float16', data, [to - from, width]);
}

export interface PreparedChunk {
  readonly ids: number[];
  readonly blocks: (ImageBlock & { readonly features: Float32Array })[];
}

/**
 * One model and one sequence: the three ONNX sessions, the tokenizer, and the KV cache of the sequence being decoded.
 * Runs in whatever thread creates it (the engine worker in the app; directly in tests and benchmarks).
 */
export class ModelRunner {
  /** Every token id in the cache, `<|image_pad|>` rows included. */
  readonly tokens: number[] = [];
  private readonly kv: KvCache;
  private nextPos = 0;
  /** The cache may be cut back only after the last image block: positions before it are not a simple prefix rule. */
  private imageEnd = 0;
  private last: Float32Array | null = null;
  private readonly arch: Architecture;
  private readonly hidden: number;

  private constructor(
    readonly pkg: ModelPackage,
    readonly tokenizer: ModelTokenizer,
    private readonly s: ModelSessions,
    maxPixels: number | undefined,
    private readonly slicer: DeviceSlicer | null,
  ) {
    const m = pkg.manifest;
    this.kv = new KvCache(m.text_config.num_hidden_layers, m.text_config.num_key_value_heads, m.text_config.head_dim, kvTypeOf(s), slicer);
    this.hidden = m.text_config.hidden_size;
    this.arch = architectureOf(m, maxPixels);
  }

  static async open(opts: RunnerOptions): Promise<ModelRunner> {
    const pkg = loadModelPackage(opts.modelDir); // content is verified by the caller (integrity.ts), off this thread
    const tokenizer = ModelTokenizer.load(pkg);
    const sessions = await openSessions(pkg, { ep: opts.ep ?? 'auto', dtype: opts.dtype, threads: opts.threads });
    checkContract(sessions, pkg.manifest.text_config.num_hidden_layers);
    const slicer = providerSpec(sessions.provider).deviceResident ? await DeviceSlicer.create(sessions.provider, kvTypeOf(sessions)) : null;
    return new ModelRunner(pkg, tokenizer, sessions, opts.maxPixels, slicer);
  }

  get manifest(): Manifest {
    return this.pkg.manifest;
  }
  get provider(): ExecutionProvider {
    return this.s.provider;
  }
  /** The dtype variant running (fp32, fp16, q4, q4f16). */
  get dtype(): string {
    return this.s.dtype;
  }
  get fallbackNotice(): string | null {
    return this.s.fallbackNotice;
  }
  get length(): number {
    return this.kv.length;
  }
  /** Where the KV cache lives now ('cpu', or 'gpu-buffer' on a device-resident provider). */
  get cacheLocations(): string[] {
    return this.kv.locations;
  }
  get ropeDelta(): number {
    return this.nextPos - this.kv.length;
  }
  /** Raw logits at the last fed position (what the next token is chosen from). */
  get lastLogits(): Float32Array {
    if (!this.last) throw new Error('nothing has been fed yet');
    return this.last;
  }

  reset(): void {
    this.kv.clear();
    this.tokens.length = 0;
    this.nextPos = 0;
    this.imageEnd = 0;
    this.last = null;
  }

  /** Cuts the sequence back to its first `length` tokens; positions continue by the rope-delta rule. */
  async truncate(length: number): Promise<void> {
    if (length < this.imageEnd) throw new RangeError(`cannot truncate to ${length}: an image ends at ${this.imageEnd}; prefill again instead`);
    if (length === this.kv.length) return;
    const delta = this.ropeDelta;
    await this.kv.truncate(length);
    this.tokens.length = length;
    this.nextPos = length + delta;
    this.last = null; // the logits at the new end are not known until something is fed
  }

  /**
   * Makes the sequence `tokens[0, keep)` followed by `pieces`, each tokenised on its own as plain text (as Med-RwR's loop
   * does). Cached tokens after `keep` that already match are reused; the rest is cut and fed, without re-running the
   * prefix. This is how the reasoning loop rewinds to the text before `<query>` and injects the query and evidence.
   */
  async rewrite(keep: number, pieces: readonly string[]): Promise<void> {
    if (keep > this.tokens.length) throw new RangeError(`cannot keep ${keep} of ${this.tokens.length} tokens`);
    const target = pieces.flatMap((p) => this.tokenizer.encodeText(p));
    let same = 0;
    while (same < target.length && keep + same < this.tokens.length && this.tokens[keep + same] === target[same]) same++;
    if (same === target.length && same > 0) same--; // re-feed the last one so its logits are known
    await this.truncate(keep + same);
    if (target.length > same) await this.feedIds(target.slice(same));
  }

  /** Tokenises segments and encodes their images; nothing is run through the decoder yet. */
  async prepare(segments: readonly Segment[]): Promise<PreparedChunk> {
    const ids: number[] = [];
    const blocks: PreparedChunk['blocks'] = [];
    const padId = this.tokenizer.encodeSpecial('image_pad');
    for (const seg of segments) {
      if ('text' in seg) ids.push(...this.tokenizer.encodeText(seg.text));
      else if ('special' in seg) ids.push(this.tokenizer.encodeSpecial(seg.special));
      else {
        const { features, grid, tokens } = await this.encodeImage(seg.image);
        blocks.push({ start: ids.length, grid, features });
        for (let i = 0; i < tokens; i++) ids.push(padId);
      }
    }
    return { ids, blocks };
  }

  async encodeImage(image: RgbImage): Promise<{ features: Float32Array; grid: [number, number, number]; tokens: number }> {
    const inputs = this.arch.imageInputs(image, new Map([...this.s.vision.inputs].map(([k, v]) => [k, v.type])));
    const out = await this.s.vision.session.run(inputs.feeds);
    const f = out.image_features!;
    if (f.dims[0] !== inputs.tokens || f.dims[1] !== this.hidden) {
      throw new ModelPackageError(`vision_encoder returned [${f.dims.join(', ')}] features, expected [${inputs.tokens}, ${this.hidden}]`);
    }
    return { features: toFloat32(f), grid: inputs.grid, tokens: inputs.tokens };
  }

  /** Appends segments to the sequence (a first call is the prefill). */
  async feed(segments: readonly Segment[]): Promise<void> {
    await this.run(await this.prepare(segments));
  }

  async feedIds(ids: readonly number[]): Promise<void> {
    await this.run({ ids: [...ids], blocks: [] });
  }

  /**
   * Runs a chunk through embed_tokens and the decoder on top of the cache. With `allLogits`, returns the logits of every
   * position of the chunk ([n, vocab]) rather than only keeping the last.
   */
  async run(chunk: PreparedChunk, allLogits = false): Promise<Float32Array | null> {
    const n = chunk.ids.length;
    if (n === 0) return null;
    const embedOut = await this.s.embed.session.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(chunk.ids.map(BigInt)), [1, n]),
    });
    let embeds = embedOut.inputs_embeds!;
    const embedsType = this.s.decoder.inputs.get('inputs_embeds')!.type;
    if (chunk.blocks.length > 0 || embeds.type !== embedsType) {
      const data = Float32Array.from(toFloat32(embeds));
      for (const b of chunk.blocks) data.set(b.features, b.start * this.hidden); // image features replace the pad rows
      embeds = floatTensor(embedsType, data, [1, n, this.hidden]);
    }
    const past = this.kv.length;
    const pos = this.arch.positions(n, chunk.blocks, this.nextPos);
    const feeds: Record<string, ort.Tensor> = {
      inputs_embeds: embeds,
      attention_mask: new ort.Tensor('int64', new BigInt64Array(past + n).fill(1n), [1, past + n]),
      position_ids: pos.tensor,
      ...this.kv.feeds(),
    };
    if (this.s.decoder.inputs.has('num_logits_to_keep')) feeds.num_logits_to_keep = new ort.Tensor('int64', BigInt64Array.from([allLogits ? 0n : 1n]), []);
    const out = await this.s.decoder.session.run(feeds);
    this.kv.update(out, n);
    this.tokens.push(...chunk.ids);
    this.nextPos = pos.nextPos;
    if (chunk.blocks.length > 0) this.imageEnd = this.tokens.length - n + Math.max(...chunk.blocks.map((b) => b.start + b.features.length / this.hidden));
    const logits = out.logits!;
    const vocab = logits.dims[2]!;
    const kept = logits.dims[1]!;
    // Only the last row is converted (a float16 prefill's full [S, vocab] would cost a second on a real vocabulary).
    this.last = toFloat32(rows(logits, kept - 1, kept, vocab)).slice();
    return allLogits ? Float32Array.from(toFloat32(logits)) : null;
  }

  async dispose(): Promise<void> {
    this.kv.clear(); // frees its device memory, if any
    await Promise.all([this.s.vision.session.release(), this.s.embed.session.release(), this.s.decoder.session.release(), this.slicer?.release()]);
  }
}
