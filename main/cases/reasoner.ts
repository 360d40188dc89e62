import type { CaseOption } from '../api/cases.js';
import type { AppEvent } from '../api/events.js';
import type { Settings } from '../api/settings.js';
import type { AppContext } from '../app/context.js';
import type { RgbImage } from '../imaging/rgb.js';

/** A run event as the reasoning emits it: the run service numbers, stamps, stores and broadcasts it. */
export type RunEventDraft = AppEvent extends infer E ? (E extends AppEvent ? (E['type'] extends 'done' | 'error' | 'progress' | 'damaged' ? never : Omit<E, 'seq' | 'at' | 'taskId'>) : never) : never;

export interface ReasoningJob {
  readonly runId: string;
  readonly images: readonly RgbImage[];
  readonly question: string;
  readonly options: readonly CaseOption[];
  readonly settings: Settings;
  readonly signal: AbortSignal;
  emit(draft: RunEventDraft): void;
}

/**
 * What the run service needs from the model side: run the Med-RwR protocol for one job, emitting its events (run,
 * token, query, evidence, answer, cdir, summary, notices) and returning when it ends. Aborting `signal` must make
 * it return or throw promptly; the run service records the outcome (done / error), never the reasoner.
 */
export type Reasoner = (job: ReasoningJob, ctx: AppContext) => Promise<void>;
