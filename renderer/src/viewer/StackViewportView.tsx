import { useEffect, useLayoutEffect, useRef, useState, type DragEvent } from 'react';
import { Enums, eventTarget } from '@cornerstonejs/core';
import { initCornerstone } from './cornerstone.js';
import { disableStackViewport, enableStackViewport, renderingEngine, stackViewport } from './engine.js';
import { forgetUserInvert, showImage, stopCine } from './controls.js';
import { readViewState, useViewState, viewStates } from './viewState.js';
import { cineRateOf, formatDicomDate, formatPersonName, type LoadedSeries } from './series.js';
import type { CellTarget } from './useViewerLayout.js';

/** The drag payload a series thumbnail carries into a viewport. */
export const SERIES_DRAG_TYPE = 'application/x-medrwr-series';

interface Props {
  viewportId: string;
  series: LoadedSeries | null;
  /** The image (and window) to go to once the series is shown. */
  target: CellTarget | null;
  active: boolean;
  onActivate: () => void;
  onDropSeries: (seriesInstanceUid: string) => void;
}

/** One stack viewport: the Cornerstone element plus the four-corner overlays radiologists expect. */
export function StackViewportView({ viewportId, series, target, active, onActivate, onDropSeries }: Props) {
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
    const resize = new ResizeObserver(() => {
      if (stackViewport(viewportId)) renderingEngine().resize(true, true);
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
  const cine = series ? cineRateOf(series) : undefined;
  return (
    <div
      className={`viewport-cell${active ? ' active' : ''}`}
      data-testid={`viewport-${viewportId}`}
      data-render-state={error ? 'error' : loading ? 'loading' : series && state ? 'ready' : 'empty'}
      data-sop={here?.instance.sopInstanceUid}
      data-image-rect={state?.imageRect ? [state.imageRect.x, state.imageRect.y, state.imageRect.width, state.imageRect.height].join(',') : undefined}
      onMouseDown={onActivate}
      onDragOver={(e) => e.dataTransfer.types.includes(SERIES_DRAG_TYPE) && e.preventDefault()}
      onDrop={onDrop}
    >
      <div className="viewport-element" ref={elementRef} onContextMenu={(e) => e.preventDefault()} />
      {!series && <div className="viewport-empty">Drop a series here or pick one from the browser</div>}
      {error && <div className="viewport-error" role="alert">Cannot display this image: {error}</div>}
      {series && state && (
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
            <div data-field="wl">
              {state.window ? `W: ${Math.round(state.window.width)} L: ${Math.round(state.window.center)}` : 'W/L: colour'}
              {state.userInvert ? ' · inverted' : ''}
            </div>
          </div>
          <div className="overlay-br">
            {state.playing && cine && <div data-field="fps">▶ {cine.fps} fps</div>}
            {state.scale !== null && <div data-field="zoom">Zoom: {Math.round(state.scale * 100)}%</div>}
            {state.rotation !== 0 && <div>Rot: {state.rotation}°</div>}
            {here?.instance.pixelSpacing ? <div>{here.instance.pixelSpacing[1].toFixed(3)} mm/px</div> : null}
          </div>
        </div>
      )}
    </div>
  );
}

/** The stack index of a target's image in a series (-1: not this series, or not in it). */
function indexOfTarget(series: LoadedSeries, target: CellTarget | null): number {
  if (!target || target.seriesUid !== series.series.seriesInstanceUid) return -1;
  return series.frames.findIndex((f) => f.instance.sopInstanceUid === target.sopInstanceUid && f.frame === target.frame);
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object') {
    const o = err as { message?: unknown; error?: unknown; status?: unknown };
    if (typeof o.message === 'string') return o.message;
    if (o.error) return describe(o.error);
    if (typeof o.status === 'number') return `the server answered ${o.status}`;
    return JSON.stringify(err).slice(0, 200);
  }
  return String(err ?? 'unknown error');
}
