/**
 * The text side of the Med-RwR protocol (medrwr-protocol.md §2.3–2.5, §4.2), as pure functions: what is parsed out of
 * the model's output and the exact strings injected back. Byte-exactness matters: the model was trained on these forms.
 */
import type { Manifest } from '../engine/manifest.js';

/**
 * What outside text (question, options, passages, captions) is fed with instead of the `<` that would open a tag: `(`,
 * so `<answer>` in a passage reaches the model as `(answer>` and `<|im_end|>` as `(|im_end|>`. No tokenisation of
 * that text holds a `<` there, so none spells the model's own tag (`<`+`answer`+`>`, ` </`+`retrieve`+`>`, `<`+`|`+…).
 * Why `(` and not a look-alike such as U+2039 `‹`: in a small byte-level vocabulary (the demo's 1,192 tokens) a
 * non-ASCII character becomes byte tokens the model never saw, which itself moved answers (bench/injection.bench.ts:
 * 32 of 96 injected runs flipped with `‹`, 26 with `&lt;`, 19 with `(`, as many as the same words without brackets).
 * `(` is one ordinary token in the demo and the Qwen vocabularies alike.
 */
export const TAG_OPEN_ESCAPE = '(';

/**
 * A `<` that opens something tag-like: a protocol tag (`<think>`, `</answer>`, `<image>`, …, in any case, with spaces
 * inside, closed or not) or a ChatML or vision marker (`<|im_end|>`, `<|vision_start|>`). Other `<` (`p < 0.05`, `<5 mm`) are left.
 */
const TAG_OPEN_PATTERN = String.raw`<(?=\s*\/?\s*(?:think|query|retrieve|answer|image)\b|\s*\/?\s*\|)`;
const TAG_OPEN = new RegExp(TAG_OPEN_PATTERN, 'gi');
const TAG_OPEN_FIRST = new RegExp(TAG_OPEN_PATTERN, 'i');

/** Outside text as it is fed to the model: no protocol tag or control-token spelling can survive in it. */
export function neutralise(text: string): string {
  return text.replace(TAG_OPEN, TAG_OPEN_ESCAPE);
}

/** For the trace: which parts of the user's text had tag spellings, and how they were fed; null when none. */
export function neutralisedNotice(question: string, options: readonly string[]): string | null {
  const parts = [{ name: 'the question', text: question }, ...options.map((o) => ({ name: `option ${optionLetter(o)}`, text: o }))];
  const changed = parts.filter((p) => neutralise(p.text) !== p.text);
  if (changed.length === 0) return null;
  const first = changed[0]!;
  const tag = /<[^>\n]{0,24}>?/.exec(first.text.slice(first.text.search(TAG_OPEN_FIRST)))?.[0] ?? '<';
  return `Protocol tag spellings in ${changed.map((p) => p.name).join(', ')} were fed with "${TAG_OPEN_ESCAPE}" in place of "<" (${tag} as ${neutralise(tag)}), so the model cannot read them as its own tags.`;
}

/** `<query> … </query>` in a round's output: the text before `<query>` (r) and the normalised query (q), or null. */
export function findQuery(output: string): { before: string; query: string } | null {
  const open = output.indexOf('<query>');
  if (open < 0) return null;
  const close = output.indexOf('</query>', open + '<query>'.length);
  if (close < 0) return null;
  const query = normaliseQuery(output.slice(open + '<query>'.length, close));
  return query ? { before: output.slice(0, open), query } : null;
}

/** Removes every `"`, strips, and collapses whitespace runs to one space (the reference loop, lines 586-590). */
export function normaliseQuery(q: string): string {
  return q.replaceAll('"', '').trim().split(/\s+/).filter(Boolean).join(' ');
}

/** The three pieces appended after a query, each tokenised separately as plain text. */
export function injectionPieces(before: string, query: string, retrieveText: string): [string, string, string] {
  return [before + '\n', `<query> ${query} </query>\n`, retrieveText];
}

/** `<retrieve> (1) doc\n(2) doc\n </retrieve>\n`, each doc without its leading id column and neutralised; none → the manifest's form. */
export function formatRetrieve(docs: readonly string[], manifest: Manifest): string {
  if (docs.length === 0) return manifest.protocol.retrieve_none;
  return '<retrieve> ' + docs.map((d, i) => `(${i + 1}) ${neutralise(d.replace(/^\d+\s+/, ''))}\n`).join('') + ' </retrieve>\n';
}

/** The fixed CDIR consultation turn (think, query, retrieve with the similar image's caption as neutralised plain text). */
export function cdirPieces(manifest: Manifest, caption: string): [string, string, string] {
  const c = manifest.protocol.cdir;
  return [c.think, c.query, c.retrieve.replace('{caption}', () => neutralise(caption))];
}

/** The user turn's text: the question, then one option per line (the reference's "A. …\nB. …" layout), neutralised. */
export function userText(question: string, options: readonly string[]): string {
  return neutralise(options.length ? `${question}\n${options.join('\n')}` : question);
}

/** "A. Pneumonia" → "A"; "(b) text" → "B". */
export function optionLetter(option: string): string {
  const m = /^\s*\(?([A-Za-z0-9]{1,2})[.):]/.exec(option);
  return (m ? m[1]! : option.trim().charAt(0)).toUpperCase();
}

/**
 * The answer in a final output: the `<answer> … </answer>` content (to the end if unclosed) and its letter, taken as the
 * reference's reward does: first whitespace-separated word, without "." (and without a closing ")" or ":").
 */
export function parseAnswer(output: string): { text: string; letter: string | null } | null {
  const open = output.indexOf('<answer>');
  if (open < 0) return null;
  const rest = output.slice(open + '<answer>'.length);
  const close = rest.indexOf('</answer>');
  const text = (close >= 0 ? rest.slice(0, close) : rest).trim();
  const word = text.split(/\s+/)[0]?.replace(/[.):]/g, '') ?? '';
  return { text, letter: word ? (word.length <= 2 ? word.toUpperCase() : word) : null };
}
