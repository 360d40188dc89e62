import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { ApiError } from '../api/errors.js';
import { readKbTsv } from './tsv.js';

/** One source document before chunking. */
export interface SourceDoc {
  readonly id: string;
  readonly title?: string;
  readonly text: string;
  readonly source: string;
}

/** A line of a source that was skipped (TSV only: one bad passage line should not cost the whole corpus). */
export interface SourceProblem {
  readonly path: string;
  readonly line: number;
  readonly reason: string;
}

const bad = (msg: string) => new ApiError('bad_request', msg);

/**
 * Reads every document from the given sources, in a stable order: Med-RwR's knowledge_base.tsv (`<id>\t<text>`, or
 * `<number> <text>` as the reference client strips), JSONL (`id, title, text, source`), Markdown files or folders of
 * them (searched recursively; id = path inside the folder). Ids must be unique across all sources. A bad TSV line
 * (empty, no id, not UTF-8, over 1 MiB, a repeated id) is skipped and reported in `problems`; other formats refuse.
 */
export function readSources(paths: readonly string[], problems: SourceProblem[] = []): SourceDoc[] {
  if (paths.length === 0) throw bad('No sources given: pass knowledge_base.tsv, .jsonl files or folders of Markdown.');
  const docs: SourceDoc[] = [];
  for (const path of paths) {
    let st;
    try {
      st = statSync(path);
    } catch {
      throw bad(`Source ${path} does not exist.`);
    }
    if (st.isDirectory()) docs.push(...readMarkdownDir(path));
    else if (/\.tsv$/i.test(path)) docs.push(...readTsv(path, problems));
    else if (/\.jsonl$/i.test(path)) docs.push(...readJsonl(path));
    else if (/\.(md|markdown)$/i.test(path)) docs.push(readMarkdown(path, basename(path), basename(path)));
    else throw bad(`Source ${path}: unsupported type (expected .tsv, .jsonl, .md or a folder of Markdown).`);
  }
  const seen = new Set<string>();
  for (const d of docs) {
    if (seen.has(d.id)) throw bad(`Duplicate document id "${d.id}": ids must be unique across all sources.`);
    seen.add(d.id);
  }
  return docs;
}

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split(/\r?\n/);
}

function readTsv(path: string, problems: SourceProblem[]): SourceDoc[] {
  const source = basename(path);
  const { records, problems: bad } = readKbTsv(path);
  for (const p of bad) problems.push({ path, line: p.line, reason: p.reason });
  return records.map((r) => ({ id: r.id, text: r.text, source }));
}

function readJsonl(path: string): SourceDoc[] {
  const fallback = basename(path);
  const out: SourceDoc[] = [];
  lines(path).forEach((line, i) => {
    if (!line.trim()) return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (err) {
      throw bad(`${path}:${i + 1}: not valid JSON (${(err as Error).message}).`);
    }
    const r = row as Record<string, unknown>;
    const id = typeof r.id === 'number' ? String(r.id) : r.id;
    if (typeof id !== 'string' || !id || typeof r.text !== 'string' || !r.text.trim()) {
      throw bad(`${path}:${i + 1}: each line needs a string "id" and a non-empty string "text".`);
    }
    const title = typeof r.title === 'string' && r.title ? r.title : undefined;
    out.push({ id, text: r.text, source: typeof r.source === 'string' && r.source ? r.source : fallback, ...(title ? { title } : {}) });
  });
  return out;
}

function readMarkdownDir(dir: string): SourceDoc[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(md|markdown)$/i.test(e.name)) files.push(p);
    }
  };
  walk(dir);
  if (files.length === 0) throw bad(`Source folder ${dir} holds no Markdown (.md) files.`);
  return files.map((f) => readMarkdown(f, relative(dir, f).split('\\').join('/'), basename(dir)));
}

/** Markdown to plain passage text: headings lose their #, code fences and HTML comments are dropped; the first heading is the title. */
function readMarkdown(path: string, relPath: string, source: string): SourceDoc {
  const raw = readFileSync(path, 'utf8').replace(/<!--[\s\S]*?-->/g, '').replace(/```[\s\S]*?```/g, '');
  const heading = /^#\s+(.+)$/m.exec(raw)?.[1]?.trim();
  const text = raw
    .split(/\r?\n/)
    .map((l) => l.replace(/^#{1,6}\s+/, '').replace(/^\s*[-*+]\s+/, '').replace(/[*_`]/g, ''))
    .join('\n')
    .trim();
  if (!text) throw bad(`${path}: empty Markdown file.`);
  const id = relPath.slice(0, relPath.length - extname(relPath).length);
  return { id, text, source, title: heading ?? basename(id) };
}
