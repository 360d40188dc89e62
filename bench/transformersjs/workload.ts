// The side-by-side workload, defined once for both engines: the same token ids, the same counts. Each engine runs in its
// own process (bench/transformersjs.bench.ts spawns ours.ts, then tjs.ts) and prints one JSON `EngineFigures` line.
import { buildPrompt, type Segment } from '../../main/engine/chat.js';
import { loadModelPackage } from '../../main/engine/manifest.js';
import { ModelTokenizer } from '../../main/engine/tokenizer.js';
import { patchify, type PatchedImage } from '../../main/imaging/patchify.js';
import type { RgbImage } from '../../main/imaging/rgb.js';

export const WORKLOAD = {
  /** The prompt: the ChatML template with one image of this size (resized by the package's min/max pixels) and a question of about `questionTokens`. */
  imageSize: 448,
  questionTokens: 100,
  decodeTokens: 64,
  /** The two-round Med-RwR case: round 1 (think + query), cut back `rewindTokens` (to the text before `<query>`), inject a retrieval, round 2. */
  round1Tokens: 32,
  rewindTokens: 8,
  injectionTokens: 200,
  round2Tokens: 32,
  /**
   * Untimed runs of the prompt + decode before the timed ones, in each engine's process: the first runs after a load
   * are slower in both engines (at the real width 1.5–2× for two runs: ONNX Runtime's arena grows and the memory-mapped
   * weights are first touched), which a median of three would otherwise half-measure.
   */
  warmupRuns: 1,
};

/** What one engine measured (medians over the repeats). */
export interface EngineFigures {
  readonly engine: string;
  readonly promptTokens: number;
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

/** What one engine recorded over its repeats (the timings, one per repeat), and what it is. */
export type EngineSamples = Omit<EngineFigures, 'ttftMs' | 'decodeTokensPerS' | 'decodeTokens' | 'twoRoundMs'> & { readonly ttft: number[]; readonly tps: number[]; readonly twoRound: number[] };

/** Prints one engine's figures (medians of its samples) as the JSON line the bench reads from its process. */
export function printFigures({ ttft, tps, twoRound, ...rest }: EngineSamples): void {
  // Every sample, in order, on stderr: a warm-up shows as slow first repeats.
  const r = (xs: number[]) => xs.map((x) => Math.round(x));
  process.stderr.write(`${rest.engine} ${rest.model.split('/').at(-1)}: time to first token ${r(ttft).join(' ')} ms; decode ${r(tps).join(' ')} tok/s; two rounds ${r(twoRound).join(' ')} ms\n`);
  const figures: EngineFigures = { ...rest, ttftMs: median(ttft), decodeTokensPerS: tps.length ? median(tps) : 0, decodeTokens: rest.decodeIds.length, twoRoundMs: median(twoRound) };
  process.stdout.write(JSON.stringify(figures) + '\n');
}

export interface Workload {
  /** For ours: the prompt as segments (the image decoded once, by our vision path). */
  readonly segments: Segment[];
  /**
   * For transformers.js: the same prompt as ids (`<|image_pad|>` × the image's tokens), and the image's pixel values
   * made by our preprocessing (resize, normalise, patchify), which it runs in its timed calls as ours does in `feed`.
   */
  readonly promptIds: number[];
  readonly pixels: () => PatchedImage;
  readonly injection: number[];
}

function testImage(size: number): RgbImage {
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 7)) & 255;
  return { width: size, height: size, data };
}

/** The prompt and the injection, tokenised with the package's own tokenizer (not timed). */
export function workload(modelDir: string): Workload {
  const pkg = loadModelPackage(modelDir);
  const m = pkg.manifest;
  const tok = ModelTokenizer.load(pkg);
  const text = (n: number, words: string[]) => {
    const ids: number[] = [];
    for (let i = 0; ids.length < n; i++) ids.push(...tok.encodeText(` ${words[i % words.length]}`));
    return tok.decode(ids.slice(0, n));
  };
  const img = testImage(WORKLOAD.imageSize);
  const question = text(WORKLOAD.questionTokens, 'the chest radiograph shows a right lower lobe opacity with air bronchograms and a small effusion'.split(' '));
  const segments = buildPrompt(m, [img], question);
  const vc = m.vision_config;
  const ip = m.image_processor;
  const pixels = () => patchify(img, { patchSize: vc.patch_size, temporalPatchSize: vc.temporal_patch_size, mergeSize: vc.spatial_merge_size, minPixels: ip.min_pixels, maxPixels: ip.max_pixels, mean: ip.image_mean, std: ip.image_std, rescale: ip.rescale_factor });
  const promptIds = segments.flatMap((seg) => ('text' in seg ? tok.encodeText(seg.text) : 'special' in seg ? [tok.encodeSpecial(seg.special)] : new Array<number>(pixels().tokens).fill(tok.encodeSpecial('image_pad'))));
  const injection = tok.encodeText(text(WORKLOAD.injectionTokens, 'retrieved lobar pneumonia presents with consolidation fever cough and crackles on auscultation'.split(' ')));
  return { segments, promptIds, pixels, injection };
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
