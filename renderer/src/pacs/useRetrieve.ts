import { useCallback, useEffect, useRef, useState } from 'react';
import type { RetrieveReport } from '../../../main/api/pacs.js';
import { useClient } from '../transport/context.js';

export interface RetrieveState {
  readonly taskId: string;
  readonly studyInstanceUid: string;
  readonly state: RetrieveReport['state'];
  readonly done: number;
  readonly total: number | null;
  /** "Retrieving from NODE: 12.3 MB" while it fetches, then "Indexing N instances from NODE" (no longer cancellable) */
  readonly label: string;
  readonly report: RetrieveReport | null;
  readonly error: string | null;
}

/** Runs `pacs.retrieve` and follows its progress and done events; the report is fetched when it ends. */
export function useRetrieve(onLanded: () => void) {
  const client = useClient();
  const [current, setCurrent] = useState<RetrieveState | null>(null);
  const taskRef = useRef<string | null>(null);

  const settle = useCallback(
    (taskId: string) =>
      void client.call('pacs.retrieveReport', { taskId }).then(
        (report) => {
          setCurrent((c) => (c && c.taskId === taskId ? { ...c, state: report.state, done: report.done, total: report.total, report, error: report.error?.message ?? null } : c));
          if (report.state === 'completed') onLanded();
        },
        (err: unknown) => setCurrent((c) => (c && c.taskId === taskId ? { ...c, state: 'failed', error: String(err) } : c)),
      ),
    [client, onLanded],
  );

  useEffect(
    () =>
      client.onEvent((event) => {
        if (event.taskId !== taskRef.current) return;
        if (event.type === 'progress') setCurrent((c) => (c && c.taskId === event.taskId && c.state === 'running' ? { ...c, done: event.done, total: event.total, label: event.label } : c));
        else if (event.type === 'done') settle(event.taskId);
      }),
    [client, settle],
  );

  const start = useCallback(
    async (nodeId: string, studyInstanceUid: string) => {
      try {
        const { taskId } = await client.call('pacs.retrieve', { nodeId, studyInstanceUid });
        taskRef.current = taskId;
        setCurrent({ taskId, studyInstanceUid, state: 'running', done: 0, total: null, label: 'Listing instances…', report: null, error: null });
        // A small retrieve can end before this page hears of its task id: ask once so its end is not missed.
        const report = await client.call('pacs.retrieveReport', { taskId });
        if (report.state !== 'running') settle(taskId);
      } catch (err) {
        setCurrent({ taskId: '', studyInstanceUid, state: 'failed', done: 0, total: null, label: '', report: null, error: err instanceof Error ? err.message : String(err) });
      }
    },
    [client, settle],
  );

  const cancel = useCallback(async () => {
    if (taskRef.current) await client.call('pacs.cancelRetrieve', { taskId: taskRef.current });
  }, [client]);

  return { current, start, cancel };
}
