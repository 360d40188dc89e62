import { describe, expect, it } from 'vitest';
import { numbered } from '../cases/testing/fixtures.js';
import { runReasoning } from '../reasoning/run.js';
import { grey, ScriptedEngine, ScriptedImageRetriever, ScriptedRetriever, type ScriptedRound } from '../reasoning/testing/scripted.js';
import { assessRun, disagreement, validLetter } from './assessment.js';
import type { CaseOption } from './cases.js';
import type { AppEvent } from './events.js';
import { traceSections } from './sections.js';
import { buildTrace, finalAnswer } from './trace.js';

const OPTIONS: CaseOption[] = [
  { letter: 'A', text: 'Varnel cyst' },
  { letter: 'B', text: 'Lindqvar adenoma' },
  { letter: 'C', text: 'Telmar mass' },
  { letter: 'D', text: 'Rowbeck nodule' },
];
const image = grey(56, 56);
const similar = new ScriptedImageRetriever({ id: 'ref-1', caption: 'Lindqvar adenoma, reference', score: 0.9, image: grey(28, 28) });

/** A run of the real reasoning loop on scripted model outputs, folded into the trace people read. */
async function traced(rounds: ScriptedRound[], overrides: Record<string, unknown> = {}, kb: ScriptedRetriever | null = new ScriptedRetriever(() => ['Rowbeck nodules are hypoechoic.'])) {
  const engine = new ScriptedEngine(rounds);
  const res = await runReasoning(
    { taskId: 'r', images: [image], question: 'Which condition?', options: OPTIONS.map((o) => `${o.letter}. ${o.text}`) },
    { engine, textRetriever: kb, imageRetriever: similar },
    overrides,
  );
  const events = numbered('r', res.events as Record<string, unknown>[]);
  return { res, trace: buildTrace(events as AppEvent[]) };
}

describe('assessRun on runs of the real loop', () => {
  it.each([
    ['two <answer> blocks', '<think> D. nodule: no </think> <answer> D </answer> <answer> C.win adenoma </answer>', 'the output has 2 answer sections'],
    ['an unknown letter', '<think> t </think> <answer> F </answer>', 'the answer “F” is not one of the offered options A–D'],
    ['a missing </answer>', '<think> t </think> <answer> D. Rowbeck', 'the answer section is not closed (the output stops inside it)'],
    ['prose instead of a letter', '<think> t </think> <answer> Rowbeck nodule </answer>', 'the answer “Rowbeck nodule” is not one of the option letters A–D'],
    ['nothing at all', '', 'the model produced no output'],
  ])('%s: no valid answer, with the reason, nothing to stand on', async (_what, output, reason) => {
    const { res, trace } = await traced([{ output, answerProbs: { D: 0.867 } }], { cdir: false });
    const a = assessRun(trace, OPTIONS);
    expect(a).toMatchObject({ valid: false, problem: reason, answerText: null });
    expect(a.flags[0]).toEqual({ kind: 'no-valid-answer', level: 'danger', text: `No valid answer: ${reason}.` });
    expect(res.events.find((e) => e.type === 'summary')).toMatchObject({ finalLetter: null, finalConfidence: null });
    expect(validLetter(trace)).toBeNull();
    expect(a.differential.every((r) => r.before === null && r.after === null)).toBe(true); // no garbled 86.7% anywhere
  });

  it('keeps the differential with option names before and after CDIR, and says CDIR changed the answer', async () => {
    const { trace } = await traced([
      { output: '<think> hypoechoic </think> <answer> D </answer>', answerProbs: { D: 0.626, B: 0.333, A: 0.02, C: 0.021 } },
      { output: '<think> like the reference </think> <answer> B </answer>', answerProbs: { B: 0.999, D: 0.001 } },
    ]);
    const a = assessRun(trace, OPTIONS);
    expect(a).toMatchObject({ valid: true, answerText: 'Lindqvar adenoma', answer: { phase: 'cdir', letter: 'B' } });
    expect(a.differential.slice(0, 2)).toEqual([
      { letter: 'B', text: 'Lindqvar adenoma', before: 0.333, after: 0.999 },
      { letter: 'D', text: 'Rowbeck nodule', before: 0.626, after: 0.001 },
    ]);
    expect(a.flags.map((f) => f.kind)).toEqual(['cdir-changed']);
    expect(a.flags[0]!.text).toBe('CDIR changed the answer: the first answer was D (Rowbeck nodule) at 62.6%; after consulting a similar reference image it is B (Lindqvar adenoma) at 99.9%.');
  });

  it('lets the first answer stand (flagged) when the CDIR round gives no valid answer', async () => {
    const { trace } = await traced([
      { output: '<answer> D </answer>', answerProbs: { D: 0.6 } },
      { output: '<answer> Q </answer>', answerProbs: { D: 0.9 } },
    ]);
    const a = assessRun(trace, OPTIONS);
    expect(finalAnswer(trace)).toMatchObject({ phase: 'initial', letter: 'D' });
    expect(a.flags.map((f) => f.kind)).toEqual(['low-confidence', 'cdir-consulted']);
    expect(a.flags[1]!.text).toMatch(/gave no valid answer \(the answer “Q” is not one of the offered options A–D\), so the first answer stands/);
  });

  it('flags a query nothing answered: one round only, and an empty retrieval', async () => {
    const oneRound = await traced([{ output: '<think> t </think> <query> rowbeck echo </query> <answer> C </answer>', answerProbs: { C: 0.933 } }], { maxRounds: 1 });
    expect(assessRun(oneRound.trace, OPTIONS).flags).toEqual([
      { kind: 'no-evidence', level: 'warning', text: 'The model asked for evidence (“rowbeck echo”) but none was retrieved: this answer does not rest on retrieved evidence.' },
    ]);
    const empty = await traced([{ output: '<think> t </think> <query> rare </query>' }, { output: '<answer> C </answer>', answerProbs: { C: 0.95 } }], {}, new ScriptedRetriever(() => []));
    expect(assessRun(empty.trace, OPTIONS).flags.map((f) => f.kind)).toEqual(['no-evidence']);
    const served = await traced([{ output: '<think> t </think> <query> rowbeck </query>' }, { output: '<answer> D </answer>', answerProbs: { D: 0.95 } }]);
    expect(assessRun(served.trace, OPTIONS).flags).toEqual([]);
  });

  it('flags a run without retrieval and runs of one case that disagree', async () => {
    const { trace } = await traced([{ output: '<answer> C </answer>', answerProbs: { C: 0.95 } }], { retrieval: false });
    const a = assessRun(trace, OPTIONS, [{ runId: 'r1', letter: 'D' }, { runId: 'r2', letter: 'D' }, { runId: 'r3', letter: null }]);
    expect(a.flags.map((f) => f.kind)).toEqual(['retrieval-off', 'runs-disagree']);
    expect(a.flags[1]!.text).toBe('Runs of this case disagree (D ×2, C ×1): the model is not consistent on this question.');
    expect(disagreement('D', [{ runId: 'x', letter: 'D' }, { runId: 'y', letter: null }])).toBeNull();
  });

  it('reads the trace as sections: no protocol tags, each query once with its evidence', async () => {
    const { trace } = await traced([
      { output: '<think> The nodule is hypoechoic. </think>\n<query> "hypoechoic"  nodule </query>' },
      { output: '<think> Passage (1) fits. </think>\n<answer> D </answer>', answerProbs: { D: 0.95 } },
    ]);
    const sections = traceSections(trace);
    expect(sections.map((s) => s.kind)).toEqual(['reasoning', 'query', 'reasoning', 'answer']);
    expect(sections[0]).toEqual({ kind: 'reasoning', round: 0, text: 'The nodule is hypoechoic.' });
    expect(sections[1]).toMatchObject({ kind: 'query', query: 'hypoechoic nodule', passages: [{ text: 'Rowbeck nodules are hypoechoic.' }] });
    expect(JSON.stringify(sections)).not.toMatch(/<\/?(think|query|answer|retrieve)>/);
  });

  it('checks logs written before validity was recorded from the output they hold', () => {
    const events = numbered('old', [
      ...['<think> t </think>', ' <answer> D </answer>', ' <answer> C </answer>'].map((text, i) => ({ type: 'token', round: 0, text, tokenId: i, logprob: -0.1 })),
      { type: 'answer', phase: 'initial', letter: 'D', text: 'D', confidence: 0.867, distribution: { A: 0.1, B: 0.01, C: 0.02, D: 0.867 } },
      { type: 'done', status: 'completed' },
    ]);
    expect(assessRun(buildTrace(events), OPTIONS)).toMatchObject({ valid: false, problem: 'the output has 2 answer sections' });
  });
});
