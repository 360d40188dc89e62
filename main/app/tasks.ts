/** A long task of this process (an import, a PACS retrieve): its live report, how to stop it, when it has ended. */
export interface Task<R extends { state: string }> {
  readonly report: R;
  readonly abort: AbortController;
  finished: Promise<void>;
  /** Set once a cancel could no longer undo the task (a retrieve indexing what it fetched): a cancel then answers false. */
  committed?: boolean;
}

/**
 * The running and finished tasks of one kind, per app: looked up by id for their report, cancelled and awaited. On
 * shutdown the running ones are stopped and drained before the services they use close.
 */
export class TaskRegistry<R extends { state: string }> {
  private readonly tasks = new Map<string, Task<R>>();

  add(id: string, task: Task<R>): void {
    this.tasks.set(id, task);
  }

  report(id: string): R | undefined {
    return this.tasks.get(id)?.report;
  }

  /** Stops a task and waits until it has; false if it had already ended or committed, undefined if there is no such task. */
  async cancel(id: string): Promise<boolean | undefined> {
    const task = this.tasks.get(id);
    if (!task) return undefined;
    if (task.report.state !== 'running' || task.committed) return false;
    task.abort.abort();
    await task.finished;
    return true;
  }

  /** Waits for a task to end (for the CLI and tests). */
  async finished(id: string): Promise<R | undefined> {
    const task = this.tasks.get(id);
    await task?.finished;
    return task?.report;
  }

  async stopAll(): Promise<void> {
    for (const t of this.tasks.values()) t.abort.abort();
    await Promise.all([...this.tasks.values()].map((t) => t.finished));
  }
}
