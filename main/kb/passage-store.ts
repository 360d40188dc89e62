import Database from 'better-sqlite3';

/** A stored passage; `label` is its row in the HNSW index. */
export interface StoredPassage {
  readonly label: number;
  readonly id: string;
  readonly docId: string;
  readonly source: string;
  readonly title: string | null;
  readonly text: string;
}

const SCHEMA = `
CREATE TABLE passages (label INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL, source TEXT NOT NULL, title TEXT, text TEXT NOT NULL);
CREATE INDEX passages_source ON passages(source);
CREATE VIRTUAL TABLE passages_fts USING fts5(title, text, content='passages', content_rowid='label', tokenize='porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE passages_trigram USING fts5(title, text, content='passages', content_rowid='label', tokenize='trigram');
`;

/** What is embedded for a passage: its title (a term, a heading) and its text, as the encoder was trained. */
export function embeddingText(p: { title: string | null | undefined; text: string }): string {
  return p.title ? `${p.title}: ${p.text}` : p.text;
}

export function createPassageDb(path: string, passages: readonly Omit<StoredPassage, 'label'>[]): void {
  const db = new Database(path);
  try {
    db.exec(SCHEMA);
    const ins = db.prepare('INSERT INTO passages (label, id, doc_id, source, title, text) VALUES (?, ?, ?, ?, ?, ?)');
    const fts = db.prepare('INSERT INTO passages_fts (rowid, title, text) VALUES (?, ?, ?)');
    const tri = db.prepare('INSERT INTO passages_trigram (rowid, title, text) VALUES (?, ?, ?)');
    db.transaction(() => {
      passages.forEach((p, label) => {
        ins.run(label, p.id, p.docId, p.source, p.title, p.text);
        fts.run(label, p.title ?? '', p.text);
        tri.run(label, p.title ?? '', p.text);
      });
    })();
    db.exec("INSERT INTO passages_fts(passages_fts) VALUES ('optimize'); INSERT INTO passages_trigram(passages_trigram) VALUES ('optimize')");
  } finally {
    db.close();
  }
}

export function rowToPassage(r: { label: number; id: string; doc_id: string; source: string; title: string | null; text: string }): StoredPassage {
  return { label: r.label, id: r.id, docId: r.doc_id, source: r.source, title: r.title, text: r.text };
}

function words(text: string): string[] {
  return text.toLowerCase().normalize('NFD').replace(/\p{M}/gu, '').match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** FTS5 MATCH expression for free text: every word quoted (no operator injection), any word may match (BM25 ranks). */
export function ftsQuery(text: string): string | null {
  const w = words(text);
  return w.length ? [...new Set(w)].map((x) => `"${x}"`).join(' OR ') : null;
}

/**
 * The same for the trigram index: every three-letter piece of every word, any may match, so a variant spelling or
 * inflection (arteria radialis ~ radial artery, pneumonoconiosis ~ pneumoconiosis) still shares most pieces.
 */
export function trigramQuery(text: string): string | null {
  const grams = new Set<string>();
  for (const w of words(text)) for (let i = 0; i + 3 <= w.length; i++) grams.add(w.slice(i, i + 3));
  return grams.size ? [...grams].map((g) => `"${g}"`).join(' OR ') : null;
}
