import type { KnowledgeBase } from './open.js';
import { SEARCH_MODES, type SearchMode } from './local-retriever.js';

export interface LabelledQuery {
  readonly query: string;
  readonly target: string;
  readonly kind?: string;
}

export interface RetrievalQuality {
  readonly queries: number;
  /** Fraction of queries whose target passage is in the top `k`. */
  readonly recallAtK: number;
  /** Mean reciprocal rank of the target within the top `depth` (0 when absent). */
  readonly mrr: number;
}

/** Recall@k and MRR of each search mode over labelled queries (target = the passage id that answers). */
export async function evaluateRetrieval(kb: KnowledgeBase, queries: readonly LabelledQuery[], k = 3, depth = 20): Promise<Record<SearchMode, RetrievalQuality>> {
  const out = {} as Record<SearchMode, RetrievalQuality>;
  for (const mode of SEARCH_MODES) {
    let hits = 0;
    let rr = 0;
    for (const q of queries) {
      const found = await kb.search(q.query, { k: depth, mode });
      const rank = found.findIndex((p) => p.id === q.target) + 1;
      if (rank > 0 && rank <= k) hits++;
      if (rank > 0) rr += 1 / rank;
    }
    out[mode] = { queries: queries.length, recallAtK: hits / queries.length, mrr: rr / queries.length };
  }
  return out;
}
