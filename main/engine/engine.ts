import type { Segment } from './chat.js';
import type { GenerateOptions, GeneratedToken, GenerateResult } from './generate.js';
import type { Manifest } from './manifest.js';
import type { EpChoice, ExecutionProvider } from './providers.js';

/** What a loaded model reports about itself (provenance and the notice to show when the provider fell back). */
export interface EngineInfo {
  readonly modelId: string;
  readonly version: string;
  readonly name: string;
  /** sha256 of the package's manifest.json, which lists every file's sha256. */
  readonly sha256: string;
  readonly synthetic: boolean;
  readonly requestedProvider: EpChoice;
  readonly provider: ExecutionProvider;
  /** The dtype variant running (`auto` resolved for the provider) and the bytes of its files. */
  readonly dtype: string;
  readonly variantBytes: number;
  readonly fallbackNotice: string | null;
  readonly manifest: Manifest;
  readonly eosIds: readonly number[];
}

export interface SequenceState {
  /** Tokens in the KV cache. */
  readonly length: number;
  /** Wall time of the call that produced this state, ms. */
  readonly ms: number;
}

export type EngineStreamEvent = { readonly type: 'token'; readonly token: GeneratedToken } | { readonly type: 'end'; readonly result: GenerateResult };

/**
 * One model with one sequence (its KV cache). The app's implementation runs in a worker thread (`createEngine`); the
 * reasoning loop, the CLI and the app use only this interface.
 */
export interface Engine {
  readonly info: EngineInfo;
  /** Starts a new sequence from these segments (the prompt). */
  prefill(segments: readonly Segment[]): Promise<SequenceState>;
  /** Appends segments to the sequence, continuing from the cache. */
  append(segments: readonly Segment[]): Promise<SequenceState>;
  /** Keeps the first `keep` tokens and continues with `pieces` (each tokenised separately as plain text), reusing any
   * cached tokens that already match. */
  rewrite(keep: number, pieces: readonly string[]): Promise<SequenceState>;
  truncate(length: number): Promise<SequenceState>;
  /** Plain-text token ids (no special-token parsing). */
  tokenize(text: string): Promise<number[]>;
  /** Decodes from the end of the sequence; tokens stream as they come; the last event is `end`. Aborting stops it
   * within one decoder step (the stream then ends with stop = 'cancelled'). */
  generate(opts: GenerateOptions, signal?: AbortSignal): AsyncIterable<EngineStreamEvent>;
  close(): Promise<void>;
}

export interface EngineOptions {
  readonly modelDir: string;
  readonly ep?: EpChoice;
  /** A dtype variant of the package, or `auto` (default): q4f16 on a GPU provider, q4 on the CPU, else what it has. */
  readonly dtype?: string;
  /** Intra-op threads for ONNX Runtime (default: one per physical core; 1 on a machine with ≤ 2 logical cores). */
  readonly threads?: number;
  /** `createEngine` hashes every package file in full beside the load and refuses a mismatch (default true). The app
   * passes false: it verifies in the background and holds each run's answer until that check has passed. */
  readonly verify?: boolean;
  /** A load (or that check) taking longer fails instead of holding every later run; default 5 minutes. */
  readonly loadTimeoutMs?: number;
  /** Caps the pixels an image is resized to (smart_resize's max_pixels); defaults to the package's image_processor.max_pixels. */
  readonly maxPixels?: number;
}
