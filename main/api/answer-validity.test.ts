import { describe, expect, it } from 'vitest';
import { answerValidity } from './answer-validity.js';

const ABCD = ['A', 'B', 'C', 'D'];

describe('answerValidity', () => {
  it('accepts one well-formed answer whose first word is an offered letter, after reasoning, queries and evidence', () => {
    expect(answerValidity('<think> hypoechoic </think>\n<answer> B. Lindqvar adenoma </answer>', ABCD)).toEqual({ valid: true, letter: 'B', text: 'B. Lindqvar adenoma' });
    const rounds = '<think> a </think>\n<query> q </query>\n<retrieve> (1) x </answer> y\n </retrieve>\n<think> b </think> <answer> c </answer><|im_end|>';
    expect(answerValidity(rounds, ABCD)).toMatchObject({ valid: true, letter: 'C' });
    expect(answerValidity('<think> t </think> <answer> Mild cardiomegaly </answer>', [])).toEqual({ valid: true, letter: null, text: 'Mild cardiomegaly' });
  });

  it.each([
    ['nothing at all', '', 'the model produced no output'],
    ['only whitespace and end-of-turn', '  <|im_end|>', 'the model produced no output'],
    ['two answer blocks', '<think> D. nodule: no </think> <answer> D </answer> <answer> C.win adenoma </answer>', 'the output has 2 answer sections'],
    ['an unknown letter', '<think> t </think> <answer> E. other </answer>', 'the answer “E” is not one of the offered options A–D'],
    ['a missing </answer>', '<think> t </think> <answer> B. Lindqvar', 'the answer section is not closed (the output stops inside it)'],
    ['prose instead of a letter', '<think> t </think> <answer> Rowbeck nodule </answer>', 'the answer “Rowbeck nodule” is not one of the option letters A–D'],
    ['no answer section', '<think> still thinking </think>', 'the output has no answer section'],
    ['an answer inside unfinished reasoning', '<think> D. nodule: no <answer> C </answer>', 'an answer section starts inside the unfinished reasoning section'],
    ['text after the answer', '<think> t </think> <answer> A </answer> and more', 'the output goes on after the answer section'],
    ['an empty answer', '<think> t </think> <answer> </answer>', 'the answer section is empty'],
    ['a stray closing tag', '<think> t </think></think> <answer> A </answer>', 'the output closes a reasoning section that is not open'],
    ['evidence without a query', '<retrieve> x </retrieve> <answer> A </answer>', 'evidence appears without a query'],
    ['an unknown tag', '<think> <b>t</b> </think> <answer> A </answer>', 'the output contains an unexpected tag <b>'],
  ])('refuses %s with the reason', (_what, output, reason) => {
    expect(answerValidity(output, ABCD)).toEqual({ valid: false, reason });
  });

  it('names non-consecutive letters one by one', () => {
    expect(answerValidity('<answer> C </answer>', ['A', 'B', 'D'])).toEqual({ valid: false, reason: 'the answer “C” is not one of the offered options A, B, D' });
  });
});
