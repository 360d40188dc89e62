import type { AppEvent } from '../../api/events.js';
import type { RetrieveReport } from '../../api/pacs.js';
import type { AppContext } from '../../app/context.js';
import { dispatch } from '../../app/dispatch.js';

/**
 * Starts pacs.retrieve through the contract and collects its events; `finished` resolves on its "done" event.
 * `onEvent` sees each event as it is emitted, inside the retrieve's own step (e.g. to cancel at an exact point).
 */
export async function retrieveVia(ctx: AppContext, params: { nodeId: string; studyInstanceUid: string; seriesInstanceUid?: string }, onEvent?: (e: AppEvent) => void) {
  const events: AppEvent[] = [];
  let taskId = '';
  let ended!: () => void;
  const done = new Promise<void>((resolve) => (ended = resolve));
  const off = ctx.events.subscribe((e) => {
    if (taskId !== '' && e.taskId !== taskId) return;
    events.push(e);
    onEvent?.(e);
    if (e.type === 'done') {
      off();
      ended();
    }
  });
  ({ taskId } = (await dispatch(ctx, 'pacs.retrieve', params)) as { taskId: string });
  return {
    taskId,
    events,
    finished: async () => {
      await done;
      return (await dispatch(ctx, 'pacs.retrieveReport', { taskId })) as RetrieveReport;
    },
  };
}
