import type { AppEvent, CaseDetail } from '../../../main/api/index.js';
import type { Client } from '../transport/client.js';

/** What a followed run delivers: a live event, or the stored case re-read (its run's log is complete). */
export type RunUpdate = { kind: 'event'; event: AppEvent } | { kind: 'stored'; detail: CaseDetail };

/** How long a running run may stay silent before the store is asked (a reconnecting socket, a slow model load). */
const QUIET_MS = 3000;

/**
 * The one path by which a run's events reach the page. It keeps the events of recent tasks from the moment the page
 * connects (a run's first events can arrive over the WebSocket before the `cases.run` reply that names it), and
 * `follow` hands a run's events to one listener: the buffered ones, then the live ones, and the stored case whenever
 * the live stream may be incomplete (the run ended, or went quiet while running).
 */
export class RunEvents {
  private readonly byTask = new Map<string, AppEvent[]>();
  private readonly listeners = new Set<(e: AppEvent) => void>();

  constructor(
    private readonly client: Client,
    private readonly keep = 8,
  ) {
    client.onEvent((e) => this.add(e));
  }

  private add(e: AppEvent): void {
    let list = this.byTask.get(e.taskId);
    if (!list) {
      list = [];
      this.byTask.set(e.taskId, list);
      if (this.byTask.size > this.keep) this.byTask.delete(this.byTask.keys().next().value!);
    }
    list.push(e);
    for (const l of this.listeners) l(e);
  }

  /** The task's buffered events, then those that follow; returns the unsubscribe. */
  events(taskId: string, listener: (e: AppEvent) => void): () => void {
    for (const e of this.byTask.get(taskId) ?? []) listener(e);
    const l = (e: AppEvent) => e.taskId === taskId && listener(e);
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Follows run `runId` of case `caseId` until the returned stop is called. */
  follow(runId: string, caseId: string, onUpdate: (update: RunUpdate) => void): () => void {
    let lastEventAt = Date.now();
    let ended = false;
    let stopped = false;
    // Failures to read the store are left to the next try (the watchdog) or to whoever opens the case again.
    const reread = () =>
      this.client.call('cases.get', { caseId, audit: false }).then(
        (detail) => {
          if (stopped) return;
          onUpdate({ kind: 'stored', detail });
          ended ||= detail.runs.find((r) => r.id === runId)?.status !== 'running';
        },
        () => undefined,
      );
    const unsubscribe = this.events(runId, (event) => {
      lastEventAt = Date.now();
      onUpdate({ kind: 'event', event });
      if (event.type === 'done') {
        ended = true;
        void reread();
      }
    });
    const watchdog = setInterval(() => {
      if (!ended && Date.now() - lastEventAt > QUIET_MS) {
        lastEventAt = Date.now();
        void reread();
      }
    }, 1000);
    return () => {
      stopped = true;
      unsubscribe();
      clearInterval(watchdog);
    };
  }
}
