import type { AppEvent } from '../api/events.js';

/** An event before the bus numbers and stamps it (what EventBus.emit takes). */
export type EventDraft = AppEvent extends infer E ? (E extends AppEvent ? Omit<E, 'seq' | 'at'> : never) : never;

/** Where a run's events go: the app passes `ctx.events.emit`; the CLI and tests may collect them. */
export type Emit = (draft: EventDraft) => AppEvent | void;
