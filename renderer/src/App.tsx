import { useEffect, useState } from 'react';
import { AboutPanel } from './about/AboutPanel.js';
import { StudiesSidebar } from './studies/StudiesSidebar.js';
import { useStudies } from './studies/useStudies.js';
import { findSeries } from './studies/findSeries.js';
import { useKeyImages } from './viewer/keyImages.js';
import { Viewer } from './viewer/Viewer.js';
import { useViewerLayout } from './viewer/useViewerLayout.js';
import { Workspace } from './workspace/Workspace.js';

export function App() {
  const [about, setAbout] = useState(false);
  const studies = useStudies();
  const view = useViewerLayout();
  const openUid = view.cells[view.active]?.series.seriesInstanceUid ?? null;
  const keys = useKeyImages();
  const { open } = view;
  // An empty viewer shows the series of the case's first key image (e.g. the demo case on first launch).
  const firstKeySeries = keys[0]?.seriesInstanceUid;
  useEffect(() => {
    if (openUid || !firstKeySeries) return;
    const found = findSeries(studies.patients, firstKeySeries);
    if (found) void open(found.patient, found.study, found.series);
  }, [openUid, firstKeySeries, studies.patients, open]);
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
