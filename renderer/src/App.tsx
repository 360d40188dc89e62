import { useEffect, useRef, useState } from 'react';
import { AboutPanel } from './about/AboutPanel.js';
import { StudiesSidebar } from './studies/StudiesSidebar.js';
import { useStudies } from './studies/useStudies.js';
import { findSeries } from './studies/findSeries.js';
import { useServices } from './services/context.js';
import { useKeyImageLoads } from './services/keyImages.js';
import { useImageNavigation } from './viewer/useImageNavigation.js';
import { Viewer } from './viewer/Viewer.js';
import { useViewerLayout } from './viewer/useViewerLayout.js';
import { Workspace } from './workspace/Workspace.js';

export function App() {
  const [about, setAbout] = useState(false);
  const studies = useStudies();
  const view = useViewerLayout();
  const openUid = view.cells[view.active]?.series.seriesInstanceUid ?? null;
  useImageNavigation(view, studies.patients);
  useCaseDrivesViewer(view.keepPatient);
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
          onOpen={(p, s, se) => void view.open(p, s, se).catch(() => undefined)}
        />
        <Viewer
          view={view}
          onDropSeries={(uid, cell) => {
            const found = findSeries(studies.patients, uid);
            if (found) void view.open(found.patient, found.study, found.series, { cell }).catch(() => undefined);
          }}
        />
        <Workspace onDemoReady={studies.refresh} />
      </main>
      {about && <AboutPanel onClose={() => setAbout(false)} />}
    </div>
  );
}

/**
 * The case drives the viewer: when a case's images come in (a case opened from History, the demo case on first
 * launch), the viewer shows its first key image at the window the case recorded, alone (cells of other patients are
 * emptied). A case without images still clears other patients' images. Marking images changes nothing here.
 */
function useCaseDrivesViewer(keepPatient: (key: string) => void): void {
  const { keyImages, navigation } = useServices();
  const loads = useKeyImageLoads();
  const seen = useRef(loads);
  useEffect(() => {
    if (seen.current === loads) return;
    seen.current = loads;
    const first = keyImages.list()[0];
    const owner = keyImages.patient();
    if (!first) {
      if (owner) keepPatient(owner.key);
      return;
    }
    void navigation
      .open({
        studyUid: first.studyInstanceUid,
        seriesUid: first.seriesInstanceUid,
        sopInstanceUid: first.sopInstanceUid,
        frame: first.frame,
        voi: { center: first.windowCenter, width: first.windowWidth },
        alone: true,
      })
      .catch(() => undefined); // the viewer's banner says why
  }, [loads, keyImages, navigation, keepPatient]);
}
