import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { eventTarget } from '@cornerstonejs/core';
import { AngleTool, annotation, EllipticalROITool, Enums as ToolEnums, LengthTool, RectangleROITool, ToolGroupManager } from '@cornerstonejs/tools';
import type { Types as CoreTypes } from '@cornerstonejs/core';
import type { PlacedMeasurement } from '../../../main/api/measurements.js';
import { useServices } from '../services/context.js';
import { renderingEngine, stackViewport } from './engine.js';
import { measuredBy, signature, type AnnotationLike } from './measurementAnnotations.js';
import type { LoadedSeries } from './series.js';
import { viewportIdOf } from './useViewerLayout.js';
import { viewStates } from './viewState.js';

/** The open studies' stored measurements, and how the panel removes one. */
export interface MeasurementsState {
  /** Per StudyInstanceUID, in the order they were made; absent until that study's list has loaded. */
  readonly byStudy: ReadonlyMap<string, readonly PlacedMeasurement[]>;
  /** The last save or delete that failed, in words (null: none). */
  readonly problem: string | null;
  remove: (m: PlacedMeasurement) => void;
}

type Point3 = CoreTypes.Point3;
const TOOL_CLASS = { Length: LengthTool, Angle: AngleTool, RectangleROI: RectangleROITool, EllipticalROI: EllipticalROITool } as const;

/** Modified events fire on every mouse move of a drag: the drawing is saved once it rests this long. */
const SAVE_DELAY_MS = 300;

/**
 * Keeps the viewer's measurements in the app database: an annotation drawn, edited or removed on an image of an open
 * series is saved or deleted (with its study, series, instance and frame), and a study's stored measurements are
 * drawn again on their images when their series is shown (after a reload too).
 */
export function useMeasurements(cells: readonly (LoadedSeries | null)[]): MeasurementsState {
  const { client } = useServices();
  const [byStudy, setByStudy] = useState<ReadonlyMap<string, readonly PlacedMeasurement[]>>(new Map());
  const [problem, setProblem] = useState<string | null>(null);
  const current = useRef({ cells, byStudy });
  useLayoutEffect(() => {
    current.current = { cells, byStudy };
  });
  // uid → fingerprint of what the database holds, so that a re-render of an unchanged drawing is not saved again.
  const stored = useRef(new Map<string, string>());

  const refresh = useCallback(
    async (studyUid: string) => {
      const { measurements } = await client.call('measurements.list', { studyInstanceUid: studyUid });
      for (const m of measurements) stored.current.set(m.uid, signature(m));
      setByStudy((prev) => new Map(prev).set(studyUid, measurements));
    },
    [client],
  );

  // Each open study's list, fetched when it is first shown.
  const studies = [...new Set(cells.flatMap((c) => (c ? [c.study.studyInstanceUid] : [])))].sort().join(' ');
  useEffect(() => {
    for (const s of studies ? studies.split(' ') : []) {
      if (!current.current.byStudy.has(s)) refresh(s).catch((err: unknown) => setProblem(`Cannot load the measurements of study ${s}: ${message(err)}`));
    }
  }, [studies, refresh]);

  // Stored measurements drawn again once the viewport showing their series has its images.
  useEffect(() => {
    const restore = () => {
      const { cells: open, byStudy: lists } = current.current;
      let added = false;
      open.forEach((series, cell) => {
        const vp = series && stackViewport(viewportIdOf(cell));
        // Not before its first image has loaded: only then does the viewport know its frame of reference, the key
        // under which Cornerstone keeps (and looks up) the annotations it draws.
        if (!series || !vp || !vp.getCornerstoneImage()) return;
        for (const m of lists.get(series.study.studyInstanceUid) ?? []) {
          if (m.seriesInstanceUid !== series.series.seriesInstanceUid || annotation.state.getAnnotation(m.uid)) continue;
          const index = series.frames.findIndex((f) => f.instance.sopInstanceUid === m.sopInstanceUid && f.frame === m.frame);
          if (index < 0) continue;
          // A tool draws only its own annotations and only when enabled: passive draws them and lets them be edited.
          const group = ToolGroupManager.getToolGroupForViewport(viewportIdOf(cell));
          const mode = group?.getToolOptions(TOOL_CLASS[m.tool].toolName)?.mode;
          if (group && mode !== ToolEnums.ToolModes.Active && mode !== ToolEnums.ToolModes.Passive) group.setToolPassive(TOOL_CLASS[m.tool].toolName);
          // Cornerstone's own way back from stored points: the tool builds the annotation for this viewport and image.
          TOOL_CLASS[m.tool].hydrate(viewportIdOf(cell), m.geometry.points.map((p) => [...p] as Point3), { annotationUID: m.uid, referencedImageId: series.imageIds[index]! });
          const drawn = annotation.state.getAnnotation(m.uid);
          if (drawn && m.label) drawn.data.label = m.label;
          added = true;
        }
      });
      if (added) renderingEngine().render();
    };
    restore();
    return viewStates.subscribe(restore);
  }, [byStudy, cells]);

  // Drawn, edited, removed: saved or deleted, with where the image is.
  useEffect(() => {
    const timers = new Map<string, ReturnType<typeof setTimeout>>();
    const save = (a: AnnotationLike) => {
      const uid = a.annotationUID;
      const measured = measuredBy(a);
      const imageId = a.metadata?.referencedImageId;
      if (!uid || !measured || !imageId) return;
      const series = current.current.cells.find((c) => c?.imageIds.includes(imageId));
      const at = series?.frames[series.imageIds.indexOf(imageId)];
      if (!series || !at || stored.current.get(uid) === signature(measured)) return;
      stored.current.set(uid, signature(measured));
      const study = series.study.studyInstanceUid;
      client
        .call('measurements.save', { uid, studyInstanceUid: study, seriesInstanceUid: series.series.seriesInstanceUid, sopInstanceUid: at.instance.sopInstanceUid, frame: at.frame, ...measured })
        .then(() => refresh(study))
        .then(() => setProblem(null))
        .catch((err: unknown) => {
          stored.current.delete(uid);
          setProblem(`The measurement was not saved: ${message(err)}`);
        });
    };
    const later = (a: AnnotationLike) => {
      const uid = a.annotationUID;
      if (!uid) return;
      clearTimeout(timers.get(uid));
      timers.set(uid, setTimeout(() => save(a), SAVE_DELAY_MS));
    };
    const detail = (evt: Event) => (evt as CustomEvent<{ annotation?: AnnotationLike }>).detail?.annotation;
    // Completed comes before the tool has computed its statistics at the final handle position: both wait.
    const onChanged = (evt: Event) => {
      const a = detail(evt);
      if (a) later(a);
    };
    const onRemoved = (evt: Event) => {
      const uid = detail(evt)?.annotationUID;
      if (!uid || !stored.current.has(uid)) return;
      clearTimeout(timers.get(uid));
      stored.current.delete(uid);
      setByStudy((prev) => new Map([...prev].map(([s, ms]) => [s, ms.filter((m) => m.uid !== uid)])));
      client.call('measurements.delete', { uid }).catch((err: unknown) => setProblem(`The measurement was not deleted: ${message(err)}`));
    };
    eventTarget.addEventListener(ToolEnums.Events.ANNOTATION_COMPLETED, onChanged);
    eventTarget.addEventListener(ToolEnums.Events.ANNOTATION_MODIFIED, onChanged);
    eventTarget.addEventListener(ToolEnums.Events.ANNOTATION_REMOVED, onRemoved);
    return () => {
      for (const t of timers.values()) clearTimeout(t);
      eventTarget.removeEventListener(ToolEnums.Events.ANNOTATION_COMPLETED, onChanged);
      eventTarget.removeEventListener(ToolEnums.Events.ANNOTATION_MODIFIED, onChanged);
      eventTarget.removeEventListener(ToolEnums.Events.ANNOTATION_REMOVED, onRemoved);
    };
  }, [client, refresh]);

  const remove = useCallback(
    (m: PlacedMeasurement) => {
      // Drawn: removing the annotation deletes it (onRemoved). Not drawn (its series is not open): delete it directly.
      if (annotation.state.getAnnotation(m.uid)) {
        annotation.state.removeAnnotation(m.uid);
        renderingEngine().render();
        return;
      }
      stored.current.delete(m.uid);
      setByStudy((prev) => new Map(prev).set(m.studyInstanceUid, (prev.get(m.studyInstanceUid) ?? []).filter((x) => x.uid !== m.uid)));
      client.call('measurements.delete', { uid: m.uid }).catch((err: unknown) => setProblem(`The measurement was not deleted: ${message(err)}`));
    },
    [client],
  );

  return { byStudy, problem, remove };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
