import { useEffect, useLayoutEffect, useRef } from 'react';
import type { PatientSummary } from '../../../main/api/studies.js';
import { findSeries } from '../studies/findSeries.js';
import { useServices } from '../services/context.js';
import type { ImageTarget } from '../services/navigation.js';
import type { ViewerLayout } from './useViewerLayout.js';

/**
 * Attaches the viewer to the page's ViewerNavigation: a target's series is shown in the cell that already shows it
 * (no reload) or else in the active cell, which then goes to the image and window. `alone` (a case was opened) also
 * empties the cells that show another patient, so a case is never read beside another patient's images.
 */
export function useImageNavigation(view: ViewerLayout, patients: PatientSummary[] | null): void {
  const { client, navigation } = useServices();
  // The opener is attached once; it reads the current layout and study list through refs.
  const current = useRef({ view, patients });
  useLayoutEffect(() => {
    current.current = { view, patients };
  });

  useEffect(
    () =>
      navigation.attach(async (t: ImageTarget) => {
        const { view: v, patients: known } = current.current;
        const goal = { sopInstanceUid: t.sopInstanceUid, frame: t.frame ?? 0, voi: t.voi ?? null };
        const at = v.cells.findIndex((c) => c?.series.seriesInstanceUid === t.seriesUid);
        const mixed = at >= 0 && v.cells.some((c) => c && c.patient.key !== v.cells[at]!.patient.key);
        if (at >= 0 && !(t.alone && mixed)) {
          v.goTo(at, { ...goal, seriesUid: t.seriesUid });
          return;
        }
        // The browser's list may be stale (an import just ended) or narrowed by a search: ask the database then.
        const found = findSeries(known, t.seriesUid) ?? findSeries((await client.call('studies.list', {})).patients, t.seriesUid);
        if (!found) {
          const message = `Cannot show the image: its series ${t.seriesUid} is not in the study list (deleted, or never imported here).`;
          v.report(message);
          throw new Error(message);
        }
        await v.open(found.patient, found.study, found.series, { cell: at >= 0 ? at : undefined, alone: t.alone, target: goal });
      }),
    [client, navigation],
  );
}
