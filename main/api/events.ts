import { z } from 'zod';

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

/** Events shared by every long task; domain events (token, query, evidence, answer, cdir) join this union. */
export const AppEvent = z.discriminatedUnion('type', [ProgressEvent, NoticeEvent, ErrorEvent, DoneEvent]);
export type AppEvent = z.infer<typeof AppEvent>;
