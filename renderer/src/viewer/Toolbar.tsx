import type { PrimaryTool } from './engine.js';
import { HOTKEYS, type ViewerCommand } from './commands.js';
import { CT_PRESETS } from './presets.js';
import { LAYOUTS, type Layout } from './useViewerLayout.js';
import type { ViewState } from './viewState.js';

interface Props {
  tool: PrimaryTool;
  layout: Layout;
  state: ViewState | undefined;
  cine: { fps: number; fromFile: boolean } | null;
  run: (command: ViewerCommand) => void;
  onLayout: (layout: Layout) => void;
}

const TOOLS: { tool: PrimaryTool; label: string; icon: string }[] = [
  { tool: 'windowLevel', label: 'Window/level', icon: '◐' },
  { tool: 'pan', label: 'Pan', icon: '✥' },
  { tool: 'zoom', label: 'Zoom', icon: '⌕' },
  { tool: 'scroll', label: 'Scroll', icon: '⇕' },
  { tool: 'rotate', label: 'Free rotate', icon: '⟳' },
  { tool: 'length', label: 'Length', icon: '↔' },
  { tool: 'angle', label: 'Angle', icon: '∠' },
  { tool: 'rectangleRoi', label: 'Rectangle ROI', icon: '▭' },
  { tool: 'ellipseRoi', label: 'Ellipse ROI', icon: '◯' },
];

function keyOf(match: (c: ViewerCommand) => boolean): string {
  const k = HOTKEYS.find((h) => match(h.command))?.keys[0];
  return k ? ` (${k === ' ' ? 'Space' : k.toUpperCase()})` : '';
}

/** The viewer's toolbar: left-button tool, presets, view transforms, cine and layout; every button has a hotkey. */
export function Toolbar({ tool, layout, state, cine, run, onLayout }: Props) {
  const canCine = (state?.total ?? 0) > 1;
  return (
    <div className="toolbar" role="toolbar" aria-label="Viewer tools">
      <div className="tb-group tb-tools">
        {TOOLS.map((t) => (
          <button
            key={t.tool}
            className={`tb-btn${tool === t.tool ? ' on' : ''}`}
            aria-pressed={tool === t.tool}
            aria-label={t.label}
            title={t.label + keyOf((c) => c.kind === 'tool' && c.tool === t.tool)}
            onClick={() => run({ kind: 'tool', tool: t.tool })}
          >
            <span className="tb-icon">{t.icon}</span>
            <span className="tb-label">{t.label.replace(' ROI', '')}</span>
          </button>
        ))}
      </div>
      <div className="tb-group">
        <select
          aria-label="Window preset"
          value=""
          onChange={(e) => {
            if (e.target.value !== '') run({ kind: 'preset', index: Number(e.target.value) });
          }}
        >
          <option value="">W/L presets…</option>
          {CT_PRESETS.map((p, i) => (
            <option key={p.id} value={i}>
              {i + 1} {p.label} ({p.width}/{p.center})
            </option>
          ))}
        </select>
        <button className={`tb-btn${state?.userInvert ? ' on' : ''}`} aria-label="Invert" title={'Invert' + keyOf((c) => c.kind === 'invert')} onClick={() => run({ kind: 'invert' })}>
          <span className="tb-icon">◑</span>
        </button>
        <button className="tb-btn" aria-label="Rotate left" title={'Rotate left' + keyOf((c) => c.kind === 'rotate' && c.degrees < 0)} onClick={() => run({ kind: 'rotate', degrees: -90 })}>
          <span className="tb-icon">↺</span>
        </button>
        <button className="tb-btn" aria-label="Rotate right" title={'Rotate right' + keyOf((c) => c.kind === 'rotate' && c.degrees > 0)} onClick={() => run({ kind: 'rotate', degrees: 90 })}>
          <span className="tb-icon">↻</span>
        </button>
        <button className={`tb-btn${state?.flipHorizontal ? ' on' : ''}`} aria-label="Flip horizontal" title={'Flip horizontal' + keyOf((c) => c.kind === 'flip' && c.axis === 'horizontal')} onClick={() => run({ kind: 'flip', axis: 'horizontal' })}>
          <span className="tb-icon">⇋</span>
        </button>
        <button className={`tb-btn${state?.flipVertical ? ' on' : ''}`} aria-label="Flip vertical" title={'Flip vertical' + keyOf((c) => c.kind === 'flip' && c.axis === 'vertical')} onClick={() => run({ kind: 'flip', axis: 'vertical' })}>
          <span className="tb-icon">⇵</span>
        </button>
        <button className="tb-btn" aria-label="Reset" title={'Reset' + keyOf((c) => c.kind === 'reset')} onClick={() => run({ kind: 'reset' })}>
          <span className="tb-icon">⟲</span>
        </button>
      </div>
      <div className="tb-group">
        <button className="tb-btn" aria-label="Previous frame" disabled={!canCine} onClick={() => run({ kind: 'scroll', delta: -1 })}>
          <span className="tb-icon">◂</span>
        </button>
        <button className={`tb-btn${state?.playing ? ' on' : ''}`} aria-label={state?.playing ? 'Pause' : 'Play'} title={'Play/pause cine' + keyOf((c) => c.kind === 'cine')} disabled={!canCine} onClick={() => run({ kind: 'cine' })}>
          <span className="tb-icon">{state?.playing ? '❚❚' : '▶'}</span>
        </button>
        <button className="tb-btn" aria-label="Next frame" disabled={!canCine} onClick={() => run({ kind: 'scroll', delta: 1 })}>
          <span className="tb-icon">▸</span>
        </button>
        {cine && canCine && (
          <span className="tb-fps" data-testid="cine-fps" title={cine.fromFile ? 'Frame rate from the file (FrameTime)' : 'The file gives no frame rate; a reading pace'}>
            {cine.fps} fps{cine.fromFile ? '' : ' (default)'}
          </span>
        )}
      </div>
      <div className="tb-group">
        {(Object.keys(LAYOUTS) as Layout[]).map((l) => (
          <button key={l} className={`tb-btn${layout === l ? ' on' : ''}`} aria-pressed={layout === l} aria-label={`Layout ${l.replace('x', '×')}`} onClick={() => onLayout(l)}>
            <span className="tb-label">{l.replace('x', '×')}</span>
          </button>
        ))}
      </div>
      <div className="tb-group tb-right">
        <button className="tb-btn accent" aria-label="Mark key image" title={'Mark key image' + keyOf((c) => c.kind === 'keyImage')} disabled={!state} onClick={() => run({ kind: 'keyImage' })}>
          <span className="tb-icon">★</span>
          <span className="tb-label">Key image</span>
        </button>
      </div>
    </div>
  );
}
