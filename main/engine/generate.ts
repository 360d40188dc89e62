import type { ModelRunner } from './model-runner.js';
import { logSumExp, Sampler, type SamplingParams } from './sampling.js';

export interface GenerateOptions {
  readonly maxNewTokens: number;
  readonly sampling: SamplingParams;
  /** Stop once the generated text contains one of these (Med-RwR: `</query>`). */
  readonly stopStrings?: readonly string[];
  /**
   * Report, for the first token generated after `afterText` (Med-RwR: `<answer>`; a token that also carries whitespace
   * after it, like `>\n`, counts as ending it), the raw-logit probabilities of `tokenIds` (the option letters) and of the
   * chosen token at that position.
   */
  readonly probe?: { readonly afterText: string; readonly tokenIds: readonly number[] };
}

export interface GeneratedToken {
  readonly id: number;
  /** The new text this token completes (may be empty while a multi-byte character is incomplete). */
  readonly text: string;
  /** log p(token) under the raw logits, before temperature, top-k/p or penalties. */
  readonly logprob: number;
  /** Present on the probed position: probability of each probed id, and of this token. */
  readonly probe?: { readonly probs: Record<number, number> };
}

export type StopReason = 'eos' | 'stop_string' | 'max_tokens' | 'cancelled';

export interface GenerateResult {
  readonly ids: number[];
  /** The streamed pieces joined (bytes of an unfinished character at the very end are not included). */
  readonly text: string;
  readonly stop: StopReason;
  /** Time to the first token and decode time, in ms. */
  readonly firstTokenMs: number | null;
  readonly decodeMs: number;
}

/**
 * The decoding loop over a prefilled runner: choose from the last logits, stream the token, feed it, repeat. The token
 * that ends generation (an EOS, or the one completing a stop string) is not fed, so the cache ends at the previous one.
 * `cancelled()` is checked before every step, so cancellation takes effect within one decoder step.
 */
export async function generate(
  runner: ModelRunner,
  opts: GenerateOptions,
  onToken: (t: GeneratedToken) => void,
  cancelled: () => boolean = () => false,
): Promise<GenerateResult> {
  const t0 = performance.now();
  const tok = runner.tokenizer;
  const eos = new Set(tok.eosIds());
  const sampler = new Sampler(opts.sampling);
  const stops = opts.stopStrings ?? [];
  const ids: number[] = [];
  const detokenise = tok.streamDecoder();
  let text = '';
  let probed = !opts.probe;
  let firstTokenMs: number | null = null;
  let stop: StopReason = 'max_tokens';
  while (ids.length < opts.maxNewTokens) {
    if (cancelled()) {
      stop = 'cancelled';
      break;
    }
    const raw = runner.lastLogits;
    const id = sampler.next(raw, runner.tokens); // every earlier token has been fed, so the cache holds the context
    const lse = sampler.choosesRawMax ? logSumExp(raw, raw[id]!) : logSumExp(raw);
    let probe: GeneratedToken['probe'];
    if (!probed && opts.probe) {
      // Does `text` end with afterText followed by nothing but whitespace? Only an occurrence that ends inside the
      // trailing whitespace can, so the search starts there rather than scanning the whole text at every step.
      const after = opts.probe.afterText;
      if (text.indexOf(after, Math.max(0, text.trimEnd().length - after.length)) >= 0) {
        probed = true;
        const probs: Record<number, number> = {};
        for (const pid of [...opts.probe.tokenIds, id]) probs[pid] = Math.exp(raw[pid]! - lse);
        probe = { probs };
      }
    }
    if (firstTokenMs === null) firstTokenMs = performance.now() - t0;
    if (eos.has(id)) {
      stop = 'eos';
      break;
    }
    ids.push(id);
    const before = text.length;
    const piece = detokenise(id);
    text += piece;
    onToken({ id, text: piece, logprob: raw[id]! - lse, ...(probe ? { probe } : {}) });
    if (stops.some((s) => text.includes(s, Math.max(0, before - s.length)))) {
      stop = 'stop_string';
      break;
    }
    if (ids.length >= opts.maxNewTokens) break;
    await runner.feedIds([id]);
  }
  return { ids, text, stop, firstTokenMs, decodeMs: performance.now() - t0 };
}
