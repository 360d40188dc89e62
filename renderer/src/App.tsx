import { useEffect, useRef, useState } from 'react';
import { AboutPanel } from './about/AboutPanel.js';
import { StudiesSidebar } from './studies/StudiesSidebar.js';
import { useStudies } from './studies/useStudies.js';
import { findSeries } from './studies/findSeries.js';
import { useKeyImageLoads, useKeyImages } from './services/keyImages.js';
import { Viewer } from './viewer/Viewer.js';
import { useViewerLayout } from './viewer/useViewerLayout.js';
import { Workspace } from './workspace/Workspace.js';

export function App() {
  const [about, setAbout] = useState(false);
  const studies = useStudies();
  const view = useViewerLayout();
  const openUid = view.cells[view.active]?.series.seriesInstanceUid ?? null;
  const keys = useKeyImages();
  const { open, cells } = view;
  // The viewer follows the case: when the strip gets a case's images (a case opened from History, the demo case on
  // first launch), the viewer shows the series of its first key image and empties cells of other patients, so it never
  // shows one patient beside another's case. Marking images changes nothing here; browsing on is the reader's choice.
  const firstKeySeries = keys[0]?.seriesInstanceUid;
  const loads = useKeyImageLoads();
  const followed = useRef<{ loads: number; series: string | null } | null>(null);
  useEffect(() => {
    const prev = followed.current;
    const series = firstKeySeries ?? null;
    if (prev?.loads === loads && prev.series === series) return;
    const caseOpened = prev?.loads !== loads;
    const at = cells.findIndex((c) => c?.series.seriesInstanceUid === series);
    const mixed = caseOpened && at >= 0 && cells.some((c) => c && c.patient.key !== cells[at]!.patient.key);
    if (!series || (at >= 0 && !mixed)) {
      followed.current = { loads, series };
      return;
    }
    const found = findSeries(studies.patients, series);
    if (!found) return; // the study list is still loading
    followed.current = { loads, series };
    void open(found.patient, found.study, found.series, at >= 0 ? at : undefined, true);
  }, [loads, firstKeySeries, cells, studies.patients, open]);
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Med-RwR Workstation</span>
        <span className="label-disclaimer">Decision support, not for primary diagnosis</span>
        <nav>
          <button onClick={() => setAbout(true)}>About</button>
        </nav>
      </header>
      <main className="workspace">
        <StudiesSidebar
          patients={studies.patients}
          error={studies.error}
          refresh={studies.refresh}
          openSeriesUid={openUid}
          onOpen={(p, s, se) => void view.open(p, s, se)}
        />
        <Viewer
          view={view}
          onDropSeries={(uid, cell) => {
            const found = findSeries(studies.patients, uid);
            if (found) void view.open(found.patient, found.study, found.series, cell);
          }}
        />
        <Workspace onDemoReady={studies.refresh} />
      </main>
      {about && <AboutPanel onClose={() => setAbout(false)} />}
    </div>
  );
}
