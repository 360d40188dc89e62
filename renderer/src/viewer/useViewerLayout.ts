import { useCallback, useState } from 'react';
import type { PatientSummary, SeriesSummary, StudySummary } from '../../../main/api/studies.js';
import { useClient } from '../transport/context.js';
import { buildLoadedSeries, type LoadedSeries } from './series.js';

export const LAYOUTS = { '1x1': 1, '1x2': 2, '2x2': 4 } as const;
export type Layout = keyof typeof LAYOUTS;

export const viewportIdOf = (cell: number) => `vp${cell}`;

export interface ViewerLayout {
  layout: Layout;
  cells: readonly (LoadedSeries | null)[];
  active: number;
  loadError: string | null;
  setLayout: (layout: Layout) => void;
  setActive: (cell: number) => void;
  /**
   * Loads a series' instances and shows it in `cell` (the active one by default). With `alone`, cells showing another
   * patient are emptied: the viewer then shows one patient only (a case's images).
   */
  open: (patient: PatientSummary, study: StudySummary, series: SeriesSummary, cell?: number, alone?: boolean) => Promise<void>;
}

/** Which series each viewport cell shows, which cell is active and the grid; the viewer's only shared state. */
export function useViewerLayout(): ViewerLayout {
  const client = useClient();
  const [layout, setLayoutState] = useState<Layout>('1x1');
  const [cells, setCells] = useState<(LoadedSeries | null)[]>([null, null, null, null]);
  const [active, setActive] = useState(0);
  const [loadError, setLoadError] = useState<string | null>(null);

  const setLayout = useCallback((next: Layout) => {
    setLayoutState(next);
    setActive((a) => (a < LAYOUTS[next] ? a : 0));
  }, []);

  const open = useCallback(
    async (patient: PatientSummary, study: StudySummary, series: SeriesSummary, cell?: number, alone = false) => {
      const target = cell ?? active;
      try {
        const { instances } = await client.call('series.instances', { seriesInstanceUid: series.seriesInstanceUid });
        const loaded = buildLoadedSeries(patient, study, series, instances);
        setCells((cs) => cs.map((c, i) => (i === target ? loaded : alone && c && c.patient.key !== patient.key ? null : c)));
        setActive(target);
        setLoadError(null);
      } catch (err) {
        setLoadError(`Cannot open series ${series.description || series.seriesInstanceUid}: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
    [active, client],
  );

  return { layout, cells, active, loadError, setLayout, setActive, open };
}
