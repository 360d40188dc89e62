import type { CaseOption } from './cases.js';
import { finalAnswer, type Answer, type Trace } from './trace.js';

/**
 * What a clinician must know about a run before trusting it, in plain words: whether it gave a valid answer, the
 * differential over the offered options before and after CDIR, and the flags (low confidence, CDIR, missing
 * evidence, retrieval off, runs that disagree). One reading for the workspace, the history and the reports.
 */
export type FlagKind = 'no-valid-answer' | 'low-confidence' | 'cdir-changed' | 'cdir-consulted' | 'no-evidence' | 'retrieval-off' | 'runs-disagree' | 'incomplete';

export interface Flag {
  readonly kind: FlagKind;
  readonly level: 'danger' | 'warning' | 'info';
  readonly text: string;
}

export interface DifferentialRow {
  readonly letter: string;
  readonly text: string;
  /** Probability at the first answer; null when that answer had none. */
  readonly before: number | null;
  /** After CDIR; null when CDIR did not run or gave none. */
  readonly after: number | null;
}

export interface Assessment {
  /** The answer that stands, or null when the run gave none. */
  readonly answer: Answer | null;
  readonly valid: boolean;
  /** Why there is no valid answer (null when valid). */
  readonly problem: string | null;
  /** The chosen option's text (multiple choice), else the answer's own text. */
  readonly answerText: string | null;
  readonly differential: readonly DifferentialRow[];
  readonly flags: readonly Flag[];
}

/** Another run of the same case, for the disagreement flag: its id and its valid final letter (null: none). */
export interface RunOutcome {
  readonly runId: string;
  readonly letter: string | null;
}

export function assessRun(trace: Trace, options: readonly CaseOption[], otherRuns: readonly RunOutcome[] = []): Assessment {
  const answer = finalAnswer(trace);
  const valid = answer?.valid === true;
  const problem = answer ? answer.problem : trace.status === 'completed' ? 'the run ended without an answer' : null;
  const option = valid ? options.find((o) => o.letter === answer.letter) : undefined;
  const flags: Flag[] = [];
  const threshold = thresholdOf(trace);

  if (trace.status !== 'completed' && trace.status !== 'running') flags.push({ kind: 'incomplete', level: 'danger', text: `The run did not finish (${trace.status}): it has no answer to rely on.` });
  else if (trace.status === 'completed' && !valid) flags.push({ kind: 'no-valid-answer', level: 'danger', text: `No valid answer: ${problem ?? 'the output could not be read'}.` });
  if (valid && answer.confidence !== null && answer.confidence < threshold) {
    flags.push({ kind: 'low-confidence', level: 'warning', text: `Low confidence: ${pct(answer.confidence)} is under the ${pct(threshold)} threshold. Treat this answer as uncertain.` });
  }
  const cdirFlag = cdirFlagOf(trace, options);
  if (cdirFlag) flags.push(cdirFlag);
  const unserved = unservedQueries(trace);
  if (unserved.length) {
    const q = unserved.map((x) => `“${x}”`).join(', ');
    flags.push({ kind: 'no-evidence', level: 'warning', text: `The model asked for evidence (${q}) but none was retrieved: this answer does not rest on retrieved evidence.` });
  }
  if (retrievalOff(trace)) flags.push({ kind: 'retrieval-off', level: 'warning', text: 'Retrieval was off for this run (no knowledge base was consulted): the answer rests on the image and the model alone.' });
  const disagree = disagreement(valid ? answer.letter : null, otherRuns);
  if (disagree) flags.push({ kind: 'runs-disagree', level: 'warning', text: disagree });

  return { answer, valid, problem: valid ? null : problem, answerText: valid ? (option?.text ?? answer.text) : null, differential: differential(trace, options), flags };
}

/** The offered options with their probabilities at the first answer and after CDIR, most likely first. */
export function differential(trace: Trace, options: readonly CaseOption[]): DifferentialRow[] {
  const { initial, cdir } = trace.answers;
  if (!options.length || (!initial && !cdir)) return [];
  // An output that is not a valid answer has no probabilities worth showing (they were read off garbled text).
  const p = (a: Answer | null, letter: string) => (a?.valid && Object.keys(a.distribution).length ? (a.distribution[letter] ?? 0) : null);
  const rows = options.map((o) => ({ letter: o.letter, text: o.text, before: p(initial, o.letter), after: p(cdir, o.letter) }));
  return rows.sort((a, b) => (b.after ?? b.before ?? 0) - (a.after ?? a.before ?? 0));
}

/** "Runs of this case disagree: …" when this run's valid letter and the other runs' valid letters are not all one. */
export function disagreement(letter: string | null, others: readonly RunOutcome[]): string | null {
  const letters = [...others.map((o) => o.letter), letter].filter((l): l is string => l !== null);
  const distinct = [...new Set(letters)];
  if (distinct.length < 2) return null;
  const counts = distinct.map((l) => `${l} ×${letters.filter((x) => x === l).length}`).join(', ');
  return `Runs of this case disagree (${counts}): the model is not consistent on this question.`;
}

/** The valid final letter of a run (what the disagreement flag compares), or null. */
export function validLetter(trace: Trace): string | null {
  const a = finalAnswer(trace);
  return trace.status === 'completed' && a?.valid ? a.letter : null;
}

function cdirFlagOf(trace: Trace, options: readonly CaseOption[]): Flag | null {
  const c = trace.cdir;
  if (!c) return null;
  const name = (l: string | null) => (l ? `${l}${options.find((o) => o.letter === l) ? ` (${options.find((o) => o.letter === l)!.text})` : ''}` : 'no answer');
  const first = `${name(c.letterBefore)} at ${pct(c.before)}`;
  if (c.changed === null) return { kind: 'cdir-consulted', level: 'info', text: `The first answer, ${first}, was under the threshold: a similar reference image is being consulted.` };
  if (c.after === null && !trace.answers.cdir) return { kind: 'cdir-consulted', level: 'info', text: `The first answer, ${first}, was under the threshold, but no similar reference image was found: the first answer stands.` };
  const cdirAnswer = trace.answers.cdir;
  if (cdirAnswer && !cdirAnswer.valid) return { kind: 'cdir-consulted', level: 'warning', text: `The first answer, ${first}, was under the threshold; the second look with a similar reference image gave no valid answer (${cdirAnswer.problem ?? 'unreadable'}), so the first answer stands.` };
  if (c.changed) return { kind: 'cdir-changed', level: 'warning', text: `CDIR changed the answer: the first answer was ${first}; after consulting a similar reference image it is ${name(c.letterAfter)} at ${pct(c.after)}.` };
  return { kind: 'cdir-consulted', level: 'info', text: `The first answer, ${first}, was under the threshold; after consulting a similar reference image it stayed ${name(c.letterAfter)}, now at ${pct(c.after)}.` };
}

/** Queries that got nothing back: an empty retrieval, or a query the model wrote in a round that could not retrieve. */
function unservedQueries(trace: Trace): string[] {
  const out: string[] = [];
  const served = new Set<number>();
  for (const item of trace.items) {
    if (item.kind === 'evidence') {
      served.add(item.round);
      if (item.passages.length === 0) out.push(item.query);
    }
  }
  const cdirRound = trace.answers.cdir?.round ?? null;
  for (const item of trace.items) {
    if (item.kind !== 'text' || served.has(item.round) || item.round === cdirRound) continue;
    for (const m of item.text.matchAll(/<query>([\s\S]*?)(?:<\/query>|$)/g)) {
      const q = m[1]!.replaceAll('"', '').trim().replace(/\s+/g, ' ');
      if (q) out.push(q);
    }
  }
  return out;
}

function retrievalOff(trace: Trace): boolean {
  const p = trace.provenance;
  return !!p && (p.params.retrieval === false || p.kb.kind === 'none');
}

function thresholdOf(trace: Trace): number {
  const t = trace.provenance?.params.cdirThreshold;
  return typeof t === 'number' ? t : (trace.cdir?.threshold ?? 0.8);
}

export function pct(p: number | null | undefined): string {
  return typeof p === 'number' && Number.isFinite(p) ? `${(p * 100).toFixed(1)}%` : '—';
}
