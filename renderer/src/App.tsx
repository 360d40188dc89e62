import { useEffect, useRef, useState } from 'react';
import { AboutPanel } from './about/AboutPanel.js';
import { CollapsiblePanel } from './layout/CollapsiblePanel.js';
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
  // On a narrow window (a laptop at 150 % zoom) the viewer starts with the room; either panel opens from its rail.
  const [narrow] = useState(() => window.innerWidth < 1000);
  const [studiesHidden, setStudiesHidden] = useState(narrow);
  const [workspaceHidden, setWorkspaceHidden] = useState(narrow);
  const studies = useStudies();
  const view = useViewerLayout();
  const openUid = view.cells[view.active]?.series.seriesInstanceUid ?? null;
  useImageNavigation(view, studies.patients);
  // A series the reader opens while the page is still restoring its last case wins over that case's key image.
  const userOpened = useRef(false);
  useCaseDrivesViewer(view.keepPatient, userOpened);
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
        <CollapsiblePanel side="left" label="Studies" collapsed={studiesHidden} onToggle={() => setStudiesHidden((h) => !h)}>
          <StudiesSidebar
            patients={studies.patients}
            error={studies.error}
            refresh={studies.refresh}
            openSeriesUid={openUid}
            onOpen={(p, s, se) => {
              userOpened.current = true;
              void view.open(p, s, se).catch(() => undefined);
            }}
          />
        </CollapsiblePanel>
        <Viewer
          view={view}
          onDropSeries={(uid, cell) => {
            const found = findSeries(studies.patients, uid);
            userOpened.current = true;
            if (found) void view.open(found.patient, found.study, found.series, { cell }).catch(() => undefined);
          }}
        />
        <CollapsiblePanel side="right" label="Case" collapsed={workspaceHidden} onToggle={() => setWorkspaceHidden((h) => !h)}>
          <Workspace onDemoReady={studies.refresh} />
        </CollapsiblePanel>
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
function useCaseDrivesViewer(keepPatient: (key: string) => void, userOpened: { readonly current: boolean }): void {
  const { keyImages, navigation } = useServices();
  const loads = useKeyImageLoads();
  const seen = useRef(loads);
  const restored = useRef(false);
  useEffect(() => {
    if (seen.current === loads) return;
    seen.current = loads;
    const restoring = !restored.current; // the first load is the page restoring its last case, not a reader's choice
    restored.current = true;
    if (restoring && userOpened.current) return;
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
  }, [loads, keyImages, navigation, keepPatient, userOpened]);
}
