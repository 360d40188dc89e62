import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ApiError } from '../api/errors.js';

/**
 * One benchmark case in the Med-RwR style: images, a question, options, the answer and an optional split. What reaches
 * the model is only `images`, `question` and `options`; `answer`, `split` and `id` are for scoring and reports.
 */
export interface BenchCase {
  readonly id: string;
  readonly images: readonly string[]; // absolute paths
  readonly question: string;
  readonly options: readonly string[]; // "A. text"
  readonly answer: string; // the letter
  readonly split: string;
}

const LETTERS = 'ABCDEFGHIJ';
const OPTION_LINE = /^\s*\(?([A-J])[.)]\s+(.+?)\s*$/;

/** "B", "B. text", "(b) text" → "B". */
export function answerLetter(answer: string): string {
  const m = /^\s*\(?([A-Za-z])(?:[.):]|\s|$)/.exec(answer);
  if (!m) throw new Error(`answer "${answer}" does not start with an option letter`);
  return m[1]!.toUpperCase();
}

/**
 * Options as "A. text": from a list of texts (lettered in order), a list already lettered, a {letter: text} map, or,
 * when the row has none, the "A. …" lines that end the question (the layout Med-RwR's loaders pass through).
 */
export function normaliseOptions(question: string, options: unknown): { question: string; options: string[] } {
  if (Array.isArray(options) && options.length > 0) {
    if (options.length > LETTERS.length) throw new Error(`${options.length} options; at most ${LETTERS.length} are supported`);
    return {
      question,
      options: options.map((o, i) => {
        if (typeof o !== 'string' || !o.trim()) throw new Error(`option ${i + 1} is not a non-empty string`);
        const m = OPTION_LINE.exec(o);
        return m && m[1] === LETTERS[i] ? `${m[1]}. ${m[2]}` : `${LETTERS[i]}. ${o.trim()}`;
      }),
    };
  }
  if (options && typeof options === 'object' && !Array.isArray(options)) {
    const entries = Object.entries(options as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return { question, options: entries.map(([k, v]) => `${k.toUpperCase()}. ${String(v).trim()}`) };
  }
  const lines = question.split('\n');
  let cut = lines.length;
  while (cut > 0 && OPTION_LINE.test(lines[cut - 1]!)) cut--;
  const tail = lines.slice(cut).map((l) => OPTION_LINE.exec(l)!);
  if (tail.length === 0 || tail.some((m, i) => m[1] !== LETTERS[i])) return { question, options: [] };
  return { question: lines.slice(0, cut).join('\n').trimEnd(), options: tail.map((m) => `${m[1]}. ${m[2]}`) };
}

/** Reads a benchmark JSONL; image paths are resolved against the file's folder. Errors name the line. */
export function readBench(path: string): BenchCase[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ApiError('bad_request', `cannot read benchmark ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const base = dirname(resolve(path));
  const out: BenchCase[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${path}:${i + 1}`;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      throw new ApiError('bad_request', `${where}: not valid JSON (${(err as Error).message})`);
    }
    const images = Array.isArray(row.images) ? row.images : typeof row.image === 'string' ? [row.image] : [];
    if (images.length === 0 || images.some((p) => typeof p !== 'string')) throw new ApiError('bad_request', `${where}: needs "images" (a list of paths) or "image"`);
    if (typeof row.question !== 'string' || !row.question.trim()) throw new ApiError('bad_request', `${where}: needs a non-empty "question"`);
    if (typeof row.answer !== 'string') throw new ApiError('bad_request', `${where}: needs "answer" (a letter, or "B. text")`);
    try {
      const { question, options } = normaliseOptions(row.question, row.options);
      if (options.length < 2) throw new Error('needs at least two options (an "options" field, or "A. …" lines ending the question)');
      const answer = answerLetter(row.answer);
      if (!options.some((o) => o.startsWith(`${answer}.`))) throw new Error(`answer ${answer} is not one of the options`);
      out.push({
        id: typeof row.id === 'string' || typeof row.id === 'number' ? String(row.id) : `line-${i + 1}`,
        images: (images as string[]).map((p) => (isAbsolute(p) ? p : resolve(base, p))),
        question,
        options,
        answer,
        split: typeof row.split === 'string' && row.split ? row.split : 'all',
      });
    } catch (err) {
      throw new ApiError('bad_request', `${where}: ${(err as Error).message}`);
    }
  });
  if (out.length === 0) throw new ApiError('bad_request', `benchmark ${path} holds no cases`);
  return out;
}

