import { useCallback, useRef, useState } from 'react';
import type { PatientSummary, SeriesSummary, StudySummary } from '../../../main/api/studies.js';
import { useClient } from '../transport/context.js';
import { buildLoadedSeries, type LoadedSeries } from './series.js';

export const LAYOUTS = { '1x1': 1, '1x2': 2, '2x2': 4 } as const;
export type Layout = keyof typeof LAYOUTS;

export const viewportIdOf = (cell: number) => `vp${cell}`;

/**
 * Where a cell should go once its series is shown: an image (instance and frame) and optionally a window. `seq` tells
 * a new request from one already applied, so asking twice for the same image goes there twice.
 */
export interface CellTarget {
  readonly seq: number;
  readonly seriesUid: string;
  readonly sopInstanceUid: string;
  readonly frame: number;
  readonly voi: { readonly center: number; readonly width: number } | null;
}

export interface OpenOptions {
  /** The cell to show the series in (the active one by default). */
  cell?: number;
  /** Empty the cells that show another patient: the viewer then shows one patient only (a case's images). */
  alone?: boolean;
  /** The image (and window) to go to once the series is shown. */
  target?: Omit<CellTarget, 'seq' | 'seriesUid'>;
}

export interface ViewerLayout {
  layout: Layout;
  cells: readonly (LoadedSeries | null)[];
  /** Per cell, the image to go to (see CellTarget). */
  targets: readonly (CellTarget | null)[];
  active: number;
  loadError: string | null;
  setLayout: (layout: Layout) => void;
  setActive: (cell: number) => void;
  /** Loads a series' instances and shows it; rejects (and shows the banner) when it cannot be loaded. */
  open: (patient: PatientSummary, study: StudySummary, series: SeriesSummary, options?: OpenOptions) => Promise<void>;
  /** Sends a cell already showing the target's series to that image (no reload). */
  goTo: (cell: number, target: Omit<CellTarget, 'seq'>) => void;
  /** Empties the cells that show a patient other than `key`. */
  keepPatient: (key: string) => void;
  /** Shows a message in the viewer's error banner (null clears it). */
  report: (message: string | null) => void;
}

/** Which series each viewport cell shows, which cell is active and the grid; the viewer's only shared state. */
export function useViewerLayout(): ViewerLayout {
  const client = useClient();
  const [layout, setLayoutState] = useState<Layout>('1x1');
  const [cells, setCells] = useState<(LoadedSeries | null)[]>([null, null, null, null]);
  const [targets, setTargets] = useState<(CellTarget | null)[]>([null, null, null, null]);
  const [active, setActive] = useState(0);
  const [loadError, setLoadError] = useState<string | null>(null);
  const seq = useRef(0);

  const setLayout = useCallback((next: Layout) => {
    setLayoutState(next);
    setActive((a) => (a < LAYOUTS[next] ? a : 0));
  }, []);

  const goTo = useCallback((cell: number, target: Omit<CellTarget, 'seq'>) => {
    const next = { ...target, seq: ++seq.current };
    setTargets((ts) => ts.map((t, i) => (i === cell ? next : t)));
    setActive(cell);
  }, []);

  const open = useCallback(
    async (patient: PatientSummary, study: StudySummary, series: SeriesSummary, options: OpenOptions = {}) => {
      const target = options.cell ?? active;
      try {
        const { instances } = await client.call('series.instances', { seriesInstanceUid: series.seriesInstanceUid });
        const loaded = buildLoadedSeries(patient, study, series, instances);
        const goal = options.target ? { ...options.target, seriesUid: series.seriesInstanceUid, seq: ++seq.current } : null;
        setCells((cs) => cs.map((c, i) => (i === target ? loaded : options.alone && c && c.patient.key !== patient.key ? null : c)));
        setTargets((ts) => ts.map((t, i) => (i === target ? goal : t)));
        setActive(target);
        setLoadError(null);
      } catch (err) {
        const message = `Cannot open series ${series.description || series.seriesInstanceUid}: ${err instanceof Error ? err.message : String(err)}`;
        setLoadError(message);
        throw new Error(message);
      }
    },
    [active, client],
  );

  const keepPatient = useCallback((key: string) => setCells((cs) => cs.map((c) => (c && c.patient.key !== key ? null : c))), []);

  return { layout, cells, targets, active, loadError, setLayout, setActive, open, goTo, keepPatient, report: setLoadError };
}
