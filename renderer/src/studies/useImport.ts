import { useCallback, useEffect, useRef, useState } from 'react';
import type { ImportReport } from '../../../main/api/studies.js';
import { useClient } from '../transport/context.js';

export interface ImportState {
  readonly taskId: string;
  readonly paths: readonly string[];
  readonly state: ImportReport['state'];
  readonly done: number;
  readonly total: number | null;
  readonly label: string;
  readonly report: ImportReport | null;
  readonly error: string | null;
}

/**
 * Runs `studies.import` and follows it by its task's progress and done events; the report (counts and every
 * failed file with its reason) is fetched when it ends. `onChange` fires as files land so the browser fills in.
 */
export function useImport(onChange: () => void) {
  const client = useClient();
  const [current, setCurrent] = useState<ImportState | null>(null);
  const taskRef = useRef<string | null>(null);
  const lastRefresh = useRef(0);

  useEffect(
    () =>
      client.onEvent((event) => {
        if (event.taskId !== taskRef.current) return;
        if (event.type === 'progress') {
          setCurrent((c) => (c && c.taskId === event.taskId && c.state === 'running' ? { ...c, done: event.done, total: event.total, label: event.label } : c));
          if (Date.now() - lastRefresh.current > 1500) {
            lastRefresh.current = Date.now();
            onChange();
          }
        } else if (event.type === 'done') {
          const taskId = event.taskId;
          void client.call('studies.importReport', { taskId }).then(
            (report) => setCurrent((c) => (c && c.taskId === taskId ? { ...c, state: report.state, done: report.done, total: report.total, report } : c)),
            (err: unknown) => setCurrent((c) => (c && c.taskId === taskId ? { ...c, state: 'failed', error: String(err) } : c)),
          );
          onChange();
        }
      }),
    [client, onChange],
  );

  const start = useCallback(
    async (paths: string[]) => {
      setCurrent(null);
      try {
        const { taskId } = await client.call('studies.import', { paths });
        taskRef.current = taskId;
        setCurrent({ taskId, paths, state: 'running', done: 0, total: null, label: 'Listing files…', report: null, error: null });
        // A small import can finish before this page hears of its task id: ask once so its end is not missed.
        const report = await client.call('studies.importReport', { taskId });
        if (report.state !== 'running') {
          setCurrent((c) => (c && c.taskId === taskId && !c.report ? { ...c, state: report.state, done: report.done, total: report.total, report } : c));
          onChange();
        }
      } catch (err) {
        setCurrent({ taskId: '', paths, state: 'failed', done: 0, total: null, label: '', report: null, error: err instanceof Error ? err.message : String(err) });
      }
    },
    [client, onChange],
  );

  const cancel = useCallback(async () => {
    const taskId = taskRef.current;
    if (!taskId) return;
    await client.call('studies.cancelImport', { taskId });
  }, [client]);

  const dismiss = useCallback(() => {
    taskRef.current = null;
    setCurrent(null);
  }, []);

  return { current, start, cancel, dismiss };
}
