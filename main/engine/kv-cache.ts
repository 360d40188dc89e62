import * as ort from 'onnxruntime-node';

type KvData = Float32Array | Uint16Array;

/**
 * The decoder's past key/values, kept on the CPU between calls: `[1, kvHeads, length, headDim]` per layer and kind.
 * Append is the decoder's own `present.*` output (past + new); truncate slices axis 2, which is how the reasoning loop
 * rewinds to the text before `<query>` without re-running the prefix.
 */
export class KvCache {
  private tensors: ort.Tensor[];
  private len = 0;

  constructor(
    private readonly layers: number,
    private readonly heads: number,
    private readonly headDim: number,
    private readonly dtype: 'float32' | 'float16',
  ) {
    this.tensors = this.empty();
  }

  get length(): number {
    return this.len;
  }

  /** `past_key_values.{i}.key|value` feeds for the decoder. */
  feeds(): Record<string, ort.Tensor> {
    const out: Record<string, ort.Tensor> = {};
    for (let i = 0; i < this.layers; i++) {
      out[`past_key_values.${i}.key`] = this.tensors[2 * i]!;
      out[`past_key_values.${i}.value`] = this.tensors[2 * i + 1]!;
    }
    return out;
  }

  /** Takes the decoder's `present.*` outputs as the new cache (they hold past + the chunk just run). */
  update(outputs: Record<string, ort.Tensor>, added: number): void {
    const next: ort.Tensor[] = [];
    for (let i = 0; i < this.layers; i++) {
      for (const kind of ['key', 'value']) {
        const t = outputs[`present.${i}.${kind}`];
        if (!t) throw new Error(`decoder returned no present.${i}.${kind}`);
        if (t.dims[2] !== this.len + added) throw new Error(`present.${i}.${kind} has length ${t.dims[2]}, expected ${this.len + added}`);
        next.push(t);
      }
    }
    this.tensors = next;
    this.len += added;
  }

  /** Keeps the first `length` positions. */
  truncate(length: number): void {
    if (length < 0 || length > this.len) throw new RangeError(`cannot truncate a cache of ${this.len} to ${length}`);
    if (length === this.len) return;
    const D = this.headDim;
    this.tensors = this.tensors.map((t) => {
      const src = t.data as KvData;
      const dst = new (src.constructor as { new (n: number): KvData })(this.heads * length * D);
      for (let h = 0; h < this.heads; h++) dst.set(src.subarray(h * this.len * D, (h * this.len + length) * D), h * length * D);
      return new ort.Tensor(this.dtype, dst, [1, this.heads, length, D]);
    });
    this.len = length;
  }

  clear(): void {
    this.tensors = this.empty();
    this.len = 0;
  }

  private empty(): ort.Tensor[] {
    const make = () => new ort.Tensor(this.dtype, this.dtype === 'float16' ? new Uint16Array(0) : new Float32Array(0), [1, this.heads, 0, this.headDim]);
    return Array.from({ length: this.layers * 2 }, make);
  }
}
