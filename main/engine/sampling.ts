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

export function logSumExp(logits: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  return max + Math.log(sum);
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

export class Sampler {
  private readonly random: () => number;

  constructor(private readonly params: SamplingParams) {
    if (params.temperature < 0) throw new RangeError('temperature must be ≥ 0');
    if (params.topP <= 0 || params.topP > 1) throw new RangeError('top_p must be in (0, 1]');
    if (params.repetitionPenalty <= 0) throw new RangeError('repetition_penalty must be > 0');
    this.random = seededRandom(params.seed);
  }

  /** Picks the next token. `raw` is not modified; `context` is every token id in the sequence so far. */
  next(raw: Float32Array, context: Iterable<number>): number {
    const p = this.params;
    const greedyOnly = p.repetitionPenalty === 1 && (p.temperature === 0 || p.topK === 1);
    if (greedyOnly) return argmax(raw);
    const logits = Float64Array.from(raw);
    if (p.repetitionPenalty !== 1) {
      for (const id of new Set(context)) {
        if (id < 0 || id >= logits.length) continue;
        const v = logits[id]!;
        logits[id] = v > 0 ? v / p.repetitionPenalty : v * p.repetitionPenalty;
      }
    }
    if (p.temperature === 0 || p.topK === 1) return argmax(logits);
    for (let i = 0; i < logits.length; i++) logits[i] = logits[i]! / p.temperature;
    // Candidates sorted by logit; top-k then top-p (nucleus) keep a prefix of them.
    let order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]!);
    if (p.topK > 0 && p.topK < order.length) order = order.slice(0, p.topK);
    const lse = logSumExp(order.map((i) => logits[i]!));
    const probs = order.map((i) => Math.exp(logits[i]! - lse));
    let keep = probs.length;
    if (p.topP < 1) {
      let cum = 0;
      for (let j = 0; j < probs.length; j++) {
        cum += probs[j]!;
        if (cum >= p.topP) {
          keep = j + 1;
          break;
        }
      }
    }
    let total = 0;
    for (let j = 0; j < keep; j++) total += probs[j]!;
    let u = this.random() * total;
    for (let j = 0; j < keep; j++) {
      u -= probs[j]!;
      if (u < 0) return order[j]!;
    }
    return order[keep - 1]!;
  }
}
