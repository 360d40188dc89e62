import { ApiError } from '../api/errors.js';
import type { KeyImage, RunStatus } from '../api/cases.js';
import type { AppEvent } from '../api/events.js';
import type { SettingsPatch } from '../api/settings.js';
import type { AppContext } from '../app/context.js';
import type { EventBus } from '../app/event-bus.js';
import type { RenderedKeyImage } from './key-images.js';
import type { Reasoner, RunEventDraft } from './reasoner.js';
import { readSettings, withOverrides } from './settings-store.js';
import type { CaseStore } from './store.js';

/** Cancel answers within a second even if the reasoner is stuck in a long native call; later events are dropped. */
const CANCEL_GRACE_MS = 800;

/** The abort reason of a shutdown: the run is recorded `interrupted`, not `cancelled` (nobody asked it to stop). */
const SHUTDOWN = Symbol('shutdown');

type EndStatus = Exclude<RunStatus, 'running'>;

interface ActiveRun {
  readonly controller: AbortController;
  readonly finished: Promise<void>;
  close(status: EndStatus, error?: { code: string; message: string }): void;
}

export interface RunServiceDeps {
  reasoner: Reasoner;
  /** The model's view of a key image (the composition root wires it to the studies port). */
  renderImage: (key: KeyImage) => Promise<RenderedKeyImage>;
}

/**
 * Starts reasoning runs on cases: every event is numbered by the event bus, appended to the run's log and broadcast
 * in the same tick, so what a client saw is what the case holds. One outcome (`done`) per run, whatever happens.
 */
export class RunService {
  private readonly active = new Map<string, ActiveRun>();

  constructor(
    private readonly ctx: AppContext,
    private readonly store: CaseStore,
    private readonly deps: RunServiceDeps,
  ) {}

  start(caseId: string, overrides: SettingsPatch | undefined): { runId: string } {
    if (this.active.size > 0) throw new ApiError('conflict', 'A run is in progress (the model reasons over one case at a time): cancel it or wait for it to finish.');
    const settings = withOverrides(readSettings(this.ctx.dataDir), overrides);
    const c = this.store.getCase(caseId);
    if (c.keyImages.length === 0) throw new ApiError('bad_request', 'Mark at least one key image before running: the model reasons over the images.');
    if (c.problem) throw new ApiError('conflict', c.problem);
    const run = this.store.startRun(caseId, settings);
    const runId = run.id;
    const controller = new AbortController();
    let closed = false;
    /** The first write the database refused (disk full, locked, read-only…): the run stops and ends `failed` with it. */
    let storageFailure: ApiError | null = null;

    const record = (event: AppEvent) => {
      try {
        this.store.appendEvent(runId, event);
      } catch (err) {
        this.ctx.logger.log('error', 'a run event could not be stored', { runId, seq: event.seq, type: event.type, error: String(err) });
        if (storageFailure) return;
        storageFailure = new ApiError('unavailable', `The case database could not store event ${event.seq} (${event.type}) of this run: ${(err as Error).message}`);
        controller.abort(storageFailure);
      }
    };
    const emit = (draft: RunEventDraft) => {
      // After a refused write the log would have a hole: nothing more from the reasoner, only the outcome.
      if (closed || storageFailure) return;
      record(this.ctx.events.emit({ ...draft, taskId: runId } as Parameters<EventBus['emit']>[0]));
    };
    const close = (status: EndStatus, error?: { code: string; message: string }) => {
      if (closed) return;
      if (storageFailure && !error) return close('failed', storageFailure);
      if (error) record(this.ctx.events.emit({ type: 'error', taskId: runId, code: error.code, message: error.message }));
      closed = true;
      record(this.ctx.events.emit({ type: 'done', taskId: runId, status }));
      this.active.delete(runId);
      // The closing events may not have been stored either: the run row still says how it ended, if it can.
      if (storageFailure) this.endUnlogged(runId, storageFailure.message);
    };

    const finished = (async () => {
      // Let the caller have the runId (and subscribe) before the first event.
      await new Promise((r) => setImmediate(r));
      try {
        const images = await Promise.all(c.keyImages.map((k) => this.deps.renderImage(k)));
        controller.signal.throwIfAborted();
        await this.deps.reasoner({ runId, images: images.map((i) => i.rgb), question: c.question, options: c.options, settings, signal: controller.signal, emit }, this.ctx);
        close(controller.signal.aborted ? stoppedAs(controller.signal) : 'completed');
      } catch (err) {
        if (controller.signal.aborted && !(controller.signal.reason instanceof ApiError)) return close(stoppedAs(controller.signal));
        const cause = controller.signal.reason instanceof ApiError ? controller.signal.reason : err;
        const code = cause instanceof ApiError ? cause.code : 'internal';
        const message = cause instanceof Error ? cause.message : String(cause);
        this.ctx.logger.log('error', 'run failed', { runId, error: cause instanceof Error ? (cause.stack ?? message) : message });
        close('failed', { code, message });
      }
    })();
    this.active.set(runId, { controller, finished, close });
    return { runId };
  }

  /** Stops a run within a second and records it as cancelled; a run that already ended keeps its outcome. */
  async cancel(runId: string): Promise<RunStatus> {
    const active = this.active.get(runId);
    if (!active) return this.store.getRun(runId).status;
    active.controller.abort();
    await Promise.race([active.finished, new Promise((r) => setTimeout(r, CANCEL_GRACE_MS))]);
    active.close('cancelled');
    const run = this.store.getRun(runId);
    this.store.audit('cancel', run.caseId, runId, null);
    return run.status;
  }

  private endUnlogged(runId: string, message: string): void {
    try {
      this.store.endRun(runId, 'failed', message);
    } catch (err) {
      // Left `running`: the next start marks it interrupted.
      this.ctx.logger.log('error', 'the outcome of a run could not be stored', { runId, error: String(err) });
    }
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /** On shutdown: runs still going are stopped and recorded as interrupted. */
  async shutdown(): Promise<void> {
    const runs = [...this.active.values()];
    for (const run of runs) run.controller.abort(SHUTDOWN);
    await Promise.race([Promise.all(runs.map((r) => r.finished.catch(() => undefined))), new Promise((r) => setTimeout(r, CANCEL_GRACE_MS))]);
    for (const run of runs) run.close('interrupted');
  }
}

function stoppedAs(signal: AbortSignal): 'interrupted' | 'cancelled' {
  return signal.reason === SHUTDOWN ? 'interrupted' : 'cancelled';
}
