import { useCallback, useEffect, useMemo, useState } from 'react';
import { commandForKey, type ViewerCommand } from './commands.js';
import { applyWindow, fitToViewport, flip, isCinePlaying, jumpTo, playCine, resetView, rotateBy, scrollBy, stopCine, toggleInvert, zoomBy } from './controls.js';
import { describeRenderPath, initCornerstone, type RenderPath } from './cornerstone.js';
import { setPrimaryTool, stackViewport, type PrimaryTool } from './engine.js';
import { useServices } from '../services/context.js';
import { useKeyImageRefusal } from '../services/keyImages.js';
import { fileWindows, shownPixelRange } from './imageInfo.js';
import { KeyImageStrip } from './KeyImageStrip.js';
import { Measurements } from './Measurements.js';
import { windowChoices, type WindowChoice } from './presets.js';
import { cineRateOf, type LoadedSeries } from './series.js';
import { ShortcutsDialog } from './ShortcutsDialog.js';
import { useMeasurements } from './useMeasurements.js';
import { StackViewportView } from './StackViewportView.js';
import { TagBrowser } from './TagBrowser.js';
import { Toolbar } from './Toolbar.js';
import { LAYOUTS, viewportIdOf, type Layout, type ViewerLayout } from './useViewerLayout.js';
import { readViewState, useViewState, viewStates } from './viewState.js';
import './viewport.css';

type Panel = 'measurements' | 'tags';
const PANEL_LABEL: Record<Panel, string> = { measurements: 'Measurements', tags: 'Tags' };

interface Props {
  view: ViewerLayout;
  onDropSeries: (seriesInstanceUid: string, cell: number) => void;
}

/** The reading area: toolbar, 1×1 / 1×2 / 2×2 stack viewports (one maximised on double-click), side panel, key images. */
export function Viewer({ view, onDropSeries }: Props) {
  const [tool, setTool] = useState<PrimaryTool>('windowLevel');
  // The side panel folds away so the images keep the room when the case workspace is open beside them.
  const [panel, setPanel] = useState<Panel | null>(null);
  const [renderPath, setRenderPath] = useState<RenderPath | null>(null);
  const [overlays, setOverlays] = useState(true);
  const [shortcuts, setShortcuts] = useState(false);
  // The cell shown alone (double-click), or null for the whole grid.
  const [maximised, setMaximised] = useState<number | null>(null);
  // The cine rate chosen for a series (by its UID); else the file's.
  const [fpsChoice, setFpsChoice] = useState<{ series: string; fps: number } | null>(null);
  const activeId = viewportIdOf(view.active);
  const activeSeries = view.cells[view.active] ?? null;
  const state = useViewState(activeSeries ? activeId : undefined);
  const rateOf = useCallback(
    (series: LoadedSeries) => (fpsChoice?.series === series.series.seriesInstanceUid ? { fps: fpsChoice.fps, fromFile: false } : cineRateOf(series)),
    [fpsChoice],
  );
  const cine = useMemo(() => (activeSeries ? rateOf(activeSeries) : null), [activeSeries, rateOf]);
  const shown = activeSeries && state ? activeSeries.frames[state.index] : undefined;
  const { keyImages } = useServices();
  const refusal = useKeyImageRefusal();
  const count = LAYOUTS[view.layout];
  // Kept whether or not the panel is open: drawings are saved, and drawn again when their series is shown.
  const measurements = useMeasurements(view.cells);

  useEffect(() => {
    void initCornerstone().then(setRenderPath);
  }, []);

  // The windows offered for the image on screen: read once it is rendered (state follows each render).
  const renderedImageId = state?.imageId ?? null;
  const windows = useMemo<WindowChoice[]>(() => {
    const vp = stackViewport(activeId);
    if (!activeSeries || !renderedImageId || !activeSeries.imageIds.includes(renderedImageId) || vp?.getCurrentImageId() !== renderedImageId) return [];
    return windowChoices(activeSeries.series.modality, fileWindows(renderedImageId), shownPixelRange(vp));
  }, [activeId, activeSeries, renderedImageId]);

  const markKeyImage = useCallback(
    (id: string) => {
      const vp = stackViewport(id);
      if (!vp || !activeSeries) return;
      const st = readViewState(id, vp);
      const at = activeSeries.frames[st.index];
      if (!at) return;
      const win = st.window ?? at.instance.window ?? { center: 127.5, width: 256 };
      keyImages.add({
        studyInstanceUid: activeSeries.study.studyInstanceUid,
        seriesInstanceUid: activeSeries.series.seriesInstanceUid,
        sopInstanceUid: at.instance.sopInstanceUid,
        frame: at.frame,
        windowCenter: 'center' in win ? win.center : 127.5,
        windowWidth: win.width,
        invert: st.userInvert,
        label: `${activeSeries.series.modality} ${activeSeries.series.description || ''} · ${st.index + 1}/${st.total}`.replace(/\s+/g, ' '),
        patient: { key: activeSeries.patient.key, patientId: activeSeries.patient.patientId, name: activeSeries.patient.name },
      });
    },
    [keyImages, activeSeries],
  );

  const setLayout = (layout: Layout) => {
    setMaximised(null);
    view.setLayout(layout);
  };

  const changeFps = (fps: number) => {
    if (!activeSeries) return;
    setFpsChoice({ series: activeSeries.series.seriesInstanceUid, fps });
    if (isCinePlaying(activeId)) {
      stopCine(activeId);
      playCine(activeId, fps);
    }
  };

  const run = useCallback(
    (cmd: ViewerCommand) => {
      // Commands that need no image.
      switch (cmd.kind) {
        case 'tool':
          setPrimaryTool(cmd.tool);
          setTool(cmd.tool);
          return;
        case 'overlays':
          setOverlays((o) => !o);
          return;
        case 'shortcuts':
          setShortcuts(true);
          return;
        case 'step': {
          const shownCells = maximised === null ? count : 1;
          if (shownCells > 1) {
            view.setActive((view.active + cmd.delta + count) % count);
            return;
          }
          break;
        }
        case 'series': {
          if (!activeSeries) return;
          const list = activeSeries.study.series;
          const at = list.findIndex((s) => s.seriesInstanceUid === activeSeries.series.seriesInstanceUid);
          const next = list[at + cmd.delta];
          if (next) void view.open(activeSeries.patient, activeSeries.study, next, { cell: view.active }).catch(() => undefined);
          return;
        }
      }
      const id = activeId;
      if (!stackViewport(id) || !activeSeries) return;
      switch (cmd.kind) {
        case 'window': {
          const w = windows[cmd.index];
          if (w) applyWindow(id, w.width, w.center);
          break;
        }
        case 'invert':
          toggleInvert(id);
          break;
        case 'rotate':
          rotateBy(id, cmd.degrees);
          break;
        case 'flip':
          flip(id, cmd.axis);
          break;
        case 'zoom':
          zoomBy(id, cmd.factor);
          break;
        case 'fit':
          fitToViewport(id);
          break;
        case 'reset':
          resetView(id);
          break;
        case 'scroll':
        case 'step':
          stopCine(id);
          scrollBy(id, cmd.delta);
          break;
        case 'jump':
          stopCine(id);
          jumpTo(id, cmd.to === 'first' ? 0 : activeSeries.imageIds.length - 1);
          break;
        case 'cine':
          if (isCinePlaying(id)) stopCine(id);
          else playCine(id, cine?.fps ?? cineRateOf(activeSeries).fps);
          break;
        case 'keyImage':
          markKeyImage(id);
          break;
      }
      const vp = stackViewport(id);
      if (vp) viewStates.set(id, readViewState(id, vp));
    },
    [activeId, activeSeries, markKeyImage, windows, cine, count, maximised, view],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (shortcuts) return; // the dialog has the keyboard
      const cmd = commandForKey(e);
      if (!cmd) return;
      e.preventDefault();
      run(cmd);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [run, shortcuts]);

  return (
    <div className="viewer" data-testid="viewer">
      <Toolbar tool={tool} layout={view.layout} state={state} windows={windows} cine={cine} onFps={changeFps} overlays={overlays} run={run} onLayout={setLayout} />
      <div className="viewer-body">
        <div className="viewer-main">
          {view.loadError && (
            <p className="error banner" role="alert">
              {view.loadError}
            </p>
          )}
          <div className={`viewport-grid layout-${maximised === null ? view.layout : '1x1'}`} data-testid="viewport-grid" data-maximised={maximised ?? undefined}>
            {Array.from({ length: count }, (_, cell) => (
              <div key={cell} className="viewport-slot" hidden={maximised !== null && maximised !== cell}>
                <StackViewportView
                  viewportId={viewportIdOf(cell)}
                  series={view.cells[cell] ?? null}
                  target={view.targets[cell] ?? null}
                  fps={view.cells[cell] ? rateOf(view.cells[cell]).fps : 0}
                  active={cell === view.active}
                  overlays={overlays}
                  onActivate={() => view.setActive(cell)}
                  onToggleMaximise={() => setMaximised((m) => (m === null && count > 1 ? cell : null))}
                  onDropSeries={(uid) => onDropSeries(uid, cell)}
                />
              </div>
            ))}
          </div>
          {refusal && (
            <p className="error banner key-refused" role="alert" data-testid="key-image-refused">
              {refusal}
              <button className="link" onClick={() => keyImages.dismissRefusal()}>
                Dismiss
              </button>
            </p>
          )}
          <KeyImageStrip />
          <footer className="status-line">
            <span data-testid="render-path" data-path={renderPath ?? ''}>
              Rendering: {renderPath === null ? '…' : describeRenderPath(renderPath)}
            </span>
            <span className="status-panels">
              {(Object.keys(PANEL_LABEL) as Panel[]).map((p) => (
                <button key={p} className={`link${panel === p ? ' on' : ''}`} aria-pressed={panel === p} onClick={() => setPanel(panel === p ? null : p)}>
                  {PANEL_LABEL[p]}
                </button>
              ))}
              <button className="link" onClick={() => setShortcuts(true)}>
                Shortcuts (?)
              </button>
            </span>
          </footer>
        </div>
        {panel && (
          <aside className="side-panel" data-testid="side-panel">
            <div className="tabs" role="tablist">
              {(Object.keys(PANEL_LABEL) as Panel[]).map((p) => (
                <button key={p} role="tab" aria-selected={panel === p} className={panel === p ? 'on' : ''} onClick={() => setPanel(p)}>
                  {PANEL_LABEL[p]}
                </button>
              ))}
              <button className="icon" aria-label="Close panel" onClick={() => setPanel(null)}>
                ✕
              </button>
            </div>
            <div className="tab-body">
              {panel === 'measurements' && <Measurements study={activeSeries?.study ?? null} measurements={measurements} />}
              {panel === 'tags' && <TagBrowser sopInstanceUid={shown?.instance.sopInstanceUid ?? null} shownFrame={(shown?.frame ?? 0) + 1} />}
            </div>
          </aside>
        )}
      </div>
      {shortcuts && <ShortcutsDialog onClose={() => setShortcuts(false)} />}
    </div>
  );
}
