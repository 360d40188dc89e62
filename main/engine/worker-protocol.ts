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
  /** `cancel` is an Int32Array over a SharedArrayBuffer; the client sets [0] = 1 to stop, read before every step. */
  | { id: number; op: 'generate'; opts: GenerateOptions; cancel: Int32Array }
  | { id: number; op: 'close' };

export type WorkerReply =
  | { id: number; ok: true; value: EngineInfo | SequenceState | number[] | null }
  | { id: number; ok: false; error: { name: string; message: string } }
  | { id: number; stream: EngineStreamEvent };
