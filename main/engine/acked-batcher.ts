/**
 * Coalesces a stream of events into as few messages as the receiver needs: an event goes out at once when the receiver
 * has taken every earlier message, else it waits, with any that follow, for the next event after that or for `flush()`.
 * The engine worker streams tokens through it: while the main thread keeps up (a real model's decoder step is far
 * longer than handling a message) every token is its own message, as before; when a small model's steps outrun the main
 * thread, tokens travel in batches instead of queueing one message each. Order is kept and nothing is dropped.
 */
export class AckedBatcher<T> {
  private pending: T[] = [];
  private sent = 0;

  /** `received()` is how many of the messages sent so far the receiver has taken (it counts them itself). */
  constructor(
    private readonly send: (batch: T[]) => void,
    private readonly received: () => number,
  ) {}

  push(item: T): void {
    this.pending.push(item);
    if (this.received() >= this.sent) this.flush();
  }

  /** Sends whatever is waiting (at the end of the stream, or before an error is reported). */
  flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.sent++;
    this.send(batch);
  }
}
