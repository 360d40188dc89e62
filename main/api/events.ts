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

/** Every event on the wire: the ones shared by all long tasks, and a reasoning run's own. */
export const AppEvent = z.union([
  ProgressEvent,
  NoticeEvent,
  ErrorEvent,
  DoneEvent,
  RunStartEvent,
  TokenEvent,
  QueryEvent,
  EvidenceEvent,
  AnswerEvent,
  CdirEvent,
  RunSummaryEvent,
]);
export type AppEvent = z.infer<typeof AppEvent>;
