import { describe, expect, it } from 'vitest';
import { expectedCalibrationError, summarise, validFormat, type CaseOutcome } from './metrics.js';

const ABCD = ['A', 'B', 'C', 'D'];

describe('validFormat', () => {
  it('accepts a think / query / retrieve / think / answer transcript', () => {
    const t =
      '<think> look </think>\n\n<query> round lesion </query>\n<retrieve> (1) X is <b>bold</b>\n(2) y\n </retrieve>\n' +
      '<think> (1) says X </think>\n<answer> B. X </answer>';
    expect(validFormat(t, ABCD)).toBe(true);
  });
  it('accepts the CDIR consultation turn with its literal <image>', () => {
    const t =
      '<think> a </think>\n\n<query> q </query>\n<retrieve> (1) d\n </retrieve>\n<think> c </think>\n' +
      '<query> consultation from similar medical imaging case </query><retrieve> <image> caption </retrieve>\n<think> b </think>\n<answer> C. Y </answer><|im_end|>';
    expect(validFormat(t, ABCD)).toBe(true);
  });
  it('rejects a missing, repeated, unclosed or out-of-range answer and stray tags', () => {
    expect(validFormat('<think> a </think>', ABCD)).toBe(false);
    expect(validFormat('<think> a </think><answer> A. x </answer><answer> B. y </answer>', ABCD)).toBe(false);
    expect(validFormat('<think> a </think><answer> A. x', ABCD)).toBe(false);
    expect(validFormat('<think> a </think><answer> E. x </answer>', ABCD)).toBe(false);
    expect(validFormat('<think> a <foo> </think><answer> A. x </answer>', ABCD)).toBe(false);
    expect(validFormat('<think> a </think><retrieve> d </retrieve><answer> A. x </answer>', ABCD)).toBe(false);
    expect(validFormat('<think> a </think><answer> A. x </answer> trailing', ABCD)).toBe(false);
  });
});

describe('expectedCalibrationError', () => {
  it('is 0 when confidence matches accuracy and |gap| otherwise', () => {
    const half = [0, 1].map((i) => ({ confidence: 0.55, correct: i === 0 }));
    expect(expectedCalibrationError(half)).toBeCloseTo(0.05, 10);
    expect(expectedCalibrationError([{ confidence: 1, correct: false }])).toBe(1);
    expect(expectedCalibrationError([])).toBeNull();
  });
});

describe('summarise', () => {
  const base: CaseOutcome = { id: 'x', split: 'seen', answer: 'A', predicted: 'A', confidence: 0.9, initialPredicted: 'A', validFormat: true, rounds: 2, queries: 1, cdirFired: false, ms: 100, status: 'completed' };
  it('reports accuracy per split and counts CDIR answer changes by direction', () => {
    const s = summarise([
      base,
      { ...base, split: 'ambiguous', answer: 'B', initialPredicted: 'A', predicted: 'B', cdirFired: true },
      { ...base, split: 'ambiguous', answer: 'A', initialPredicted: 'A', predicted: 'C', cdirFired: true },
      { ...base, split: 'unseen', predicted: null, confidence: null, validFormat: false, rounds: 3 },
    ]);
    expect(s.accuracy).toBe(0.5);
    expect(s.splits.ambiguous).toEqual({ n: 2, accuracy: 0.5, cdirFireRate: 1 });
    expect(s.splits.unseen!.accuracy).toBe(0);
    expect(s.cdirChanges).toEqual({ rightToWrong: 1, wrongToRight: 1, otherChanges: 0 });
    expect(s.formatValidity).toBe(0.75);
    expect(s.maxRounds).toBe(3);
    expect(s.cdirFireRate).toBe(0.5);
  });
});
