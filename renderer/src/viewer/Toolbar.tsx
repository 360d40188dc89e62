import { Fragment, useEffect, useRef, type ReactNode } from 'react';
import type { PrimaryTool } from './engine.js';
import { HOTKEYS, keyName, type ViewerCommand } from './commands.js';
import type { WindowChoice } from './presets.js';
import { LAYOUTS, type Layout } from './useViewerLayout.js';
import type { ViewState } from './viewState.js';

interface Props {
  tool: PrimaryTool;
  layout: Layout;
  state: ViewState | undefined;
  /** The windows the active image offers, in hotkey order. */
  windows: readonly WindowChoice[];
  /** The cine rate in use and whether it is the file's own. */
  cine: { fps: number; fromFile: boolean } | null;
  onFps: (fps: number) => void;
  overlays: boolean;
  run: (command: ViewerCommand) => void;
  onLayout: (layout: Layout) => void;
}

/** `priority` 1 stays in the bar at any width; 2 and 3 move into the More menu as the viewer narrows (viewport.css). */
const TOOLS: { tool: PrimaryTool; label: string; icon: string; priority: 1 | 2 }[] = [
  { tool: 'windowLevel', label: 'Window/level', icon: '◐', priority: 1 },
  { tool: 'pan', label: 'Pan', icon: '✥', priority: 1 },
  { tool: 'zoom', label: 'Zoom', icon: '⌕', priority: 1 },
  { tool: 'scroll', label: 'Scroll', icon: '⇕', priority: 1 },
  { tool: 'length', label: 'Length', icon: '↔', priority: 1 },
  { tool: 'angle', label: 'Angle', icon: '∠', priority: 2 },
  { tool: 'rectangleRoi', label: 'Rectangle ROI', icon: '▭', priority: 2 },
  { tool: 'ellipseRoi', label: 'Ellipse ROI', icon: '◯', priority: 2 },
  { tool: 'rotate', label: 'Free rotate', icon: '⟳', priority: 2 },
];

function keyOf(match: (c: ViewerCommand) => boolean): string {
  const k = HOTKEYS.find((h) => match(h.command))?.keys[0];
  return k ? ` (${keyName(k)})` : '';
}

const SOURCE_LABEL: Record<WindowChoice['source'], string> = { modality: 'Presets', file: "The file's own", auto: 'Automatic' };

/**
 * The viewer's toolbar, one row at any width: what does not fit moves into the More menu (by priority, with CSS
 * container queries on the viewer's width, so nothing is measured in script). Every button has a hotkey.
 */
export function Toolbar({ tool, layout, state, windows, cine, onFps, overlays, run, onLayout }: Props) {
  const canCine = (state?.total ?? 0) > 1;
  // The More menu closes on a click anywhere else, as a menu does.
  const more = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    const close = (e: PointerEvent) => {
      const menu = more.current;
      if (menu?.open && !menu.contains(e.target as Node)) menu.open = false;
    };
    document.addEventListener('pointerdown', close);
    return () => document.removeEventListener('pointerdown', close);
  }, []);
  // `on` is given for toggles only (aria-pressed), left undefined for plain actions.
  const button = (label: string, icon: string, command: ViewerCommand, on?: boolean, extra: { disabled?: boolean; text?: string } = {}) => (
    <button
      className={`tb-btn${on ? ' on' : ''}`}
      aria-label={label}
      aria-pressed={on}
      title={label + keyOf((c) => JSON.stringify(c) === JSON.stringify(command))}
      disabled={extra.disabled}
      onClick={() => run(command)}
    >
      <span className="tb-icon">{icon}</span>
      {extra.text && <span className="tb-label">{extra.text}</span>}
    </button>
  );
  const toolGroup = (priority: 1 | 2) => (
    <div className={`tb-group tb-p${priority}`} key={`tools${priority}`}>
      {TOOLS.filter((t) => t.priority === priority).map((t) => (
        <Fragment key={t.tool}>{button(t.label, t.icon, { kind: 'tool', tool: t.tool }, tool === t.tool)}</Fragment>
      ))}
    </div>
  );
  const transforms = (
    <div className="tb-group tb-p2" key="transforms">
      {button('Invert', '◑', { kind: 'invert' }, Boolean(state?.userInvert))}
      {button('Rotate left', '↺', { kind: 'rotate', degrees: -90 })}
      {button('Rotate right', '↻', { kind: 'rotate', degrees: 90 })}
      {button('Flip horizontal', '⇋', { kind: 'flip', axis: 'horizontal' }, Boolean(state?.flipHorizontal))}
      {button('Flip vertical', '⇵', { kind: 'flip', axis: 'vertical' }, Boolean(state?.flipVertical))}
      {button('Fit to viewport', '⤢', { kind: 'fit' })}
      {button('Reset', '⟲', { kind: 'reset' })}
    </div>
  );
  const extras = (
    <div className="tb-group tb-p3" key="extras">
      {button(overlays ? 'Hide overlays' : 'Show overlays', '☰', { kind: 'overlays' }, overlays)}
      {button('Keyboard shortcuts', '?', { kind: 'shortcuts' })}
    </div>
  );
  const movable: ReactNode[] = [toolGroup(2), transforms, extras];
  return (
    <div className="toolbar" role="toolbar" aria-label="Viewer tools" data-testid="viewer-toolbar">
      {toolGroup(1)}
      <div className="tb-group tb-p1">
        <WindowMenu windows={windows} run={run} disabled={!state?.window} />
      </div>
      <div className="tb-group tb-p1">
        <button className="tb-btn" aria-label="Previous frame" disabled={!canCine} onClick={() => run({ kind: 'scroll', delta: -1 })}>
          <span className="tb-icon">◂</span>
        </button>
        {button(state?.playing ? 'Pause' : 'Play', state?.playing ? '❚❚' : '▶', { kind: 'cine' }, Boolean(state?.playing), { disabled: !canCine })}
        <button className="tb-btn" aria-label="Next frame" disabled={!canCine} onClick={() => run({ kind: 'scroll', delta: 1 })}>
          <span className="tb-icon">▸</span>
        </button>
        {cine && canCine && (
          <label className="tb-fps" title={cine.fromFile ? 'Frame rate; the file gives this one (FrameTime)' : 'Frame rate; the file gives none'}>
            <input
              type="number"
              aria-label="Cine frame rate (frames per second)"
              data-testid="cine-fps"
              min={1}
              max={120}
              step="any"
              value={cine.fps}
              onChange={(e) => {
                const fps = Number(e.target.value);
                if (Number.isFinite(fps) && fps >= 1 && fps <= 120) onFps(fps);
              }}
            />
            <span className="tb-fps-unit">fps</span>
          </label>
        )}
      </div>
      {movable}
      <div className="tb-group tb-p1 tb-layouts">
        {(Object.keys(LAYOUTS) as Layout[]).map((l) => (
          <button key={l} className={`tb-btn${layout === l ? ' on' : ''}`} aria-pressed={layout === l} aria-label={`Layout ${l.replace('x', '×')}`} onClick={() => onLayout(l)}>
            <span className="tb-label">{l.replace('x', '×')}</span>
          </button>
        ))}
      </div>
      <details
        ref={more}
        className="tb-more"
        onClick={(e) => {
          // A choice in the menu closes it.
          if ((e.target as Element).closest('.tb-more-menu button')) (e.currentTarget as HTMLDetailsElement).open = false;
        }}
      >
        <summary className="tb-btn" aria-label="More tools" title="More tools">
          <span className="tb-icon">⋯</span>
        </summary>
        <div className="tb-more-menu">{movable}</div>
      </details>
      <div className="tb-group tb-p1 tb-right">
        <button className="tb-btn accent" aria-label="Mark key image" title={'Mark key image' + keyOf((c) => c.kind === 'keyImage')} disabled={!state} onClick={() => run({ kind: 'keyImage' })}>
          <span className="tb-icon">★</span>
          <span className="tb-label tb-key-label">Key image</span>
        </button>
      </div>
    </div>
  );
}

/** The window menu: presets for the modality, the file's own windows with their explanations, auto; numbered 1–9. */
function WindowMenu({ windows, run, disabled }: { windows: readonly WindowChoice[]; run: (c: ViewerCommand) => void; disabled: boolean }) {
  const sources = (['modality', 'file', 'auto'] as const).filter((s) => windows.some((w) => w.source === s));
  return (
    <select
      aria-label="Window preset"
      value=""
      disabled={disabled || windows.length === 0}
      title={disabled ? 'Colour images have no window' : 'Window presets (keys 1–9)'}
      onChange={(e) => {
        if (e.target.value !== '') run({ kind: 'window', index: Number(e.target.value) });
        e.target.blur(); // back to the viewer's keys
      }}
    >
      <option value="">Window…</option>
      {sources.map((source) => (
        <optgroup key={source} label={SOURCE_LABEL[source]}>
          {windows.map((w, i) =>
            w.source === source ? (
              <option key={w.id} value={i}>
                {i < 9 ? `${i + 1} ` : ''}
                {w.label} ({Math.round(w.width)}/{Math.round(w.center)})
              </option>
            ) : null,
          )}
        </optgroup>
      ))}
    </select>
  );
}
