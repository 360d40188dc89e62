import type { Segment } from './chat.js';
import type { EngineInfo, EngineOptions, EngineStreamEvent, SequenceState } from './engine.js';
import type { GenerateOptions } from './generate.js';

/** Messages between the engine client (main thread) and the engine worker. */
export type WorkerRequest =
  | { id: number; op: 'open'; opts: EngineOptions }
  | { id: number; op: 'prefill' | 'append'; segments: Segment[] }
  | { id: number; op: 'rewrite'; keep: number; pieces: string[] }
  | { id: number; op: 'truncate'; length: number }
  | { id: number; op: 'tokenize'; text: string }
  /**
   * `cancel` and `delivered` are Int32Arrays over SharedArrayBuffers: the client sets cancel[0] = 1 to stop (read
   * before every step) and counts in delivered[0] the stream messages it has taken (the worker batches tokens while the
   * client lags behind, acked-batcher.ts).
   */
  | { id: number; op: 'generate'; opts: GenerateOptions; cancel: Int32Array; delivered: Int32Array }
  | { id: number; op: 'close' };

export type WorkerReply =
  | { id: number; ok: true; value: EngineInfo | SequenceState | number[] | null }
  | { id: number; ok: false; error: { name: string; message: string } }
  /** Stream events of a `generate` request, in order, one or more per message. */
  | { id: number; stream: EngineStreamEvent[] };
