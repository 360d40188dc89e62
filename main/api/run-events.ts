import { z } from 'zod';

/** The events of one reasoning run (DESIGN §1, §4), in the order they happen; `taskId` is the run id. */
const base = { taskId: z.string(), seq: z.number().int().nonnegative(), at: z.number() };

export const EvidencePassage = z.object({
  id: z.string(),
  text: z.string(),
  title: z.string().optional(),
  source: z.string().optional(),
  scores: z.object({ dense: z.number().optional(), bm25: z.number().optional(), fused: z.number().optional() }),
  rank: z.number().int().positive(),
});
export type EvidencePassage = z.infer<typeof EvidencePassage>;

export const Provenance = z.object({
  /** `dtype`: the variant that answered (fp32, fp16, q4, q4f16; absent in older logs). */
  model: z.object({ id: z.string(), version: z.string(), sha256: z.string(), synthetic: z.boolean(), dtype: z.string().optional() }),
  kb: z.object({
    id: z.string(),
    version: z.string(),
    kind: z.enum(['local', 'remote', 'none']),
    /** The text encoder its vectors were made with (local KBs; absent in older logs). */
    embedder: z.object({ id: z.string(), version: z.string(), sha256: z.string() }).nullable().optional(),
  }),
  imageLibrary: z.object({ id: z.string(), version: z.string() }).nullable(),
  executionProvider: z.string(),
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
  startedAt: z.string(),
});
export type Provenance = z.infer<typeof Provenance>;

/** The run began: what it runs on. A requested provider that fell back is also announced as a `notice`. */
export const RunStartEvent = z.object({ ...base, type: z.literal('run'), provenance: Provenance });

/** One decoded piece of model output (think text, tags, answer), streamed as it is generated. */
export const TokenEvent = z.object({
  ...base,
  type: z.literal('token'),
  round: z.number().int().nonnegative(),
  text: z.string(),
  tokenId: z.number().int(),
  logprob: z.number(),
});

/** The model asked the knowledge base (normalised query text, as injected). */
export const QueryEvent = z.object({ ...base, type: z.literal('query'), round: z.number().int().nonnegative(), query: z.string() });

/** What came back and was injected as `<retrieve>`; empty means `<retrieve> None </retrieve>`. */
export const EvidenceEvent = z.object({
  ...base,
  type: z.literal('evidence'),
  round: z.number().int().nonnegative(),
  query: z.string(),
  passages: z.array(EvidencePassage),
});

export const AnswerEvent = z.object({
  ...base,
  type: z.literal('answer'),
  phase: z.enum(['initial', 'cdir']),
  /** The option letter (first token after `<answer>`), or null when the output has no parsable answer. */
  letter: z.string().nullable(),
  text: z.string(),
  /** Probability of that first answer token under the raw logits; null without an answer. */
  confidence: z.number().min(0).max(1).nullable(),
  /** Probability of each offered option letter at that same position. */
  distribution: z.record(z.string(), z.number()),
  /**
   * Whether the output holds a usable answer (main/api/answer-validity.ts) and, if not, why. Absent in logs written
   * before validity was recorded: the trace fold then checks the stored output itself.
   */
  valid: z.boolean().optional(),
  problem: z.string().nullable().optional(),
});

export const SimilarImageRef = z.object({
  id: z.string(),
  caption: z.string(),
  source: z.string().optional(),
  score: z.number(),
  /** A small PNG as a data: URL, so the renderer and reports need no file access. */
  thumbnail: z.string(),
});

/** CDIR: `triggered` when the first confidence is under the threshold; `resolved` after the extra round. */
export const CdirEvent = z.discriminatedUnion('stage', [
  z.object({ ...base, type: z.literal('cdir'), stage: z.literal('triggered'), before: z.number(), threshold: z.number(), similar: SimilarImageRef.nullable() }),
  z.object({
    ...base,
    type: z.literal('cdir'),
    stage: z.literal('resolved'),
    before: z.number(),
    after: z.number().nullable(),
    letterBefore: z.string().nullable(),
    letterAfter: z.string().nullable(),
    changed: z.boolean(),
  }),
]);

export const Timings = z.object({
  totalMs: z.number(),
  firstTokenMs: z.number().nullable(),
  prefillMs: z.number(),
  decodeMs: z.number(),
  retrievalMs: z.number(),
  generatedTokens: z.number().int(),
  rounds: z.number().int(),
});
export type Timings = z.infer<typeof Timings>;

export const RunSummaryEvent = z.object({
  ...base,
  type: z.literal('summary'),
  timings: Timings,
  finalLetter: z.string().nullable(),
  finalConfidence: z.number().nullable(),
  /** Whether the answer that stands is valid (absent in logs from before validity was recorded). */
  finalValid: z.boolean().optional(),
});
