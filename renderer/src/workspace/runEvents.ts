import type { AppEvent } from '../../../main/api/index.js';
import type { Client } from '../transport/client.js';

/**
 * Keeps the events of recent tasks from the moment the page connects: a run's first events can arrive over the
 * WebSocket before the `cases.run` reply that names it, so a panel that learns its runId late still sees them all.
 */
export class RunEventBuffer {
  private readonly byTask = new Map<string, AppEvent[]>();
  private readonly listeners = new Set<(e: AppEvent) => void>();

  constructor(client: Client, private readonly keep = 8) {
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

  /** Replays what is buffered for the task, then streams what follows. */
  follow(taskId: string, listener: (e: AppEvent) => void): () => void {
    for (const e of this.byTask.get(taskId) ?? []) listener(e);
    const l = (e: AppEvent) => e.taskId === taskId && listener(e);
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
