import { describe, expect, it } from 'vitest';
import { buildPrompt } from './chat.js';
import { loadModelPackage } from './manifest.js';
import { FIXTURE_DIR } from './testing/fixture.js';
import { qwen25vlTokenizer } from './testing/qwen-vocabulary.js';

// The real Qwen vocabulary gives the ChatML prompt the ids Qwen2.5-VL expects (real-model.md §6).
describe('the real Qwen2.5-VL vocabulary', () => {
  const tok = qwen25vlTokenizer();

  it('has the control tokens at Qwen2.5-VL ids', () => {
    expect(['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|vision_start|>', '<|vision_end|>', '<|image_pad|>'].map((t) => tok.encodeSpecial(t))).toEqual([151643, 151644, 151645, 151652, 151653, 151655]);
  });

  it('spells <think> and <answer> as plain text (they are Qwen3 added tokens, dropped here)', () => {
    const ids = tok.encodeText('<think> a </think><answer> B </answer>');
    expect(ids.every((id) => id < 151643)).toBe(true);
    expect(tok.decode(ids)).toBe('<think> a </think><answer> B </answer>');
  });

  it('encodes a ChatML prompt with the template\'s control tokens at their ids and the text as plain text', () => {
    const pkg = loadModelPackage(FIXTURE_DIR);
    const ids = buildPrompt(pkg.manifest, [], 'Which lesion?\nA. Cyst\nB. Mass').flatMap((s) => ('text' in s ? tok.encodeText(s.text) : 'special' in s ? [tok.encodeSpecial(s.special)] : []));
    expect(ids.filter((id) => id >= 151643)).toEqual([151644, 151645, 151644, 151645, 151644]);
    expect(tok.decode(ids.filter((id) => id < 151643))).toContain('Which lesion?\nA. Cyst\nB. Mass');
  });
});
