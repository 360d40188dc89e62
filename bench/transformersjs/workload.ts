// The side-by-side workload, defined once for both engines: the same token ids, the same counts. Each engine runs in its
// own process (bench/transformersjs.bench.ts spawns ours.ts, then tjs.ts) and prints one JSON `EngineFigures` line.
import { ModelTokenizer } from '../../main/engine/tokenizer.js';
import { loadModelPackage } from '../../main/engine/manifest.js';

export const WORKLOAD = {
  /** Text tokens before the first generated one. */
  promptTokens: 300,
  decodeTokens: 64,
  /** The two-round Med-RwR case: round 1 (think + query), cut back `rewindTokens` (to the text before `<query>`), inject a retrieval, round 2. */
  round1Tokens: 32,
  rewindTokens: 8,
  injectionTokens: 200,
  round2Tokens: 32,
};

/** What one engine measured (medians over the repeats). */
export interface EngineFigures {
  readonly engine: string;
  readonly version: string;
  readonly model: string;
  readonly threads: number;
  readonly repeats: number;
  /** Time from the call with the prompt to the first generated token, ms. */
  readonly ttftMs: number;
  readonly decodeTokensPerS: number;
  /** The generated ids of the decode run (the same graphs decoding greedily should agree). */
  readonly decodeIds: number[];
  readonly decodeTokens: number;
  readonly twoRoundMs: number;
  readonly round1Tokens: number;
  readonly round2Tokens: number;
}

/** The prompt and the injection, tokenised with the package's own tokenizer (not timed). */
export function workloadIds(modelDir: string): { prompt: number[]; injection: number[] } {
  const tok = ModelTokenizer.load(loadModelPackage(modelDir));
  const text = (n: number, words: string[]) => {
    const ids: number[] = [];
    for (let i = 0; ids.length < n; i++) ids.push(...tok.encodeText(` ${words[i % words.length]}`));
    return ids.slice(0, n);
  };
  return {
    prompt: text(WORKLOAD.promptTokens, 'the chest radiograph shows a right lower lobe opacity with air bronchograms and a small effusion'.split(' ')),
    injection: text(WORKLOAD.injectionTokens, 'retrieved lobar pneumonia presents with consolidation fever cough and crackles on auscultation'.split(' ')),
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** `--name value` arguments of a child process. */
export function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < argv.length; i += 2) out[argv[i]!.replace(/^--/, '')] = argv[i + 1]!;
  return out;
}
