import { readFileSync } from 'node:fs';

/**
 * Med-RwR's knowledge_base.tsv: one passage a line, `<id><TAB><text>` (or `<number> <text>`, which the reference
 * client also strips). Lines are numbered from 1 and every physical line counts, so line n is FAISS id n - 1; a final
 * newline does not start a line. A line that cannot be a passage is reported with its number and why, and skipped:
 * the rest is kept.
 */
export interface TsvRecord {
  /** 1-based line number; the FAISS id of this passage is line - 1. */
  readonly line: number;
  readonly id: string;
  readonly text: string;
}

export interface TsvProblem {
  readonly line: number;
  readonly reason: string;
}

export interface TsvContents {
  readonly records: TsvRecord[];
  readonly problems: TsvProblem[];
  /** Physical lines, good and bad. */
  readonly lines: number;
}

/** A line longer than this is not a passage (lost newlines, a binary blob) and is reported rather than stored. */
export const MAX_LINE_BYTES = 1 << 20;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function readKbTsv(path: string): TsvContents {
  const buf = readFileSync(path);
  const records: TsvRecord[] = [];
  const problems: TsvProblem[] = [];
  const seen = new Map<string, number>();
  let start = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  let line = 0;
  while (start < buf.length) {
    let end = buf.indexOf(0x0a, start);
    if (end < 0) end = buf.length;
    line++;
    const bytes = buf.subarray(start, end > start && buf[end - 1] === 0x0d ? end - 1 : end);
    start = end + 1;
    const problem = (reason: string) => problems.push({ line, reason });
    if (bytes.length > MAX_LINE_BYTES) {
      problem(`${bytes.length} bytes long, over the ${MAX_LINE_BYTES}-byte limit for one passage`);
      continue;
    }
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      problem('not valid UTF-8 text');
      continue;
    }
    if (!text.trim()) {
      problem('empty');
      continue;
    }
    const tab = text.indexOf('\t');
    const m = tab >= 0 ? [text, text.slice(0, tab), text.slice(tab + 1)] : /^(\d+)\s+(.*)$/s.exec(text);
    const id = m?.[1]?.trim();
    const body = m?.[2]?.trim();
    if (!m) problem(`no tab between an id and the text (${JSON.stringify(text.slice(0, 40))}…)`);
    else if (!id) problem('no id before the tab');
    else if (!body) problem(`no text after the id "${id.slice(0, 40)}"`);
    else if (seen.has(id)) problem(`id "${id}" repeats line ${seen.get(id)}`);
    else {
      seen.set(id, line);
      records.push({ line, id, text: body });
    }
  }
  return { records, problems, lines: line };
}
