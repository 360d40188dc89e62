import type { Engine } from '../engine/engine.js';
import type { ImageRetriever, TextRetriever } from '../kb/retriever.js';
import type { ReasoningParams } from '../reasoning/params.js';
import { optionLetter } from '../reasoning/protocol.js';
import { runReasoning } from '../reasoning/run.js';
import { loadImageFile } from '../dicom/load-image.js';
import type { BenchCase } from './bench.js';
import { summarise, validFormat, type CaseOutcome, type EvalSummary } from './metrics.js';

export interface EvalDeps {
  readonly engine: Engine;
  /** null: every query is answered "None" (the --no-retrieval ablation). */
  readonly textRetriever: TextRetriever | null;
  /** null: CDIR never runs (the --no-cdir ablation). */
  readonly imageRetriever: ImageRetriever | null;
  readonly signal?: AbortSignal;
  readonly onCase?: (done: number, total: number, last: CaseOutcome) => void;
}

/**
 * Runs every case through the real reasoning loop. Honest by construction: the loop gets the pixels, the question and
 * the options, nothing else; the answer, id and split are only read back here to score the result.
 */
export async function runEval(cases: readonly BenchCase[], deps: EvalDeps, overrides: Partial<ReasoningParams> = {}): Promise<{ outcomes: CaseOutcome[]; summary: EvalSummary }> {
  const outcomes: CaseOutcome[] = [];
  for (const [i, c] of cases.entries()) {
    if (deps.signal?.aborted) break;
    const t0 = performance.now();
    const images = await Promise.all(c.images.map(loadImageFile));
    const result = await runReasoning(
      { taskId: `eval-${i + 1}`, images, question: c.question, options: c.options },
      { engine: deps.engine, textRetriever: deps.textRetriever, imageRetriever: deps.imageRetriever, ...(deps.signal ? { signal: deps.signal } : {}) },
      { ...overrides, retrieval: true, cdir: deps.imageRetriever !== null },
    );
    const ev = result.events;
    const cdirFired = ev.some((e) => e.type === 'cdir' && e.stage === 'triggered');
    const cdirRound = ev.some((e) => e.type === 'answer' && e.phase === 'cdir');
    const outcome: CaseOutcome = {
      id: c.id,
      split: c.split,
      answer: c.answer,
      predicted: result.answer?.letter ?? null,
      confidence: result.answer?.confidence ?? null,
      initialPredicted: result.initialAnswer?.letter ?? null,
      validFormat: result.status === 'completed' && validFormat(result.transcript, c.options.map(optionLetter)),
      rounds: result.timings.rounds - (cdirRound ? 1 : 0),
      queries: ev.filter((e) => e.type === 'query').length,
      cdirFired,
      ms: performance.now() - t0,
      status: result.status,
      ...(result.error ? { error: result.error } : {}),
    };
    outcomes.push(outcome);
    deps.onCase?.(outcomes.length, cases.length, outcome);
  }
  return { outcomes, summary: summarise(outcomes) };
}
