import { describe, expect, it } from 'vitest';
import { loadModelPackage } from '../engine/manifest.js';
import { FIXTURE_DIR } from '../engine/testing/fixture.js';
import { cdirPieces, findQuery, formatRetrieve, injectionPieces, normaliseQuery, optionLetter, parseAnswer, userText } from './protocol.js';

const manifest = loadModelPackage(FIXTURE_DIR).manifest;

describe('protocol text', () => {
  it('normalises a query: quotes removed, whitespace collapsed, stripped', () => {
    expect(normaliseQuery('  "lobar\n  pneumonia"\t signs ')).toBe('lobar pneumonia signs');
    expect(normaliseQuery(' " " ')).toBe('');
  });

  it('finds the first query and the text before it; an empty query is no query', () => {
    expect(findQuery('<think> a </think>\n<query> "x"  y </query>\n<retrieve>')).toEqual({ before: '<think> a </think>\n', query: 'x y' });
    expect(findQuery('<think> a </think>\n<query> " " </query>')).toBeNull();
    expect(findQuery('<think> a </think>\n<query> unfinished')).toBeNull();
  });

  it('formats the injected pieces byte for byte as the reference loop does', () => {
    expect(injectionPieces('<think> r </think>\n', 'q w', 'D')).toEqual(['<think> r </think>\n\n', '<query> q w </query>\n', 'D']);
    expect(formatRetrieve(['12 first doc', 'second\tdoc', '3\tthird'], manifest)).toBe('<retrieve> (1) first doc\n(2) second\tdoc\n(3) third\n </retrieve>\n');
    expect(formatRetrieve([], manifest)).toBe('<retrieve> None </retrieve>\n');
  });

  it('builds the CDIR consultation turn with the caption as given', () => {
    const [think, query, retrieve] = cdirPieces(manifest, 'CT: $& lobar {caption} consolidation');
    expect(think).toBe(manifest.protocol.cdir.think);
    expect(query).toBe('<query> consultation from similar medical imaging case </query>');
    expect(retrieve).toBe('<retrieve> <image> CT: $& lobar {caption} consolidation </retrieve>\n');
  });

  it('parses the answer letter as the reference reward does', () => {
    expect(parseAnswer('<think> t </think>\n<answer> B. Fracture </answer>')).toEqual({ text: 'B. Fracture', letter: 'B' });
    expect(parseAnswer('<answer>c</answer>')).toEqual({ text: 'c', letter: 'C' });
    expect(parseAnswer('<answer> A. unfinished')).toEqual({ text: 'A. unfinished', letter: 'A' });
    expect(parseAnswer('no answer here')).toBeNull();
  });

  it('lays out the user text and reads option letters', () => {
    expect(userText('Q?', ['A. x', 'B. y'])).toBe('Q?\nA. x\nB. y');
    expect(userText('Q?', [])).toBe('Q?');
    expect(['A. x', '(b) y', 'C) z', 'D: w'].map(optionLetter)).toEqual(['A', 'B', 'C', 'D']);
  });
});
