import { z } from 'zod';
import { RunStartEvent, TokenEvent, QueryEvent, EvidenceEvent, AnswerEvent, CdirEvent, RunSummaryEvent } from './run-events.js';

/**
 * Everything the main side pushes to the renderer, declared once. Each event names the task it belongs to
 * (`taskId`: a run, an import or a build) so a client can follow several at once.
 */
const base = { taskId: z.string(), seq: z.number().int().nonnegative(), at: z.number() };

export const ProgressEvent = z.object({
  ...base,
  type: z.literal('progress'),
  label: z.string(),
  done: z.number().nonnegative(),
  total: z.number().nonnegative().nullable(),
});

export const NoticeEvent = z.object({
  ...base,
  type: z.literal('notice'),
  level: z.enum(['info', 'warning']),
  message: z.string(),
});

export const ErrorEvent = z.object({ ...base, type: z.literal('error'), code: z.string(), message: z.string() });
export const DoneEvent = z.object({ ...base, type: z.literal('done'), status: z.enum(['completed', 'cancelled', 'failed', 'interrupted']) });

/**
 * Never sent live: a stored event that cannot be read back (not JSON, an unknown type, a shape this version does not
 * know) is read as this, at its own place in the log, so the rest of the case still opens. `raw` is the stored text,
 * cut to DAMAGED_RAW_MAX characters.
 */
export const DamagedEvent = z.object({ ...base, type: z.literal('damaged'), reason: z.string(), raw: z.string() });
export const DAMAGED_RAW_MAX = 500;

/** Every event on the wire: the ones shared by all long tasks, and a reasoning run's own. */
export const AppEvent = z.union([
  ProgressEvent,
  NoticeEvent,
  ErrorEvent,
  DoneEvent,
  DamagedEvent,
  RunStartEvent,
  TokenEvent,
  QueryEvent,
  EvidenceEvent,
  AnswerEvent,
  CdirEvent,
  RunSummaryEvent,
]);
export type AppEvent = z.infer<typeof AppEvent>;
