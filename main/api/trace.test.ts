import { describe, expect, it } from 'vitest';
import { completeRunDrafts, numbered } from '../cases/testing/fixtures.js';
import type { AppEvent } from './events.js';
import { buildTrace, EMPTY_TRACE, finalAnswer, reduceTrace } from './trace.js';

describe('trace fold', () => {
  const events = numbered('r1', [...completeRunDrafts(), { type: 'done', status: 'completed' }]);

  it('joins tokens of a round into one text, puts query and evidence in place, and keeps both answers and CDIR', () => {
    const t = buildTrace(events);
    expect(t.items.map((i) => i.kind)).toEqual(['text', 'query', 'evidence', 'text', 'answer', 'cdir', 'answer']);
    expect(t.items[0]).toEqual({ kind: 'text', round: 0, text: '<think> The lesion is hypodense. <query>' });
    expect(t.tokens).toBe(10);
    expect(finalAnswer(t)).toMatchObject({ phase: 'cdir', letter: 'A', confidence: 0.86 });
    expect(t.answers.initial).toMatchObject({ letter: 'B', confidence: 0.55 });
    expect(t.cdir).toMatchObject({ before: 0.55, threshold: 0.8, after: 0.86, letterBefore: 'B', letterAfter: 'A', changed: true, similar: { caption: 'Simple hepatic cyst' } });
    expect(t.items.find((i) => i.kind === 'cdir')).toMatchObject({ cdir: { changed: true } }); // the alert item is updated in place
    expect(t).toMatchObject({ status: 'completed', finalLetter: 'A', timings: { totalMs: 1200 }, provenance: { model: { id: 'medrwr-tiny' } } });
  });

  it('ignores an event it has already folded (a replay after reconnecting) and leaves earlier states untouched', () => {
    const half = events.slice(0, 5).reduce(reduceTrace, EMPTY_TRACE);
    const snapshot = JSON.stringify(half);
    const again = reduceTrace(half, events[3]!);
    expect(again).toBe(half);
    reduceTrace(half, events[5]!);
    expect(JSON.stringify(half)).toBe(snapshot);
  });

  it('records errors and non-completed outcomes', () => {
    const failed: AppEvent[] = numbered('r2', [{ type: 'error', code: 'unavailable', message: 'model missing' }, { type: 'done', status: 'failed' }]);
    expect(buildTrace(failed)).toMatchObject({ status: 'failed', error: { code: 'unavailable', message: 'model missing' } });
  });
});
