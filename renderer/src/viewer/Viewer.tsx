import { useCallback, useEffect, useState } from 'react';
import { commandForKey, HOTKEYS, type ViewerCommand } from './commands.js';
import { applyWindow, flip, isCinePlaying, jumpTo, playCine, resetView, rotateBy, scrollBy, stopCine, toggleInvert, zoomBy } from './controls.js';
import { describeRenderPath, initCornerstone, type RenderPath } from './cornerstone.js';
import { setPrimaryTool, stackViewport, type PrimaryTool } from './engine.js';
import { useServices } from '../services/context.js';
import { useKeyImageRefusal } from '../services/keyImages.js';
import { KeyImageStrip } from './KeyImageStrip.js';
import { Measurements } from './Measurements.js';
import { useMeasurements } from './useMeasurements.js';
import { CT_PRESETS } from './presets.js';
import { cineRateOf } from './series.js';
import { StackViewportView } from './StackViewportView.js';
import { TagBrowser } from './TagBrowser.js';
import { Toolbar } from './Toolbar.js';
import { LAYOUTS, viewportIdOf, type ViewerLayout } from './useViewerLayout.js';
import { readViewState, useViewState, viewStates } from './viewState.js';

type Panel = 'measurements' | 'tags' | 'shortcuts';
const PANEL_LABEL: Record<Panel, string> = { measurements: 'Measurements', tags: 'Tags', shortcuts: 'Shortcuts' };

interface Props {
  view: ViewerLayout;
  onDropSeries: (seriesInstanceUid: string, cell: number) => void;
}

/** The reading area: toolbar, 1×1 / 1×2 / 2×2 stack viewports, the side panel and the key-image strip. */
export function Viewer({ view, onDropSeries }: Props) {
  const [tool, setTool] = useState<PrimaryTool>('windowLevel');
  // The side panel folds away so the images keep the room when the case workspace is open beside them.
  const [panel, setPanel] = useState<Panel | null>(null);
  const [renderPath, setRenderPath] = useState<RenderPath | null>(null);
  const activeId = viewportIdOf(view.active);
  const activeSeries = view.cells[view.active] ?? null;
  const state = useViewState(activeSeries ? activeId : undefined);
  const cine = activeSeries ? cineRateOf(activeSeries) : null;
  const shown = activeSeries && state ? activeSeries.frames[state.index] : undefined;
  const { keyImages } = useServices();
  const refusal = useKeyImageRefusal();
  // Kept whether or not the panel is open: drawings are saved, and drawn again when their series is shown.
  const measurements = useMeasurements(view.cells);

  useEffect(() => {
    void initCornerstone().then(setRenderPath);
  }, []);

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

  const publish = (id: string) => {
    const vp = stackViewport(id);
    if (vp) viewStates.set(id, readViewState(id, vp));
  };

  const run = useCallback(
    (cmd: ViewerCommand) => {
      if (cmd.kind === 'tool') {
        setPrimaryTool(cmd.tool);
        setTool(cmd.tool);
        return;
      }
      const id = activeId;
      if (!stackViewport(id) || !activeSeries) return;
      switch (cmd.kind) {
        case 'preset': {
          const p = CT_PRESETS[cmd.index];
          if (p) applyWindow(id, p.width, p.center);
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
        case 'reset':
          resetView(id);
          break;
        case 'scroll':
          stopCine(id);
          scrollBy(id, cmd.delta);
          break;
        case 'jump':
          stopCine(id);
          jumpTo(id, cmd.to === 'first' ? 0 : activeSeries.imageIds.length - 1);
          break;
        case 'cine':
          if (isCinePlaying(id)) stopCine(id);
          else playCine(id, cineRateOf(activeSeries).fps);
          break;
        case 'keyImage':
          markKeyImage(id);
          break;
      }
      publish(id);
    },
    [activeId, activeSeries, markKeyImage],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const cmd = commandForKey(e);
      if (!cmd) return;
      e.preventDefault();
      run(cmd);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [run]);

  const count = LAYOUTS[view.layout];
  return (
    <div className="viewer" data-testid="viewer">
      <Toolbar tool={tool} layout={view.layout} state={state} cine={cine} run={run} onLayout={view.setLayout} />
      <div className="viewer-body">
        <div className="viewer-main">
          {view.loadError && (
            <p className="error banner" role="alert">
              {view.loadError}
            </p>
          )}
          <div className={`viewport-grid layout-${view.layout}`} data-testid="viewport-grid">
            {Array.from({ length: count }, (_, cell) => (
              <StackViewportView
                key={cell}
                viewportId={viewportIdOf(cell)}
                series={view.cells[cell] ?? null}
                target={view.targets[cell] ?? null}
                active={cell === view.active}
                onActivate={() => view.setActive(cell)}
                onDropSeries={(uid) => onDropSeries(uid, cell)}
              />
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
              {panel === 'tags' && <TagBrowser sopInstanceUid={shown?.instance.sopInstanceUid ?? null} />}
              {panel === 'shortcuts' && <Shortcuts />}
            </div>
          </aside>
        )}
      </div>
    </div>
  );
}

function Shortcuts() {
  return (
    <table className="shortcuts">
      <tbody>
        {HOTKEYS.map((h) => (
          <tr key={h.label}>
            <td className="mono">{h.keys.map((k) => (k === ' ' ? 'Space' : k.length === 1 ? k.toUpperCase() : k.replace('Arrow', ''))).join(' / ')}</td>
            <td>{h.label}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
