import * as ort from 'onnxruntime-node';
import type { DeviceSlicer } from './device-slice.js';

type KvData = Float32Array | Uint16Array;

/**
 * The decoder's past key/values between calls: `[1, kvHeads, length, headDim]` per layer and kind. Append is the
 * decoder's own `present.*` output (past + new); truncate slices axis 2, which is how the reasoning loop rewinds to the
 * text before `<query>` without re-running the prefix.
 *
 * On CPU the tensors are host arrays and truncation copies. With a device slicer (WebGPU) the tensors stay where the
 * decoder left them (`gpu-buffer`) from step to step, truncation runs a Slice graph on the same device, and each
 * replaced tensor's device memory is released at once.
 */
export class KvCache {
  private tensors: ort.Tensor[];
  private len = 0;
  /** `past_key_values.{i}.key|value` and `present.{i}.key|value`, in tensor order (built once, not at every step). */
  private readonly pastNames: string[];
  private readonly presentNames: string[];

  constructor(
    private readonly layers: number,
    private readonly heads: number,
    private readonly headDim: number,
    private readonly dtype: 'float32' | 'float16',
    private readonly slicer: DeviceSlicer | null = null,
  ) {
    this.tensors = this.empty();
    const names = Array.from({ length: layers }, (_, i) => [`${i}.key`, `${i}.value`]).flat();
    this.pastNames = names.map((n) => `past_key_values.${n}`);
    this.presentNames = names.map((n) => `present.${n}`);
  }

  get length(): number {
    return this.len;
  }

  /** Where each cache tensor lives ('cpu' or 'gpu-buffer'), for tests and `doctor`. */
  get locations(): ort.Tensor.DataLocation[] {
    return [...new Set(this.tensors.map((t) => t.location))];
  }

  /** Bytes the cache holds (what a provider that copies outputs to the host moves each way per step). */
  get bytes(): number {
    return this.layers * 2 * this.heads * this.len * this.headDim * (this.dtype === 'float16' ? 2 : 4);
  }

  /** `past_key_values.{i}.key|value` feeds for the decoder. */
  feeds(): Record<string, ort.Tensor> {
    const out: Record<string, ort.Tensor> = {};
    for (let j = 0; j < this.pastNames.length; j++) out[this.pastNames[j]!] = this.tensors[j]!;
    return out;
  }

  /** Takes the decoder's `present.*` outputs as the new cache (they hold past + the chunk just run). */
  update(outputs: Record<string, ort.Tensor>, added: number): void {
    const next: ort.Tensor[] = [];
    for (const name of this.presentNames) {
      const t = outputs[name];
      if (!t) throw new Error(`decoder returned no ${name}`);
      if (t.dims[2] !== this.len + added) throw new Error(`${name} has length ${t.dims[2]}, expected ${this.len + added}`);
      next.push(t);
    }
    this.replace(next);
    this.len += added;
  }

  /** Keeps the first `length` positions: on the device when the cache lives there, else by a host copy. */
  async truncate(length: number): Promise<void> {
    if (length < 0 || length > this.len) throw new RangeError(`cannot truncate a cache of ${this.len} to ${length}`);
    if (length === this.len) return;
    const D = this.headDim;
    const cut = async (t: ort.Tensor): Promise<ort.Tensor> => {
      if (t.location === 'gpu-buffer' && this.slicer) return this.slicer.keep(t, length);
      const src = t.data as KvData;
      const dst = new (src.constructor as { new (n: number): KvData })(this.heads * length * D);
      for (let h = 0; h < this.heads; h++) dst.set(src.subarray(h * this.len * D, (h * this.len + length) * D), h * length * D);
      return new ort.Tensor(this.dtype, dst, [1, this.heads, length, D]);
    };
    const next: ort.Tensor[] = [];
    for (const t of this.tensors) next.push(await cut(t));
    this.replace(next);
    this.len = length;
  }

  clear(): void {
    this.replace(this.empty());
    this.len = 0;
  }

  /** Installs new tensors and frees the device memory of the ones they replace (host arrays are left to the GC). */
  private replace(next: ort.Tensor[]): void {
    if (this.tensors.some((t) => t.location === 'gpu-buffer')) {
      const keep = new Set(next);
      for (const t of this.tensors) if (t.location === 'gpu-buffer' && !keep.has(t)) t.dispose();
    }
    this.tensors = next;
  }

  private empty(): ort.Tensor[] {
    const make = () => new ort.Tensor(this.dtype, this.dtype === 'float16' ? new Uint16Array(0) : new Float32Array(0), [1, this.heads, 0, this.headDim]);
    return Array.from({ length: this.layers * 2 }, make);
  }
}
