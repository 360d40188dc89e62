import type { z } from 'zod';
import { answerValidity } from './answer-validity.js';
import type { AppEvent } from './events.js';
import type { AnswerEvent, CdirEvent, EvidencePassage, Provenance, Timings } from './run-events.js';

/**
 * A run's event log folded into what people read: the streamed text, each query and its evidence in place, the
 * answers, CDIR and the outcome. One fold for the workspace (event by event, as they stream) and the reports.
 */
export type TraceItem =
  | { kind: 'text'; round: number; text: string }
  | { kind: 'query'; round: number; query: string }
  | { kind: 'evidence'; round: number; query: string; passages: EvidencePassage[] }
  | { kind: 'answer'; answer: Answer }
  | { kind: 'cdir'; cdir: Cdir }
  | { kind: 'notice'; level: 'info' | 'warning'; message: string; damaged?: { seq: number; raw: string } };

export type Answer = Omit<z.infer<typeof AnswerEvent>, 'taskId' | 'seq' | 'at' | 'type' | 'valid' | 'problem'> & {
  /** Whether the output holds a usable answer; when not, `problem` says why and the confidence means nothing. */
  valid: boolean;
  problem: string | null;
  /** The round whose tokens came last before it (null: the model wrote nothing). */
  round: number | null;
};
type CdirTriggered = Extract<z.infer<typeof CdirEvent>, { stage: 'triggered' }>;
type CdirResolved = Extract<z.infer<typeof CdirEvent>, { stage: 'resolved' }>;

export interface Cdir {
  before: number;
  threshold: number;
  similar: CdirTriggered['similar'];
  /** Set once the extra round answered. */
  after: number | null;
  letterBefore: string | null;
  letterAfter: string | null;
  changed: boolean | null;
}

export interface Trace {
  items: TraceItem[];
  provenance: Provenance | null;
  answers: { initial: Answer | null; cdir: Answer | null };
  cdir: Cdir | null;
  timings: Timings | null;
  finalLetter: string | null;
  finalConfidence: number | null;
  status: 'running' | 'completed' | 'cancelled' | 'failed' | 'interrupted';
  error: { code: string; message: string } | null;
  tokens: number;
  lastSeq: number;
  /** The round of the newest token: an answer belongs to the round that produced it. */
  lastRound: number | null;
}

export const EMPTY_TRACE: Trace = {
  items: [],
  provenance: null,
  answers: { initial: null, cdir: null },
  cdir: null,
  timings: null,
  finalLetter: null,
  finalConfidence: null,
  status: 'running',
  error: null,
  tokens: 0,
  lastSeq: -1,
  lastRound: null,
};

/** Folds one event in; returns a new trace (the items array is copied, untouched items are shared). Repeats are ignored. */
export function reduceTrace(trace: Trace, event: AppEvent): Trace {
  if (event.seq <= trace.lastSeq) return trace;
  const next: Trace = { ...trace, lastSeq: event.seq };
  switch (event.type) {
    case 'run':
      next.provenance = event.provenance;
      break;
    case 'token': {
      const items = trace.items.slice();
      const last = items[items.length - 1];
      if (last?.kind === 'text' && last.round === event.round) items[items.length - 1] = { ...last, text: last.text + event.text };
      else items.push({ kind: 'text', round: event.round, text: event.text });
      next.items = items;
      next.tokens = trace.tokens + 1;
      next.lastRound = event.round;
      break;
    }
    case 'query':
      next.items = [...trace.items, { kind: 'query', round: event.round, query: event.query }];
      break;
    case 'evidence':
      next.items = [...trace.items, { kind: 'evidence', round: event.round, query: event.query, passages: event.passages }];
      break;
    case 'answer': {
      const validity = event.valid !== undefined ? { valid: event.valid, problem: event.problem ?? null } : legacyValidity(trace, event);
      const answer: Answer = { phase: event.phase, letter: event.letter, text: event.text, confidence: event.confidence, distribution: event.distribution, round: trace.lastRound, ...validity };
      next.answers = { ...trace.answers, [event.phase]: answer };
      next.items = [...trace.items, { kind: 'answer', answer }];
      break;
    }
    case 'cdir':
      next.cdir = event.stage === 'triggered' ? triggered(event) : resolved(trace.cdir, event);
      next.items = event.stage === 'triggered' ? [...trace.items, { kind: 'cdir', cdir: next.cdir }] : trace.items.map((i) => (i.kind === 'cdir' ? { kind: 'cdir', cdir: next.cdir! } : i));
      break;
    case 'summary':
      next.timings = event.timings;
      next.finalLetter = event.finalLetter;
      next.finalConfidence = event.finalConfidence;
      break;
    case 'notice':
      next.items = [...trace.items, { kind: 'notice', level: event.level, message: event.message }];
      break;
    case 'damaged':
      next.items = [...trace.items, { kind: 'notice', level: 'warning', message: `Event ${event.seq} of this run is damaged and cannot be shown: ${event.reason}`, damaged: { seq: event.seq, raw: event.raw } }];
      break;
    case 'error':
      next.error = { code: event.code, message: event.message };
      break;
    case 'done':
      next.status = event.status;
      break;
    case 'progress':
      break;
  }
  return next;
}

export function buildTrace(events: readonly AppEvent[]): Trace {
  return events.reduce(reduceTrace, EMPTY_TRACE);
}

/** The answer that stands: CDIR's when it ran and gave a valid answer, else the first. */
export function finalAnswer(trace: Trace): Answer | null {
  const { cdir, initial } = trace.answers;
  return cdir && (cdir.valid || !initial?.valid) ? cdir : initial;
}

/** The model's own text of the rounds an answer came from: the CDIR round alone, or every round before it. */
export function answerOutput(trace: Trace, phase: Answer['phase']): string {
  const initial = trace.answers.initial?.round ?? null;
  const cdir = trace.answers.cdir?.round ?? null;
  const wanted = (round: number) => (phase === 'cdir' ? cdir !== null && round === cdir && round !== initial : initial !== null && round <= initial);
  return trace.items
    .filter((i): i is Extract<TraceItem, { kind: 'text' }> => i.kind === 'text' && wanted(i.round))
    .map((i) => i.text)
    .join('');
}

/** A log from before validity was recorded: check the output it holds (letters from the distribution's keys). */
function legacyValidity(trace: Trace, e: z.infer<typeof AnswerEvent>): { valid: boolean; problem: string | null } {
  const probe: Trace = { ...trace, answers: { ...trace.answers, [e.phase]: { round: trace.lastRound } as Answer } }; // only rounds are read
  const v = answerValidity(answerOutput(probe, e.phase), Object.keys(e.distribution));
  return v.valid ? { valid: true, problem: null } : { valid: false, problem: v.reason };
}

function triggered(e: CdirTriggered): Cdir {
  return { before: e.before, threshold: e.threshold, similar: e.similar, after: null, letterBefore: null, letterAfter: null, changed: null };
}

function resolved(prev: Cdir | null, e: CdirResolved): Cdir {
  return { threshold: prev?.threshold ?? NaN, similar: prev?.similar ?? null, before: e.before, after: e.after, letterBefore: e.letterBefore, letterAfter: e.letterAfter, changed: e.changed };
}
