import { z } from 'zod';
import { method } from './define.js';
import { EvidencePassage } from './run-events.js';

/** A knowledge base as the UI shows it: what it is, what built it, what it holds. Opening it checks it end to end. */
export const KbInfo = z.object({
  dir: z.string(),
  id: z.string(),
  version: z.string(),
  built: z.string(),
  embedder: z.object({ id: z.string(), version: z.string(), sha256: z.string() }),
  dimension: z.number().int(),
  counts: z.object({ documents: z.number().int(), passages: z.number().int(), sources: z.record(z.string(), z.number().int()) }),
  images: z.object({ count: z.number().int(), embedder: z.string() }).nullable(),
});
export type KbInfo = z.infer<typeof KbInfo>;

export const kbMethods = {
  'kb.info': method(z.object({ dir: z.string().min(1, 'the knowledge-base folder must not be empty') }).strict(), KbInfo, 'Open and check a knowledge-base folder; its id, version, embedder, counts and image library.'),
  'kb.search': method(
    z
      .object({
        dir: z.string().min(1, 'the knowledge-base folder must not be empty'),
        query: z.string().max(2000, 'the query is limited to 2000 characters'),
        k: z.number().int('k must be a whole number').min(1, 'k must be 1 to 50').max(50, 'k must be 1 to 50').default(3),
        mode: z.enum(['hybrid', 'dense', 'bm25', 'trigram']).default('hybrid'),
        sources: z.array(z.string()).optional(),
      })
      .strict(),
    z.object({ passages: z.array(EvidencePassage) }),
    'Search a knowledge base (hybrid, dense, BM25 or trigram BM25), optionally within some sources; passages with per-side scores and fused rank.',
  ),
};
