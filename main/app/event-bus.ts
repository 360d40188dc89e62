import { AppEvent } from '../api/events.js';

type Listener = (event: AppEvent) => void;
type Draft = AppEvent extends infer E ? (E extends AppEvent ? Omit<E, 'seq' | 'at'> : never) : never;

/** Fans main-side events out to every connected transport; numbers them per task so clients can spot gaps. */
export class EventBus {
  private readonly listeners = new Set<Listener>();
  private readonly seqs = new Map<string, number>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(draft: Draft): AppEvent {
    const seq = this.seqs.get(draft.taskId) ?? 0;
    this.seqs.set(draft.taskId, seq + 1);
    const event = AppEvent.parse({ ...draft, seq, at: Date.now() });
    if (event.type === 'done') this.seqs.delete(event.taskId);
    for (const listener of this.listeners) listener(event);
    return event;
  }
}
