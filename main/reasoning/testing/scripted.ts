import type { Segment } from '../../engine/chat.js';
import type { Engine, EngineInfo, EngineStreamEvent, SequenceState } from '../../engine/engine.js';
import type { GenerateOptions } from '../../engine/generate.js';
import { loadModelPackage } from '../../engine/manifest.js';
import type { RgbImage } from '../../imaging/rgb.js';
import type { ImageRetriever, Passage, SimilarImage, TextRetriever } from '../../kb/retriever.js';
import { FIXTURE_DIR } from '../../engine/testing/fixture.js';

/**
 * A scripted stand-in for the engine, for the protocol paths a random-weight model never takes (queries, answers,
 * confidences). It keeps the context as text, exactly as the real engine keeps it as tokens: prefill sets it, generate
 * appends what it outputs (without the token that ends the round), rewrite cuts back to `keep` and appends the pieces.
 * Lengths are character counts. The real-engine tests check the token side of the same operations.
 */
export interface ScriptedRound {
  /** Output text; split into tokens at spaces and tag boundaries. */
  readonly output: string;
  /**
   * Probabilities at the probed position, found as main/engine/generate.ts finds it: the first token after the last
   * `opts.probe.afterText` (`<answer>`) with nothing but whitespace between. By option letter (given to " X").
   */
  readonly answerProbs?: Record<string, number>;
}

export class ScriptedEngine implements Engine {
  readonly info: EngineInfo;
  context = '';
  readonly calls: { op: string; arg: unknown }[] = [];
  private round = 0;

  constructor(private readonly rounds: ScriptedRound[]) {
    const pkg = loadModelPackage(FIXTURE_DIR);
    this.info = { modelId: 'scripted', version: '0', name: 'scripted', sha256: '0'.repeat(64), synthetic: true, requestedProvider: 'cpu', provider: 'cpu', dtype: 'fp32', variantBytes: 0, fallbackNotice: null, manifest: pkg.manifest, eosIds: [0] };
  }

  get roundsUsed(): number {
    return this.round;
  }

  async prefill(segments: readonly Segment[]): Promise<SequenceState> {
    this.calls.push({ op: 'prefill', arg: segments });
    this.context = render(segments);
    return { length: this.context.length, ms: 0 };
  }
  async append(segments: readonly Segment[]): Promise<SequenceState> {
    this.calls.push({ op: 'append', arg: segments });
    this.context += render(segments);
    return { length: this.context.length, ms: 0 };
  }
  async rewrite(keep: number, pieces: readonly string[]): Promise<SequenceState> {
    this.calls.push({ op: 'rewrite', arg: { keep, pieces } });
    this.context = this.context.slice(0, keep) + pieces.join('');
    return { length: this.context.length, ms: 0 };
  }
  async truncate(length: number): Promise<SequenceState> {
    this.context = this.context.slice(0, length);
    return { length, ms: 0 };
  }
  /** One id per single-character text; " X" is 1000 + the code of X. */
  async tokenize(text: string): Promise<number[]> {
    if (text.length === 2 && text[0] === ' ') return [1000 + text.charCodeAt(1)];
    return Array.from(text, (c) => c.charCodeAt(0));
  }

  async *generate(opts: GenerateOptions, signal?: AbortSignal): AsyncIterable<EngineStreamEvent> {
    const script = this.rounds[this.round++];
    if (!script) throw new Error(`the script has no round ${this.round}`);
    this.calls.push({ op: 'generate', arg: opts });
    const pieces = script.output.match(/<\/?[a-z]+>| ?[A-Z](?=[.\s<])|\s*[^\s<]+|\s+/g) ?? [];
    let text = '';
    const probeAfter = opts.probe?.afterText;
    let probed = !probeAfter || !script.answerProbs;
    const ids: number[] = [];
    for (const piece of pieces) {
      if (signal?.aborted) {
        yield { type: 'end', result: { ids, text, stop: 'cancelled', firstTokenMs: 0, decodeMs: 0 } };
        return;
      }
      const id = piece.length === 2 && piece[0] === ' ' ? 1000 + piece.charCodeAt(1) : 5000 + ids.length;
      let probe: { probs: Record<number, number> } | undefined;
      if (!probed && probeAfter && script.answerProbs) {
        const at = text.lastIndexOf(probeAfter);
        if (at >= 0 && text.slice(at + probeAfter.length).trim() === '') {
          probed = true;
          const probs: Record<number, number> = {};
          for (const [letter, p] of Object.entries(script.answerProbs)) probs[1000 + letter.charCodeAt(0)] = p;
          probe = { probs };
        }
      }
      ids.push(id);
      const before = text;
      text += piece;
      yield { type: 'token', token: { id, text: piece, logprob: -0.1, ...(probe ? { probe } : {}) } };
      const stop = opts.stopStrings?.find((s) => text.includes(s, Math.max(0, before.length - s.length)));
      if (stop) {
        this.context += before; // the token completing the stop string is not fed
        yield { type: 'end', result: { ids, text, stop: 'stop_string', firstTokenMs: 0, decodeMs: 0 } };
        return;
      }
    }
    this.context += text;
    yield { type: 'end', result: { ids, text, stop: 'eos', firstTokenMs: 0, decodeMs: 0 } };
  }

  async close(): Promise<void> {}
}

function render(segments: readonly Segment[]): string {
  return segments.map((s) => ('text' in s ? s.text : 'special' in s ? s.special : `[image ${s.image.width}x${s.image.height}]`)).join('');
}

/** A text retriever that answers from a table and records what it was asked. */
export class ScriptedRetriever implements TextRetriever {
  readonly description = { id: 'scripted-kb', version: '1', kind: 'local' as const };
  readonly queries: string[] = [];
  constructor(private readonly answer: (q: string) => string[]) {}
  async search(query: string, k: number): Promise<Passage[]> {
    this.queries.push(query);
    return this.answer(query).slice(0, k).map((text, i) => ({ id: `p${i}`, text, scores: { fused: 1 / (i + 1) }, rank: i + 1 }));
  }
}

export class ScriptedImageRetriever implements ImageRetriever {
  readonly description = { id: 'scripted-images', version: '1' };
  readonly asked: RgbImage[] = [];
  constructor(private readonly result: SimilarImage | null) {}
  async mostSimilar(image: RgbImage): Promise<SimilarImage | null> {
    this.asked.push(image);
    return this.result;
  }
}

export function grey(width: number, height: number, v = 128): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3).fill(v) };
}
