import type * as ort from 'onnxruntime-node';

/** What the cache may hold in all: at the real model's width (3,584, fp16) about 4,600 token rows. */
export const EMBEDDING_CACHE_BYTES = 32 * 2 ** 20;

/**
 * The decoder's `inputs_embeds` row of single token ids, as embed_tokens (a lookup: the same id always gives the same
 * row) returned it, converted to the decoder's input type. A decoding step then feeds the decoder directly instead of
 * running a second session for one row, which on a small model costs about as much as the decoder step itself. Bounded
 * by bytes; when full it starts again empty (a decoded text keeps reusing a small set of ids, so the next rows refill it).
 */
export class EmbeddingCache {
  private readonly rows = new Map<number, ort.Tensor>();
  private readonly capacity: number;

  constructor(rowBytes: number, budgetBytes = EMBEDDING_CACHE_BYTES) {
    this.capacity = Math.max(1, Math.floor(budgetBytes / Math.max(1, rowBytes)));
  }

  get size(): number {
    return this.rows.size;
  }

  /** The cached `[1, 1, hidden]` tensor of `id`; the decoder only reads its inputs, so one tensor serves every step. */
  get(id: number): ort.Tensor | undefined {
    return this.rows.get(id);
  }

  set(id: number, row: ort.Tensor): void {
    if (this.rows.size >= this.capacity) this.rows.clear();
    this.rows.set(id, row);
  }

  clear(): void {
    this.rows.clear();
  }
}
