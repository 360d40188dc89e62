import { answerValidity } from '../api/answer-validity.js';
import type { AppEvent } from '../api/events.js';
import type { Provenance } from '../api/run-events.js';
import { buildPrompt } from '../engine/chat.js';
import type { Engine, EngineStreamEvent } from '../engine/engine.js';
import type { GenerateResult } from '../engine/generate.js';
import type { Manifest } from '../engine/manifest.js';
import { smartResize } from '../imaging/smart-resize.js';
import { pngDataUrl } from '../imaging/decode.js';
import { thumbnailDataUrl } from '../imaging/thumbnail.js';
import type { RgbImage } from '../imaging/rgb.js';
import type { ImageRetriever, Passage, TextRetriever } from '../kb/retriever.js';
import type { Emit, EventDraft } from './events.js';
import { defaultParams, type ReasoningParams } from './params.js';
import { cdirPieces, findQuery, formatRetrieve, injectionPieces, neutralise, neutralisedNotice, optionLetter, parseAnswer, userText } from './protocol.js';

export interface ReasoningInput {
  /** The run id: every event carries it as `taskId`. */
  readonly taskId: string;
  /** Key images, already rendered (the loop knows nothing of files or DICOM). */
  readonly images: readonly RgbImage[];
  readonly question: string;
  /** Offered options, e.g. "A. Pneumonia"; empty for a free-text question. */
  readonly options: readonly string[];
}

export interface ReasoningDeps {
  readonly engine: Engine;
  readonly textRetriever?: TextRetriever | null;
  readonly imageRetriever?: ImageRetriever | null;
  readonly emit?: Emit;
  readonly signal?: AbortSignal;
}

export interface AnswerResult {
  readonly letter: string | null;
  readonly text: string;
  readonly confidence: number | null;
  readonly distribution: Record<string, number>;
  /** Whether the output holds a usable answer (main/api/answer-validity.ts); when not, `problem` says why. */
  readonly valid: boolean;
  readonly problem: string | null;
}

const NO_ANSWER = { letter: null, text: '', confidence: null, distribution: {} };

export interface ReasoningResult {
  readonly status: 'completed' | 'cancelled' | 'failed';
  readonly error?: string;
  /** Why it failed: input the run cannot use (`bad_request`), or a fault (`internal`). */
  readonly errorCode?: 'bad_request' | 'internal';
  /** The answer that stands: CDIR's when it ran and answered, else the first. */
  readonly answer: AnswerResult | null;
  readonly initialAnswer: AnswerResult | null;
  /** The assistant text as the reference returns it: Σ(r + q + d) + the last output. */
  readonly transcript: string;
  readonly provenance: Provenance;
  readonly timings: { totalMs: number; firstTokenMs: number | null; prefillMs: number; decodeMs: number; retrievalMs: number; generatedTokens: number; rounds: number };
  /** Every event of the run, in order. */
  readonly events: (AppEvent | EventDraft)[];
}

class Cancelled extends Error {}
/** Input the run cannot use (reported with code `bad_request`, not as an internal failure). */
class BadInput extends Error {}

/**
 * Med-RwR reasoning with retrieval, with CDIR (DESIGN §4; medrwr-protocol.md §2.5, §4.2), as a state machine over an
 * engine and two retrievers:
 *
 *   prompt → round t: decode until `</query>` (or EOS) → query? rewind the cache to the text before `<query>`, inject
 *   `r + "\n"`, `"<query> q </query>\n"`, `"<retrieve> (1) … </retrieve>\n"` → round t+1 … (≤ maxRounds generations;
 *   the last decodes to EOS) → answer + confidence → below threshold? CDIR: the user turn again with the similar image
 *   added, the earlier turns, the consultation turn → one more round → answer.
 */
export async function runReasoning(input: ReasoningInput, deps: ReasoningDeps, overrides: Partial<ReasoningParams> = {}): Promise<ReasoningResult> {
  const t0 = performance.now();
  const { engine, signal } = deps;
  const manifest = engine.info.manifest;
  const params = defaultParams(manifest, overrides);
  const textRetriever = params.retrieval ? (deps.textRetriever ?? null) : null;
  const imageRetriever = params.cdir ? (deps.imageRetriever ?? null) : null;
  const events: (AppEvent | EventDraft)[] = [];
  const emit = (draft: EventDraft) => events.push(deps.emit?.(draft) ?? draft);
  const taskId = input.taskId;
  const timings = { totalMs: 0, firstTokenMs: null as number | null, prefillMs: 0, decodeMs: 0, retrievalMs: 0, generatedTokens: 0, rounds: 0 };
  const provenance: Provenance = {
    model: { id: engine.info.modelId, version: engine.info.version, sha256: engine.info.sha256, synthetic: engine.info.synthetic, dtype: engine.info.dtype },
    kb: textRetriever
      ? { id: textRetriever.description.id, version: textRetriever.description.version, kind: textRetriever.description.kind, embedder: textRetriever.description.embedder ?? null }
      : { id: 'none', version: '', kind: 'none' },
    imageLibrary: imageRetriever ? { id: imageRetriever.description.id, version: imageRetriever.description.version } : null,
    executionProvider: engine.info.provider,
    params: { ...params, options: input.options.length, images: input.images.length },
    startedAt: new Date().toISOString(),
  };
  const checkCancel = () => {
    if (signal?.aborted) throw new Cancelled();
  };
  const finish = (status: ReasoningResult['status'], answer: AnswerResult | null, initial: AnswerResult | null, transcript: string, error?: { code: 'bad_request' | 'internal'; message: string }): ReasoningResult => {
    timings.totalMs = performance.now() - t0;
    if (status === 'completed') {
      const stands = answer?.valid ? answer : null; // an invalid answer has no letter or confidence to stand on
      emit({ type: 'summary', taskId, timings: { ...timings }, finalLetter: stands?.letter ?? null, finalConfidence: stands?.confidence ?? null, finalValid: stands !== null });
    }
    emit({ type: 'done', taskId, status });
    return { status, ...(error ? { error: error.message, errorCode: error.code } : {}), answer, initialAnswer: initial, transcript, provenance, timings: { ...timings }, events };
  };

  emit({ type: 'run', taskId, provenance });
  if (engine.info.fallbackNotice) emit({ type: 'notice', taskId, level: 'warning', message: engine.info.fallbackNotice });
  if (params.retrieval && !textRetriever) emit({ type: 'notice', taskId, level: 'info', message: 'no knowledge base is open: queries get "None"' });

  const turns: string[] = [];
  /** What the model itself wrote in the rounds so far (no injected text): what answer validity is judged on. */
  const written: string[] = [];
  let lastOutput = '';
  let initial: AnswerResult | null = null;
  try {
    checkImages(input.images, manifest);
    const letters = await letterTokens(engine, input.options);
    const probe = { afterText: '<answer>', tokenIds: [...new Set([...letters.values()].flat())] };
    const text = userText(input.question, input.options);
    const escaped = neutralisedNotice(input.question, input.options);
    if (escaped) emit({ type: 'notice', taskId, level: 'info', message: escaped });

    /** Decodes one round, streaming its tokens; returns the output text and the probe at the answer position. */
    const round = async (index: number, stopAtQuery: boolean) => {
      timings.rounds++;
      const stream: AsyncIterable<EngineStreamEvent> = engine.generate(
        {
          maxNewTokens: params.maxNewTokens,
          sampling: { temperature: params.temperature, topK: params.topK, topP: params.topP, repetitionPenalty: params.repetitionPenalty, seed: params.seed + index },
          stopStrings: stopAtQuery ? manifest.protocol.stop_strings : [],
          probe,
        },
        signal,
      );
      let result: GenerateResult | null = null;
      let answerProbe: { id: number; probs: Record<number, number> } | null = null;
      for await (const e of stream) {
        if (e.type === 'end') {
          result = e.result;
          break;
        }
        if (timings.firstTokenMs === null) timings.firstTokenMs = performance.now() - t0;
        if (e.token.probe) answerProbe = { id: e.token.id, probs: e.token.probe.probs };
        emit({ type: 'token', taskId, round: index, text: e.token.text, tokenId: e.token.id, logprob: e.token.logprob });
      }
      if (!result) throw new Error('the engine ended a round without a result');
      timings.decodeMs += result.decodeMs;
      timings.generatedTokens += result.ids.length;
      if (result.stop === 'cancelled') throw new Cancelled();
      return { output: result.text, answerProbe };
    };

    /** `modelText`: everything the model wrote for this answer (earlier rounds included), checked for validity. */
    const answerOf = (output: string, modelText: string, ap: { id: number; probs: Record<number, number> } | null): AnswerResult => {
      const validity = answerValidity(modelText, [...letters.keys()]);
      const parsed = parseAnswer(output);
      if (!parsed) return { ...NO_ANSWER, valid: false, problem: validity.valid ? 'the output has no answer section' : validity.reason };
      const distribution: Record<string, number> = {};
      for (const [letter, ids] of letters) distribution[letter] = ap ? ids.reduce((s, id) => s + (ap.probs[id] ?? 0), 0) : 0;
      const letter = validity.valid && validity.letter ? validity.letter : parsed.letter;
      return { letter, text: parsed.text, confidence: ap ? (ap.probs[ap.id] ?? null) : null, distribution, valid: validity.valid, problem: validity.valid ? null : validity.reason };
    };

    // Rounds of reasoning with retrieval.
    let state = await engine.prefill(buildPrompt(manifest, input.images, text));
    timings.prefillMs += state.ms;
    let answerProbe: { id: number; probs: Record<number, number> } | null = null;
    for (let t = 0; t < params.maxRounds; t++) {
      checkCancel();
      const canRetrieve = params.retrieval && t < params.maxRounds - 1;
      const base = state.length;
      const r = await round(t, canRetrieve);
      lastOutput = r.output;
      written.push(r.output);
      answerProbe = r.answerProbe;
      const found = canRetrieve ? findQuery(r.output) : null;
      if (!found) break;
      emit({ type: 'query', taskId, round: t, query: found.query });
      const tr = performance.now();
      let passages: Passage[] = [];
      try {
        passages = textRetriever ? (await textRetriever.search(found.query, params.k, signal)).slice(0, params.k) : [];
      } catch (err) {
        checkCancel();
        emit({ type: 'notice', taskId, level: 'warning', message: `retrieval failed (${(err as Error).message}); the model is told "None"` });
      }
      timings.retrievalMs += performance.now() - tr;
      checkCancel();
      // The passages as fed: neutralised, so the trace shows what the model read.
      emit({ type: 'evidence', taskId, round: t, query: found.query, passages: passages.map((p) => ({ ...p, text: neutralise(p.text) })) });
      const pieces = injectionPieces(found.before, found.query, formatRetrieve(passages.map((p) => p.text), manifest));
      turns.push(...pieces);
      state = await engine.rewrite(base, pieces);
      timings.prefillMs += state.ms;
    }
    initial = answerOf(lastOutput, written.join(''), answerProbe);
    emit({ type: 'answer', taskId, phase: 'initial', ...initial });

    // CDIR: one more round with the most similar library image when the model is unsure.
    let final = initial;
    const before = initial.confidence;
    const unsure = before !== null && before < params.cdirThreshold;
    if (unsure && params.cdir && (!imageRetriever || input.images.length === 0)) {
      const why = imageRetriever ? 'the question has no image' : 'no image library is open';
      emit({ type: 'notice', taskId, level: 'info', message: `confidence ${before.toFixed(3)} is below the CDIR threshold ${params.cdirThreshold}, but ${why}: the first answer stands` });
    }
    if (imageRetriever && unsure && input.images.length > 0) {
      checkCancel();
      const tr = performance.now();
      const similar = await imageRetriever.mostSimilar(input.images[0]!, signal);
      timings.retrievalMs += performance.now() - tr;
      emit({
        type: 'cdir',
        taskId,
        stage: 'triggered',
        before,
        threshold: params.cdirThreshold,
        similar: similar ? { id: similar.id, caption: neutralise(similar.caption), ...(similar.source ? { source: similar.source } : {}), score: similar.score, thumbnail: similar.thumbnailPng ? pngDataUrl(similar.thumbnailPng) : thumbnailDataUrl(similar.image) } : null,
      });
      if (!similar) {
        emit({ type: 'notice', taskId, level: 'warning', message: 'CDIR: the image library returned no similar image; the first answer stands' });
        emit({ type: 'cdir', taskId, stage: 'resolved', before, after: null, letterBefore: initial?.letter ?? null, letterAfter: null, changed: false });
      } else {
        const pieces = [...turns, ...cdirPieces(manifest, similar.caption)];
        state = await engine.prefill([...buildPrompt(manifest, [...input.images, similar.image], text), ...pieces.map((p) => ({ text: p }))]);
        timings.prefillMs += state.ms;
        turns.push(...cdirPieces(manifest, similar.caption));
        const r = await round(timings.rounds, false);
        lastOutput = r.output;
        const after = answerOf(r.output, r.output, r.answerProbe);
        emit({ type: 'answer', taskId, phase: 'cdir', ...after });
        emit({
          type: 'cdir',
          taskId,
          stage: 'resolved',
          before,
          after: after?.confidence ?? null,
          letterBefore: initial?.letter ?? null,
          letterAfter: after?.letter ?? null,
          changed: (after?.letter ?? null) !== (initial?.letter ?? null),
        });
        if (after.valid || !initial.valid) final = after;
      }
    }
    return finish('completed', final, initial, turns.join('') + lastOutput);
  } catch (err) {
    if (err instanceof Cancelled || signal?.aborted) return finish('cancelled', null, initial, turns.join('') + lastOutput);
    const error = { code: err instanceof BadInput ? ('bad_request' as const) : ('internal' as const), message: err instanceof Error ? err.message : String(err) };
    emit({ type: 'error', taskId, ...error });
    return finish('failed', null, initial, turns.join('') + lastOutput, error);
  }
}

/** Refuses unusable images before any model work, saying which one (the engine would refuse them later, namelessly). */
function checkImages(images: readonly RgbImage[], m: Manifest): void {
  const factor = m.vision_config.patch_size * m.vision_config.spatial_merge_size;
  images.forEach((img, i) => {
    try {
      smartResize(img.height, img.width, factor, m.image_processor.min_pixels, m.image_processor.max_pixels);
    } catch (err) {
      throw new BadInput(`image ${i + 1} of ${images.length} cannot be used: ${(err as Error).message}`);
    }
  });
}

/** Token ids that spell each option letter at the answer position: "A" and " A" (Qwen's usual form), when one token. */
async function letterTokens(engine: Engine, options: readonly string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const letter of options.map(optionLetter)) {
    const ids = new Set<number>();
    for (const form of [letter, ` ${letter}`]) {
      const t = await engine.tokenize(form);
      if (t.length === 1) ids.add(t[0]!);
    }
    out.set(letter, [...ids]);
  }
  return out;
}
