import { useEffect, useLayoutEffect, useRef, useState, type DragEvent } from 'react';
import { Enums, eventTarget } from '@cornerstonejs/core';
import { initCornerstone } from './cornerstone.js';
import { disableStackViewport, enableStackViewport, renderingEngine, stackViewport } from './engine.js';
import { fitToViewport, forgetUserInvert, jumpTo, showImage, stopCine } from './controls.js';
import { slicePlacement } from './imageInfo.js';
import { scaleBar } from './scaleBar.js';
import { StackScrollbar } from './StackScrollbar.js';
import { readViewState, useViewState, viewStates } from './viewState.js';
import { formatDicomDate, formatPersonName, type LoadedSeries } from './series.js';
import type { CellTarget } from './useViewerLayout.js';

/** The drag payload a series thumbnail carries into a viewport. */
export const SERIES_DRAG_TYPE = 'application/x-medrwr-series';

interface Props {
  viewportId: string;
  series: LoadedSeries | null;
  /** The image (and window) to go to once the series is shown. */
  target: CellTarget | null;
  active: boolean;
  /** The cine rate in use for this series (frames per second). */
  fps: number;
  /** Show the text overlays and the scale bar (orientation markers and the scrollbar stay). */
  overlays: boolean;
  onActivate: () => void;
  /** Double-click: this viewport alone, and back. */
  onToggleMaximise: () => void;
  onDropSeries: (seriesInstanceUid: string) => void;
}

/** One stack viewport: the Cornerstone element plus the four-corner overlays radiologists expect. */
export function StackViewportView({ viewportId, series, target, fps, active, overlays, onActivate, onToggleMaximise, onDropSeries }: Props) {
  const elementRef = useRef<HTMLDivElement>(null);
  const [ready, setReady] = useState(false);
  // Errors are per image of the series shown: scrolling to an image that loads clears the message.
  const [failures, setFailures] = useState<{ series: LoadedSeries; byImage: ReadonlyMap<string, string> } | null>(null);
  // The series whose stack finished loading (or failed to): until it is the one shown, the viewport is loading.
  const [settled, setSettled] = useState<LoadedSeries | null>(null);
  const state = useViewState(viewportId);
  const targetRef = useRef(target);
  useLayoutEffect(() => {
    targetRef.current = target;
  });
  const applied = useRef<number | null>(null);

  useEffect(() => {
    let cancelled = false;
    const element = elementRef.current!;
    let frame = 0;
    const publish = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const vp = stackViewport(viewportId);
        if (vp && vp.getImageIds().length > 0) viewStates.set(viewportId, readViewState(viewportId, vp));
      });
    };
    // A layout change, a maximised or restored viewport or a side panel folding resizes the element: refit the image.
    const resize = new ResizeObserver(() => {
      if (!stackViewport(viewportId)) return;
      renderingEngine().resize(true, true);
      fitToViewport(viewportId);
    });
    void initCornerstone().then(() => {
      if (cancelled) return;
      enableStackViewport(viewportId, element);
      element.addEventListener(Enums.Events.IMAGE_RENDERED, publish);
      resize.observe(element);
      setReady(true);
    });
    return () => {
      cancelled = true;
      cancelAnimationFrame(frame);
      resize.disconnect();
      element.removeEventListener(Enums.Events.IMAGE_RENDERED, publish);
      if (stackViewport(viewportId)) {
        stopCine(viewportId);
        disableStackViewport(viewportId);
      }
      viewStates.drop(viewportId);
    };
  }, [viewportId]);

  useEffect(() => {
    const vp = ready ? stackViewport(viewportId) : undefined;
    if (!vp || !series) return;
    let current = true;
    const fail = (imageId: string, message: string) =>
      setFailures((f) => ({ series, byImage: new Map(f?.series === series ? f.byImage : []).set(imageId, message) }));
    stopCine(viewportId);
    forgetUserInvert(viewportId);
    const onFail = (evt: Event) => {
      const detail = (evt as CustomEvent<{ imageId?: string; error?: unknown }>).detail;
      const imageId = detail?.imageId;
      if (current && imageId && series.imageIds.includes(imageId)) fail(imageId, describe(detail.error));
    };
    eventTarget.addEventListener(Enums.Events.IMAGE_LOAD_FAILED, onFail);
    // Straight to the target's image when there is one, rather than through the first.
    const start = indexOfTarget(series, targetRef.current);
    vp.setStack([...series.imageIds], Math.max(0, start)).then(
      () => {
        if (!current) return;
        vp.render();
        setSettled(series);
      },
      (err: unknown) => {
        if (!current) return;
        setSettled(series);
        fail(series.imageIds[0]!, describe(err));
      },
    );
    return () => {
      current = false;
      eventTarget.removeEventListener(Enums.Events.IMAGE_LOAD_FAILED, onFail);
    };
  }, [ready, series, viewportId]);

  // A target is applied once its series has settled in this viewport: image first, then the window.
  useEffect(() => {
    if (!target || settled !== series || !series || applied.current === target.seq) return;
    const index = indexOfTarget(series, target);
    if (index < 0) return;
    applied.current = target.seq;
    void showImage(viewportId, index, target.voi);
  }, [target, settled, series, viewportId]);

  const onDrop = (e: DragEvent) => {
    const uid = e.dataTransfer.getData(SERIES_DRAG_TYPE);
    if (!uid) return;
    e.preventDefault();
    onDropSeries(uid);
  };

  const here = state && series ? series.frames[state.index] : undefined;
  const failed = failures && failures.series === series ? failures.byImage : undefined;
  const error = series ? (failed?.get(series.imageIds[state?.index ?? 0] ?? '') ?? null) : null;
  const loading = ready && series !== null && settled !== series;
  const multiFrame = (here?.instance.frames ?? 1) > 1;
  const imageId = series && state ? series.imageIds[state.index] : undefined;
  const placement = imageId ? slicePlacement(imageId) : null;
  const bar = here && state && !error ? scaleBarOf(here.instance, state) : null;
  return (
    <div
      className={`viewport-cell${active ? ' active' : ''}`}
      data-testid={`viewport-${viewportId}`}
      data-render-state={error ? 'error' : loading ? 'loading' : series && state ? 'ready' : 'empty'}
      data-sop={here?.instance.sopInstanceUid}
      data-image-rect={state?.imageRect ? [state.imageRect.x, state.imageRect.y, state.imageRect.width, state.imageRect.height].join(',') : undefined}
      data-maximise-hint="double-click"
      onMouseDownCapture={() => {
        // Cornerstone's tools cancel the mousedown's default, so focus would stay in the field last typed in and the
        // viewer's keys would go there: a click on the image hands the keyboard back to the viewer.
        if (document.activeElement instanceof HTMLElement && document.activeElement !== document.body) document.activeElement.blur();
        onActivate();
      }}
      onDoubleClick={(e) => {
        if ((e.target as Element).closest('.stack-scrollbar')) return;
        onToggleMaximise();
      }}
      onDragOver={(e) => e.dataTransfer.types.includes(SERIES_DRAG_TYPE) && e.preventDefault()}
      onDrop={onDrop}
    >
      <div className="viewport-element" ref={elementRef} onContextMenu={(e) => e.preventDefault()} />
      {!series && <div className="viewport-empty">Drop a series here or pick one from the browser</div>}
      {error && (
        // Opaque, so that the image shown before is not taken for this one
        <div className="viewport-error" role="alert">
          <strong>Cannot display this image</strong>
          <span>{error}</span>
        </div>
      )}
      {series && state?.markers && !error && (
        <div className="orientation-markers" data-testid="orientation-markers" aria-hidden="true">
          {(['top', 'bottom', 'left', 'right'] as const).map((edge) => (
            <span key={edge} className={`marker marker-${edge}`} data-edge={edge}>
              {state.markers![edge]}
            </span>
          ))}
        </div>
      )}
      {series && state && state.total > 1 && (
        <StackScrollbar
          index={state.index}
          total={state.total}
          label={`Image ${state.index + 1} of ${state.total}`}
          onChange={(i) => {
            stopCine(viewportId);
            jumpTo(viewportId, i);
          }}
        />
      )}
      {series && state && overlays && (
        <div className="overlay" aria-hidden="true">
          <div className="overlay-tl">
            <div data-field="patient">{formatPersonName(series.patient.name)}</div>
            <div>{series.patient.patientId}</div>
            <div>{[series.patient.sex, formatDicomDate(series.patient.birthDate)].filter(Boolean).join(' · ')}</div>
          </div>
          <div className="overlay-tr">
            <div data-field="study">{series.study.description}</div>
            <div>{formatDicomDate(series.study.date)}</div>
            <div data-field="series">
              {series.series.modality}
              {series.series.seriesNumber !== null ? ` #${series.series.seriesNumber}` : ''} {series.series.description}
            </div>
          </div>
          <div className="overlay-bl">
            {multiFrame && here ? (
              <div data-field="frame" data-index={here.frame + 1} data-total={here.instance.frames}>
                Fr: {here.frame + 1}/{here.instance.frames}
              </div>
            ) : null}
            {(!multiFrame || series.instances.length > 1) && (
              <div data-field="slice" data-index={state.index + 1} data-total={state.total}>
                Im: {state.index + 1}/{state.total}
              </div>
            )}
            {placement && (placement.location !== null || placement.thickness !== null) && (
              <div data-field="plane">
                {placement.location !== null ? `Loc: ${placement.location.toFixed(1)} mm` : ''}
                {placement.location !== null && placement.thickness !== null ? ' · ' : ''}
                {placement.thickness !== null ? `Thk: ${placement.thickness.toFixed(placement.thickness < 1 ? 2 : 1)} mm` : ''}
              </div>
            )}
            <div data-field="wl">
              {state.window ? `W: ${Math.round(state.window.width)} L: ${Math.round(state.window.center)}` : 'W/L: colour'}
              {state.userInvert ? ' · inverted' : ''}
            </div>
          </div>
          <div className="overlay-br">
            {state.playing && <div data-field="fps">▶ {fps} fps</div>}
            {state.scale !== null && <div data-field="zoom">Zoom: {Math.round(state.scale * 100)}%</div>}
            {state.rotation !== 0 && <div>Rot: {state.rotation}°</div>}
            {here?.instance.pixelSpacing ? <div>{here.instance.pixelSpacing[1].toFixed(3)} mm/px</div> : null}
          </div>
          {bar && (
            <div className="scale-bar" data-testid="scale-bar" data-mm={bar.mm} style={{ width: `${bar.px}px` }}>
              <span>{bar.label}</span>
            </div>
          )}
        </div>
      )}
    </div>
  );
}

/**
 * The scale bar for the image on screen, from its pixel spacing (never guessed: none without PixelSpacing) and the
 * width it is painted at; a quarter turn puts the rows across the screen.
 */
function scaleBarOf(instance: LoadedSeries['instances'][number], state: NonNullable<ReturnType<typeof useViewState>>) {
  if (!instance.pixelSpacing || !state.imageRect || state.imageRect.width <= 0) return null;
  const across = state.rotation % 180 === 0 ? instance.columns * instance.pixelSpacing[1] : instance.rows * instance.pixelSpacing[0];
  return scaleBar(across / state.imageRect.width, 120);
}

/** The stack index of a target's image in a series (-1: not this series, or not in it). */
function indexOfTarget(series: LoadedSeries, target: CellTarget | null): number {
  if (!target || target.seriesUid !== series.series.seriesInstanceUid) return -1;
  return series.frames.findIndex((f) => f.instance.sopInstanceUid === target.sopInstanceUid && f.frame === target.frame);
}

function describe(err: unknown): string {
  // The codecs' WebAssembly throws a bare number (a pointer to its C++ exception): nothing a reader can use.
  if (typeof err === 'number' || (typeof err === 'string' && /^\d+$/.test(err))) return 'its compressed pixel data could not be decoded (the file may be damaged)';
  if (err instanceof Error) return /^\d+$/.test(err.message) ? describe(err.message) : err.message;
  if (err && typeof err === 'object') {
    const o = err as { message?: unknown; error?: unknown; status?: unknown };
    if (typeof o.message === 'string') return o.message;
    if (o.error) return describe(o.error);
    if (typeof o.status === 'number') return `the server answered ${o.status}`;
    return JSON.stringify(err).slice(0, 200);
  }
  return String(err ?? 'unknown error');
}
