import { describe, expect, it } from 'vitest';
import { readableText } from './sections.js';

describe('readableText', () => {
  it('drops the protocol tags, the query and the answer', () => {
    expect(readableText('<think> a nodule </think>\n<query> "x" </query>')).toBe('a nodule');
    expect(readableText('<think> so </think>\n<answer> B </answer>')).toBe('so');
  });

  it('shows no piece of a tag that is still streaming in', () => {
    // The demo tokenizer sends "<think" then ">", " </" then "think>\n": every prefix must read clean.
    const stream = ['<think', '>', ' a nodule', ' </', 'think', '>\n', '<query', '>', ' x'];
    let text = '';
    for (const piece of stream) {
      text += piece;
      expect(readableText(text)).not.toMatch(/[<>]/);
    }
    expect(readableText(text)).toBe('a nodule');
  });
});
