/**
 * 3-axis M-RoPE position ids of Qwen2.5-VL (`get_rope_index`, onnx-runtime.md §5.6), computed chunk by chunk so the
 * same code serves the first prefill and every continuation.
 *
 * Text tokens take consecutive positions, equal on the t/h/w axes. An image block of `t·(h/m)·(w/m)` tokens starting at
 * position `o` gets (o + t_i, o + row, o + col); the text after it resumes at max + 1. With `nextPos` = max + 1 and
 * `length` = tokens in the cache, rope_delta = nextPos − length, and a token appended at cache length P sits at P + delta.
 */
export interface ImageBlock {
  /** Index in the chunk of the block's first `<|image_pad|>` token. */
  readonly start: number;
  /** Grid in patch units [t, h, w], as fed to the vision encoder. */
  readonly grid: readonly [number, number, number];
}

export interface ChunkPositions {
  /** [3, 1, n] int64, axis-major: t positions, then h, then w. */
  readonly ids: BigInt64Array;
  /** One past the largest position used: where the next chunk starts. */
  readonly nextPos: number;
}

export function chunkPositions(n: number, blocks: readonly ImageBlock[], startPos: number, mergeSize: number): ChunkPositions {
  const ids = new BigInt64Array(3 * n);
  const set = (i: number, t: number, h: number, w: number) => {
    ids[i] = BigInt(t);
    ids[n + i] = BigInt(h);
    ids[2 * n + i] = BigInt(w);
  };
  const sorted = [...blocks].sort((a, b) => a.start - b.start);
  let pos = startPos;
  let i = 0;
  for (const b of sorted) {
    if (b.start < i) throw new Error('image blocks overlap');
    for (; i < b.start; i++, pos++) set(i, pos, pos, pos);
    const [t, gh, gw] = b.grid;
    const lh = gh / mergeSize;
    const lw = gw / mergeSize;
    if (i + t * lh * lw > n) throw new Error('image block runs past the end of the chunk');
    for (let ti = 0; ti < t; ti++) for (let r = 0; r < lh; r++) for (let c = 0; c < lw; c++, i++) set(i, pos + ti, pos + r, pos + c);
    pos += Math.max(t, lh, lw);
  }
  for (; i < n; i++, pos++) set(i, pos, pos, pos);
  return { ids, nextPos: pos };
}
