import type { AppEvent } from '../../api/events.js';
import type { ImportReport } from '../../api/studies.js';
import type { AppContext } from '../../app/context.js';
import { dispatch } from '../../app/dispatch.js';

/** Runs studies.import through the contract and waits for its "done" event; returns the report and the events. */
export async function importPaths(ctx: AppContext, paths: string[]): Promise<{ report: ImportReport; events: AppEvent[] }> {
  const events: AppEvent[] = [];
  let taskId = '';
  const done = new Promise<void>((resolve) => {
    const off = ctx.events.subscribe((e) => {
      events.push(e);
      if (e.type === 'done' && e.taskId === taskId) {
        off();
        resolve();
      }
    });
  });
  ({ taskId } = (await dispatch(ctx, 'studies.import', { paths })) as { taskId: string });
  await done;
  return { report: (await dispatch(ctx, 'studies.importReport', { taskId })) as ImportReport, events: events.filter((e) => e.taskId === taskId) };
}

