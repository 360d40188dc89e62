import type Database from 'better-sqlite3';
import { ApiError } from '../api/errors.js';
import { reciprocalRankFusion } from './fusion.js';
import type { DenseIndex } from './flat-index.js';
import { ftsQuery, rowToPassage, trigramQuery, type StoredPassage } from './passage-store.js';
import type { Passage, TextRetriever } from './retriever.js';
import type { TextEncoder } from './text-encoder.js';

/**
 * dense: HNSW over the encoder's vectors; bm25: FTS5 over words (Porter stems); trigram: FTS5 BM25 over character
 * trigrams (variant spellings, Latin and inflected forms); hybrid: reciprocal rank fusion of all three.
 */
export type SearchMode = 'hybrid' | 'dense' | 'bm25' | 'trigram';
export const SEARCH_MODES: readonly SearchMode[] = ['hybrid', 'dense', 'bm25', 'trigram'];

export interface SearchOptions {
  readonly k?: number;
  readonly mode?: SearchMode;
  /** Only passages from these sources (as listed in the manifest's counts.sources). */
  readonly sources?: readonly string[];
  readonly signal?: AbortSignal;
}

export interface FusionParams {
  /** Candidates taken from each side before fusion. */
  readonly depth: number;
  /** The k of reciprocal rank fusion, 1 / (k + rank). */
  readonly rrfK: number;
  /** BM25 column weights (both FTS5 indexes): title, text. */
  readonly bm25Weights: readonly [number, number];
  /** Weight of each list in the fusion. */
  readonly weights: { readonly dense: number; readonly bm25: number; readonly trigram: number };
}

/**
 * Tuned on the WordNet knowledge base's dev queries (kb/wordnet; reported on its separate test queries). A small RRF k
 * (2, not the customary 60) lets a list's first places dominate: a title match at rank 1 is strong evidence here.
 */
export const DEFAULT_FUSION: FusionParams = { depth: 50, rrfK: 2, bm25Weights: [4, 1], weights: { dense: 0.5, bm25: 1, trigram: 1 } };

export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > 1000) throw new ApiError('bad_request', `k must be an integer from 1 to 1000, got ${k}.`);
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ApiError('cancelled', 'The search was cancelled.');
}

/** Dense (HNSW, or exact for an imported flat index), BM25 (FTS5) and hybrid (RRF) search over one local knowledge base. */
export class LocalTextRetriever implements TextRetriever {
  readonly description: TextRetriever['description'];
  private readonly sourceOf: Int32Array;
  private readonly sourceCodes: Map<string, number>;
  private readonly byLabel: Database.Statement;
  /** Knowledge bases built before the trigram index have none; hybrid then fuses dense and BM25 only. */
  private readonly hasTrigram: boolean;

  constructor(
    private readonly db: Database.Database,
    private readonly index: DenseIndex,
    private readonly encoder: TextEncoder,
    meta: { id: string; version: string; embedder?: { id: string; version: string; sha256: string } },
    readonly defaultMode: SearchMode = 'hybrid',
    readonly fusion: FusionParams = DEFAULT_FUSION,
  ) {
    this.description = { id: meta.id, version: meta.version, kind: 'local', ...(meta.embedder ? { embedder: { id: meta.embedder.id, version: meta.embedder.version, sha256: meta.embedder.sha256 } } : {}) };
    const rows = db.prepare('SELECT label, source FROM passages ORDER BY label').all() as { label: number; source: string }[];
    this.sourceCodes = new Map([...new Set(rows.map((r) => r.source))].map((s, i) => [s, i]));
    this.sourceOf = new Int32Array(rows.length);
    for (const r of rows) this.sourceOf[r.label] = this.sourceCodes.get(r.source)!;
    this.byLabel = db.prepare('SELECT * FROM passages WHERE label = ?');
    this.hasTrigram = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'passages_trigram'").get() !== undefined;
  }

  search(query: string, k: number, signal?: AbortSignal): Promise<Passage[]> {
    return this.searchWith(query, { k, mode: this.defaultMode, ...(signal ? { signal } : {}) });
  }

  async searchWith(query: string, opts: SearchOptions = {}): Promise<Passage[]> {
    const k = opts.k ?? 3;
    const mode = opts.mode ?? this.defaultMode;
    checkK(k);
    if (!SEARCH_MODES.includes(mode)) throw new ApiError('bad_request', `Unknown search mode "${String(mode)}": use hybrid, dense, bm25 or trigram.`);
    throwIfAborted(opts.signal);
    if (!query.trim()) return [];
    const depth = mode === 'hybrid' ? Math.max(k, this.fusion.depth) : k;
    const dense = mode === 'hybrid' || mode === 'dense' ? await this.dense(query, depth, this.sourceFilter(opts.sources)) : null;
    throwIfAborted(opts.signal);
    const bm25 = mode === 'hybrid' || mode === 'bm25' ? this.fts('passages_fts', ftsQuery(query), depth, opts.sources) : null;
    const trigram = (mode === 'hybrid' && this.hasTrigram) || mode === 'trigram' ? this.fts('passages_trigram', trigramQuery(query), depth, opts.sources) : null;
    let fused: Map<number, number> | null = null;
    let order: number[];
    if (mode === 'hybrid') {
      const w = this.fusion.weights;
      const lists = [dense!, bm25!, ...(trigram ? [trigram] : [])].map((m) => [...m.keys()]);
      fused = reciprocalRankFusion(lists, this.fusion.rrfK, [w.dense, w.bm25, w.trigram]);
      order = [...fused.keys()].sort((a, b) => fused!.get(b)! - fused!.get(a)! || a - b);
    } else order = [...(dense ?? bm25 ?? trigram)!.keys()];
    return order.slice(0, k).map((label, i) => {
      const p = rowToPassage(this.byLabel.get(label) as Parameters<typeof rowToPassage>[0]);
      const scores: Passage['scores'] = {};
      const d = dense?.get(label);
      const b = bm25?.get(label) ?? (mode === 'trigram' ? trigram?.get(label) : undefined);
      if (d !== undefined) scores.dense = d;
      if (b !== undefined) scores.bm25 = b;
      if (fused) scores.fused = fused.get(label)!;
      return toPassage(p, scores, i + 1);
    });
  }

  /** Dense search by a vector already embedded (a unit query vector of the KB's dimension): the k nearest passages. */
  searchVector(vector: Float32Array, k: number): Passage[] {
    checkK(k);
    const dense = this.denseByVector(vector, k, undefined);
    return [...dense.keys()].map((label, i) => toPassage(rowToPassage(this.byLabel.get(label) as Parameters<typeof rowToPassage>[0]), { dense: dense.get(label)! }, i + 1));
  }

  /** Labels by descending cosine similarity. */
  private async dense(query: string, n: number, filter: ((label: number) => boolean) | undefined): Promise<Map<number, number>> {
    const [vec] = await this.encoder.embedQueries([query]);
    return this.denseByVector(vec!, n, filter);
  }

  private denseByVector(vec: Float32Array, n: number, filter: ((label: number) => boolean) | undefined): Map<number, number> {
    const count = this.index.getCurrentCount();
    const res = this.index.searchKnn(Array.from(vec), Math.min(n, count), filter);
    const pairs = res.neighbors.map((label, i) => [label, 1 - res.distances[i]!] as const);
    pairs.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    return new Map(pairs);
  }

  /** Labels by BM25 over one FTS5 index (reported higher-is-better: FTS5's bm25() negated). */
  private fts(table: 'passages_fts' | 'passages_trigram', match: string | null, n: number, sources: readonly string[] | undefined): Map<number, number> {
    if (!match) return new Map();
    const [wt, wx] = this.fusion.bm25Weights;
    const rows = (
      sources
        ? this.db
            .prepare(`SELECT f.rowid AS label, bm25(${table}, ?, ?) AS s FROM ${table} f JOIN passages p ON p.label = f.rowid WHERE ${table} MATCH ? AND p.source IN (SELECT value FROM json_each(?)) ORDER BY s, f.rowid LIMIT ?`)
            .all(wt, wx, match, JSON.stringify(sources), n)
        : this.db.prepare(`SELECT rowid AS label, bm25(${table}, ?, ?) AS s FROM ${table} WHERE ${table} MATCH ? ORDER BY s, rowid LIMIT ?`).all(wt, wx, match, n)
    ) as { label: number; s: number }[];
    return new Map(rows.map((r) => [r.label, -r.s]));
  }

  private sourceFilter(sources: readonly string[] | undefined): ((label: number) => boolean) | undefined {
    if (!sources) return undefined;
    const codes = new Set(sources.map((s) => this.sourceCodes.get(s)).filter((c): c is number => c !== undefined));
    return (label) => codes.has(this.sourceOf[label]!);
  }
}

function toPassage(p: StoredPassage, scores: Passage['scores'], rank: number): Passage {
  return { id: p.id, text: p.text, ...(p.title ? { title: p.title } : {}), source: p.source, scores, rank };
}
