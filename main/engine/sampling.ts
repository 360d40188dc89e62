/** Next-token choice from one position's logits: greedy or sampled, with HF-style processors and a seeded RNG. */
export interface SamplingParams {
  /** 0 = greedy (argmax of the processed logits). */
  readonly temperature: number;
  /** 0 = off. */
  readonly topK: number;
  /** 1 = off. */
  readonly topP: number;
  /** 1 = off; > 1 discourages tokens already in the sequence (HF semantics: divide positive logits, multiply negative). */
  readonly repetitionPenalty: number;
  readonly seed: number;
  /**
   * Forced decoding, for tests and benchmarks only: the ids chosen at the first steps, in order, whatever the logits
   * say (the model still computes every step; only the choice is taken away). Choice returns to the parameters above
   * once they run out. Random weights never write the protocol's tags: this drives a real-size model through a round.
   */
  readonly forced?: readonly number[];
}

/** mulberry32: small, fast, and the same sequence on every platform for a given seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** log softmax of one logit at `index`, computed in float64. */
export function logSoftmaxAt(logits: ArrayLike<number>, index: number): number {
  return logits[index]! - logSumExp(logits);
}

/** `max`, when the caller already knows the largest logit (greedy just found it), saves a pass over the vocabulary. */
export function logSumExp(logits: ArrayLike<number>, max = maxOf(logits)): number {
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  return max + Math.log(sum);
}

function maxOf(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  return max;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * A candidate set as the steps pass it on: token ids sorted by logit (highest first) and their logits. A step may
 * change logits, drop candidates from the tail, or both; the last step's candidates are drawn from.
 */
interface Candidates {
  ids: number[];
  logits: Float64Array;
}

/** One processing step of the HF-style chain, in the order the reference applies them. */
type Step = (c: Candidates, context: Iterable<number>) => Candidates;

/** HF semantics: divide positive logits, multiply negative ones, for every token already in the sequence. */
const repetitionPenalty =
  (penalty: number): Step =>
  (c, context) => {
    for (const id of new Set(context)) {
      if (id < 0 || id >= c.logits.length) continue;
      const v = c.logits[id]!;
      c.logits[id] = v > 0 ? v / penalty : v * penalty;
    }
    return c;
  };

const temperature =
  (t: number): Step =>
  (c) => {
    for (let i = 0; i < c.logits.length; i++) c.logits[i] = c.logits[i]! / t;
    return c;
  };

/** Sorts the candidates by logit (what top-k and top-p keep a prefix of). */
const rank: Step = (c) => ({ ids: Array.from(c.logits.keys()).sort((a, b) => c.logits[b]! - c.logits[a]!), logits: c.logits });

const topK =
  (k: number): Step =>
  (c) => (k > 0 && k < c.ids.length ? { ids: c.ids.slice(0, k), logits: c.logits } : c);

/** Nucleus: the smallest prefix whose probability reaches p. */
const topP =
  (p: number): Step =>
  (c) => {
    if (p >= 1) return c;
    const probs = probabilities(c);
    let cum = 0;
    for (let j = 0; j < probs.length; j++) {
      cum += probs[j]!;
      if (cum >= p) return { ids: c.ids.slice(0, j + 1), logits: c.logits };
    }
    return c;
  };

function probabilities(c: Candidates): number[] {
  const lse = logSumExp(c.ids.map((i) => c.logits[i]!));
  return c.ids.map((i) => Math.exp(c.logits[i]! - lse));
}

/** The steps these parameters call for; an empty list means plain greedy on the raw logits. */
function stepsFor(p: SamplingParams): { steps: Step[]; greedy: boolean } {
  const greedy = p.temperature === 0 || p.topK === 1;
  const steps: Step[] = [];
  if (p.repetitionPenalty !== 1) steps.push(repetitionPenalty(p.repetitionPenalty));
  if (!greedy) steps.push(temperature(p.temperature), rank, topK(p.topK), topP(p.topP));
  return { steps, greedy };
}

export class Sampler {
  private readonly random: () => number;
  private readonly steps: Step[];
  private readonly greedy: boolean;
  private readonly forced: readonly number[];
  private step = 0;

  constructor(params: SamplingParams) {
    if (params.temperature < 0) throw new RangeError('temperature must be ≥ 0');
    if (params.topP <= 0 || params.topP > 1) throw new RangeError('top_p must be in (0, 1]');
    if (params.repetitionPenalty <= 0) throw new RangeError('repetition_penalty must be > 0');
    this.random = seededRandom(params.seed);
    ({ steps: this.steps, greedy: this.greedy } = stepsFor(params));
    this.forced = params.forced ?? [];
  }

  /** True when the choice is the argmax of the raw logits (greedy, no penalty): the chosen logit is then the largest. */
  get choosesRawMax(): boolean {
    return this.steps.length === 0;
  }

  /** Picks the next token. `raw` is not modified; `context` is every token id in the sequence so far. */
  next(raw: Float32Array, context: Iterable<number>): number {
    const forced = this.forced[this.step++];
    if (forced !== undefined) return forced;
    if (this.steps.length === 0) return argmax(raw);
    let c: Candidates = { ids: [], logits: Float64Array.from(raw) };
    for (const step of this.steps) c = step(c, context);
    if (this.greedy) return argmax(c.logits);
    // Draw from what the steps kept, in proportion to its probabilities.
    const probs = probabilities(c);
    let u = this.random() * probs.reduce((a, b) => a + b, 0);
    for (let j = 0; j < probs.length; j++) {
      u -= probs[j]!;
      if (u < 0) return c.ids[j]!;
    }
    return c.ids[c.ids.length - 1]!;
  }
}
