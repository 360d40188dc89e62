import type { Measurement } from '../api/measurements.js';
import type { StudiesPort } from './ports.js';

/**
 * Where a measurement was taken, as a reader names it: "series 2 (CT Chest), image 14, frame 3 of 96", from the
 * studies index; the UID's tail when the index no longer has the image. The panel and the reports say the same.
 */
export function measurementPlace(studies: StudiesPort, m: Pick<Measurement, 'sopInstanceUid' | 'frame'>): string {
  const d = studies.describe(m.sopInstanceUid);
  if (!d) return `image …${m.sopInstanceUid.slice(-12)}, frame ${m.frame + 1} (no longer in the studies database)`;
  const series = [d.modality, d.seriesDescription].filter(Boolean).join(' ');
  const frame = d.frames > 1 ? `, frame ${m.frame + 1} of ${d.frames}` : '';
  return `series ${d.seriesNumber ?? '?'}${series ? ` (${series})` : ''}, image ${d.instanceNumber ?? '?'}${frame}`;
}
