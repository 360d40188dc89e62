/**
 * Host↔device bytes one decoding step moves, computed from the shapes (issue 13): what our engine feeds and fetches
 * per step. Every provider uploads the step's inputs (the token id to embed_tokens, its embedding to the decoder, the
 * attention mask over the whole context, the three rope positions) and fetches the embedding and the logits; a copying
 * provider (CUDA, DirectML: onnxruntime-node copies every output to host memory) also fetches the whole new KV cache
 * and uploads it again at the next step, while a device-resident one (WebGPU with `gpu-buffer` outputs) keeps it there.
 */
export interface StepShape {
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly hidden: number;
  readonly vocab: number;
  /** Bytes per element of the KV cache, the embeddings and the logits (2 for a float16 graph, 4 for float32). */
  readonly kvBytes: number;
  readonly activationBytes: number;
  readonly logitBytes: number;
}

export interface StepTransfer {
  /** Host → device. */
  readonly upBytes: number;
  /** Device → host. */
  readonly downBytes: number;
  readonly totalBytes: number;
  /** Of the total, the KV cache's share (0 when it stays on the device). */
  readonly kvBytes: number;
}

const INT64 = 8;

/** Bytes of the KV cache (keys and values, all layers) for `tokens` positions. */
export function kvCacheBytes(s: StepShape, tokens: number): number {
  return s.layers * 2 * s.kvHeads * s.headDim * tokens * s.kvBytes;
}

/** One decoding step that extends a context of `context` tokens by one. */
export function decodeStepTransfer(s: StepShape, context: number, deviceResident: boolean): StepTransfer {
  if (!(Number.isInteger(context) && context >= 0)) throw new RangeError(`context must be a whole number of tokens ≥ 0, not ${context}`);
  const embedding = s.hidden * s.activationBytes;
  const inputsUp = INT64 /* input_ids */ + embedding + (context + 1) * INT64 /* attention_mask */ + 3 * INT64; /* position_ids */
  const outputsDown = embedding + s.vocab * s.logitBytes;
  const kvUp = deviceResident ? 0 : kvCacheBytes(s, context);
  const kvDown = deviceResident ? 0 : kvCacheBytes(s, context + 1);
  const upBytes = inputsUp + kvUp;
  const downBytes = outputsDown + kvDown;
  return { upBytes, downBytes, totalBytes: upBytes + downBytes, kvBytes: kvUp + kvDown };
}

/** Qwen2.5-VL-7B's text decoder as the q4f16 package runs it (real-model.md §1: float16 cache, embeddings and logits). */
export const REAL_MODEL_STEP: StepShape = { layers: 28, kvHeads: 4, headDim: 128, hidden: 3584, vocab: 152_064, kvBytes: 2, activationBytes: 2, logitBytes: 2 };
