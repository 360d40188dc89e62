import type { Cdir, Trace, TraceItem } from './trace.js';
import type { EvidencePassage } from './run-events.js';

/**
 * The trace as a reader sees it (issue: "the trace reads as sections"): the model's reasoning without protocol tags,
 * each query with its evidence, the answers and CDIR in place. The raw model text stays in the trace (and the JSON
 * export) for "show model output".
 */
export type Section =
  | { kind: 'reasoning'; round: number; text: string }
  | { kind: 'query'; round: number; query: string; passages: EvidencePassage[] | null }
  | { kind: 'answer'; phase: 'initial' | 'cdir' }
  | { kind: 'cdir'; cdir: Cdir }
  | { kind: 'notice'; level: 'info' | 'warning'; message: string; damaged?: { seq: number; raw: string } };

export function traceSections(trace: Trace): Section[] {
  const out: Section[] = [];
  for (const item of trace.items) {
    const s = section(item);
    if (!s) continue;
    // A query's evidence joins the query it answers.
    if (s.kind === 'query' && item.kind === 'evidence') {
      const q = [...out].reverse().find((x): x is Extract<Section, { kind: 'query' }> => x.kind === 'query' && x.round === item.round && x.passages === null);
      if (q) {
        q.passages = item.passages;
        continue;
      }
    }
    out.push(s);
  }
  return out;
}

function section(item: TraceItem): Section | null {
  switch (item.kind) {
    case 'text': {
      const text = readableText(item.text);
      return text ? { kind: 'reasoning', round: item.round, text } : null;
    }
    case 'query':
      return { kind: 'query', round: item.round, query: item.query, passages: null };
    case 'evidence':
      return { kind: 'query', round: item.round, query: item.query, passages: item.passages };
    case 'answer':
      return { kind: 'answer', phase: item.answer.phase };
    case 'cdir':
      return { kind: 'cdir', cdir: item.cdir };
    case 'notice':
      return { kind: 'notice', level: item.level, message: item.message, ...(item.damaged ? { damaged: item.damaged } : {}) };
  }
}

/**
 * The model's reasoning with the protocol's markup taken out: queries and answers (shown as their own sections) and
 * any stray retrieval block are removed, the think tags dropped (and a tag still arriving), whitespace tidied.
 */
export function readableText(raw: string): string {
  return raw
    .replace(/<query>[\s\S]*?(<\/query>|$)/g, ' ')
    .replace(/<answer>[\s\S]*?(<\/answer>|$)/g, ' ')
    .replace(/<retrieve>[\s\S]*?(<\/retrieve>|$)/g, ' ')
    .replace(/<\/?(think|query|retrieve|answer)>/g, ' ')
    // While streaming, a tag arrives in pieces ("<query", then ">"): an unfinished one at the end is not text.
    .replace(/<\/?[a-z_|]*$/, '')
    .replace(/<\|[a-z_]+\|>/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
