import type { Manifest } from '../engine/manifest.js';

/** Everything that shapes a run; recorded in provenance. Defaults come from the model's manifest, never from code. */
export interface ReasoningParams {
  readonly retrieval: boolean;
  readonly cdir: boolean;
  readonly maxRounds: number;
  readonly k: number;
  readonly cdirThreshold: number;
  readonly maxNewTokens: number;
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  readonly repetitionPenalty: number;
  readonly seed: number;
}

export function defaultParams(m: Manifest, overrides: Partial<ReasoningParams> = {}): ReasoningParams {
  const p: ReasoningParams = {
    retrieval: true,
    cdir: true,
    maxRounds: m.protocol.max_rounds,
    k: m.protocol.k,
    cdirThreshold: m.protocol.cdir_threshold,
    maxNewTokens: m.generation.max_new_tokens,
    temperature: m.generation.temperature,
    topK: m.generation.top_k,
    topP: m.generation.top_p,
    repetitionPenalty: m.generation.repetition_penalty,
    seed: m.generation.seed,
    ...stripUndefined(overrides),
  };
  if (!Number.isInteger(p.maxRounds) || p.maxRounds < 1) throw new RangeError('maxRounds must be a positive integer');
  if (!Number.isInteger(p.k) || p.k < 1) throw new RangeError('k must be a positive integer');
  if (p.cdirThreshold < 0 || p.cdirThreshold > 1) throw new RangeError('cdirThreshold must be in [0, 1]');
  return p;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
