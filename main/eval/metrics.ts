import { answerValidity } from '../api/answer-validity.js';

/** Per-case outcomes of a benchmark run and the figures `medrwr eval` reports. */

export interface CaseOutcome {
  readonly id: string;
  readonly split: string;
  readonly answer: string;
  /** The answer that stands (CDIR's when it ran and answered), its confidence, and the first-pass answer. */
  readonly predicted: string | null;
  readonly confidence: number | null;
  readonly initialPredicted: string | null;
  readonly validFormat: boolean;
  /** Generation rounds of the reasoning loop, not counting the CDIR round. */
  readonly rounds: number;
  readonly queries: number;
  readonly cdirFired: boolean;
  readonly ms: number;
  readonly status: 'completed' | 'cancelled' | 'failed';
  readonly error?: string;
}

export interface SplitSummary {
  readonly n: number;
  readonly accuracy: number;
  readonly cdirFireRate: number;
}

export interface EvalSummary {
  readonly n: number;
  readonly accuracy: number;
  readonly splits: Record<string, SplitSummary>;
  readonly formatValidity: number;
  readonly meanRounds: number;
  readonly maxRounds: number;
  readonly meanQueries: number;
  readonly meanConfidence: number | null;
  /** Expected calibration error of the standing answer's confidence, 10 equal-width bins. */
  readonly ece: number | null;
  readonly cdirFireRate: number;
  readonly cdirChanges: { readonly rightToWrong: number; readonly wrongToRight: number; readonly otherChanges: number };
  readonly meanMsPerCase: number;
  readonly failed: number;
}

/** Whether a transcript follows the Med-RwR output grammar with an offered letter (the shared check, main/api). */
export function validFormat(transcript: string, letters: readonly string[]): boolean {
  return answerValidity(transcript, letters).valid;
}

/** Expected calibration error: Σ_b (n_b / n) · |accuracy_b − mean confidence_b| over 10 equal-width bins. */
export function expectedCalibrationError(points: readonly { confidence: number; correct: boolean }[], bins = 10): number | null {
  if (points.length === 0) return null;
  const acc = Array.from({ length: bins }, () => ({ n: 0, conf: 0, right: 0 }));
  for (const p of points) {
    const b = acc[Math.min(bins - 1, Math.floor(p.confidence * bins))]!;
    b.n++;
    b.conf += p.confidence;
    b.right += p.correct ? 1 : 0;
  }
  return acc.reduce((s, b) => (b.n ? s + (b.n / points.length) * Math.abs(b.right / b.n - b.conf / b.n) : s), 0);
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export function summarise(outcomes: readonly CaseOutcome[]): EvalSummary {
  const correct = (o: CaseOutcome) => o.predicted !== null && o.predicted === o.answer;
  const splits: Record<string, SplitSummary> = {};
  for (const name of [...new Set(outcomes.map((o) => o.split))].sort()) {
    const s = outcomes.filter((o) => o.split === name);
    splits[name] = { n: s.length, accuracy: mean(s.map((o) => (correct(o) ? 1 : 0))), cdirFireRate: mean(s.map((o) => (o.cdirFired ? 1 : 0))) };
  }
  const withConf = outcomes.filter((o) => o.confidence !== null);
  const changes = { rightToWrong: 0, wrongToRight: 0, otherChanges: 0 };
  for (const o of outcomes) {
    if (!o.cdirFired || o.initialPredicted === o.predicted) continue;
    const before = o.initialPredicted === o.answer;
    const after = o.predicted === o.answer;
    if (before && !after) changes.rightToWrong++;
    else if (!before && after) changes.wrongToRight++;
    else changes.otherChanges++;
  }
  return {
    n: outcomes.length,
    accuracy: mean(outcomes.map((o) => (correct(o) ? 1 : 0))),
    splits,
    formatValidity: mean(outcomes.map((o) => (o.validFormat ? 1 : 0))),
    meanRounds: mean(outcomes.map((o) => o.rounds)),
    maxRounds: outcomes.reduce((m, o) => Math.max(m, o.rounds), 0),
    meanQueries: mean(outcomes.map((o) => o.queries)),
    meanConfidence: withConf.length ? mean(withConf.map((o) => o.confidence!)) : null,
    ece: expectedCalibrationError(withConf.map((o) => ({ confidence: o.confidence!, correct: correct(o) }))),
    cdirFireRate: mean(outcomes.map((o) => (o.cdirFired ? 1 : 0))),
    cdirChanges: changes,
    meanMsPerCase: mean(outcomes.map((o) => o.ms)),
    failed: outcomes.filter((o) => o.status !== 'completed').length,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The table `medrwr eval` prints (Markdown, so the model card can hold it verbatim). */
export function formatSummary(s: EvalSummary, label: string): string {
  const rows: [string, string][] = [
    ['cases', String(s.n)],
    ['accuracy', pct(s.accuracy)],
    ...Object.entries(s.splits).map(([k, v]): [string, string] => [`accuracy (${k}, n=${v.n})`, pct(v.accuracy)]),
    ['format valid', pct(s.formatValidity)],
    ['rounds (mean / max)', `${s.meanRounds.toFixed(2)} / ${s.maxRounds}`],
    ['queries (mean)', s.meanQueries.toFixed(2)],
    ['confidence (mean)', s.meanConfidence === null ? 'n/a' : s.meanConfidence.toFixed(3)],
    ['calibration error (ECE)', s.ece === null ? 'n/a' : s.ece.toFixed(3)],
    ['CDIR fired', pct(s.cdirFireRate) + ' (' + Object.entries(s.splits).map(([k, v]) => `${k} ${pct(v.cdirFireRate)}`).join(', ') + ')'],
    ['CDIR changes (right→wrong / wrong→right / other)', `${s.cdirChanges.rightToWrong} / ${s.cdirChanges.wrongToRight} / ${s.cdirChanges.otherChanges}`],
    ['time per case', `${(s.meanMsPerCase / 1000).toFixed(2)} s`],
    ...(s.failed ? [['failed runs', String(s.failed)] as [string, string]] : []),
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return [`| ${label.padEnd(w)} | value |`, `| ${'-'.repeat(w)} | ----- |`, ...rows.map(([k, v]) => `| ${k.padEnd(w)} | ${v} |`)].join('\n');
}
