import { useEffect } from 'react';
import type { PatientSummary, SeriesSummary, StudySummary } from '../../../main/api/studies.js';
import { PacsPanel } from '../pacs/PacsPanel.js';
import { ImportPanel } from './ImportPanel.js';
import { Worklist } from './Worklist.js';
import { useImport } from './useImport.js';

interface Props {
  patients: PatientSummary[] | null;
  error: string | null;
  refresh: () => void;
  openSeriesUid: string | null;
  onOpen: (patient: PatientSummary, study: StudySummary, series: SeriesSummary) => void;
}

/** The left column: import (File → Open) and PACS on top, the worklist below. */
export function StudiesSidebar({ patients, error, refresh, openSeriesUid, onOpen }: Props) {
  const imports = useImport(refresh);
  const { start } = imports;
  // Electron's File → Open: the main process picked the paths natively.
  useEffect(
    () =>
      window.medrwr?.onMenu((command) => {
        const c = command as { type?: unknown; paths?: unknown };
        if (c.type === 'import' && Array.isArray(c.paths) && c.paths.every((p) => typeof p === 'string')) void start(c.paths as string[]);
      }),
    [start],
  );
  return (
    <aside className="studies-sidebar">
      <ImportPanel current={imports.current} onImport={(paths) => void imports.start(paths)} onCancel={() => void imports.cancel()} onDismiss={imports.dismiss} />
      <PacsPanel onRetrieved={refresh} />
      <Worklist patients={patients} error={error} openSeriesUid={openSeriesUid} onOpen={onOpen} />
    </aside>
  );
}
