import type { InstanceSummary, PatientSummary, SeriesSummary, StudySummary } from '../../../main/api/studies.js';
import { instanceImageIds } from './imageIds.js';

export { formatDicomDate, formatPersonName } from '../../../main/api/format.js';

/** A series ready for a stack viewport: its context for the overlays and one image id per frame. */
export interface LoadedSeries {
  readonly patient: PatientSummary;
  readonly study: StudySummary;
  readonly series: SeriesSummary;
  readonly instances: readonly InstanceSummary[];
  readonly imageIds: readonly string[];
  /** For each image id: which instance it shows and its 0-based frame there. */
  readonly frames: readonly { readonly instance: InstanceSummary; readonly frame: number }[];
}

export function buildLoadedSeries(patient: PatientSummary, study: StudySummary, series: SeriesSummary, instances: InstanceSummary[]): LoadedSeries {
  const imageIds: string[] = [];
  const frames: { instance: InstanceSummary; frame: number }[] = [];
  for (const instance of instances) {
    instanceImageIds(instance.url, instance.frames).forEach((id, frame) => {
      imageIds.push(id);
      frames.push({ instance, frame });
    });
  }
  return { patient, study, series, instances, imageIds, frames };
}

/** Frames per second for cine: the file's FrameTime when it has one, else a reading pace for a slice stack. */
export function cineRateOf(series: LoadedSeries): { fps: number; fromFile: boolean } {
  const frameTime = series.instances.find((i) => i.frameTimeMs && i.frameTimeMs > 0)?.frameTimeMs;
  if (frameTime) return { fps: Math.round((1000 / frameTime) * 100) / 100, fromFile: true };
  return { fps: 10, fromFile: false };
}
