import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answerLetter, normaliseOptions, readBench } from './bench.js';

describe('normaliseOptions', () => {
  it('letters plain option texts and keeps lettered ones', () => {
    expect(normaliseOptions('Q?', ['cyst', 'mass']).options).toEqual(['A. cyst', 'B. mass']);
    expect(normaliseOptions('Q?', ['A. cyst', 'B. mass']).options).toEqual(['A. cyst', 'B. mass']);
    expect(normaliseOptions('Q?', { b: 'mass', a: 'cyst' }).options).toEqual(['A. cyst', 'B. mass']);
  });
  it('splits the "A. …" lines off the end of a Med-RwR style question', () => {
    expect(normaliseOptions('Which?\nA. cyst\nB. mass', undefined)).toEqual({ question: 'Which?', options: ['A. cyst', 'B. mass'] });
    expect(normaliseOptions('No options here', undefined).options).toEqual([]);
  });
});

describe('answerLetter', () => {
  it('takes the letter of "B", "B. text" and "(b) text"', () => {
    expect(answerLetter('B')).toBe('B');
    expect(answerLetter('C. mass')).toBe('C');
    expect(answerLetter('(b) mass')).toBe('B');
    expect(() => answerLetter('')).toThrow(/option letter/);
  });
});

describe('readBench', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const write = (name: string, lines: string[]) => {
    const p = join(dir, name);
    writeFileSync(p, lines.join('\n'));
    return p;
  };
  it('resolves image paths against the file and defaults the split', () => {
    const p = write('ok.jsonl', [JSON.stringify({ id: 7, images: ['img/a.png'], question: 'Q?', options: ['x', 'y'], answer: 'B. y' })]);
    expect(readBench(p)).toEqual([{ id: '7', images: [join(dir, 'img/a.png')], question: 'Q?', options: ['A. x', 'B. y'], answer: 'B', split: 'all' }]);
  });
  it('names the line of a bad case', () => {
    expect(() => readBench(write('bad.jsonl', ['', '{"images":["a.png"],"question":"Q","options":["x","y"],"answer":"D"}']))).toThrow(/bad\.jsonl:2: answer D is not one of the options/);
    expect(() => readBench(write('nojson.jsonl', ['{oops']))).toThrow(/nojson\.jsonl:1: not valid JSON/);
    expect(() => readBench(write('noimg.jsonl', ['{"question":"Q","answer":"A"}']))).toThrow(/needs "images"/);
    expect(() => readBench(join(dir, 'missing.jsonl'))).toThrow(/cannot read benchmark .*ENOENT/);
  });
});
