import { utilities } from '@cornerstonejs/core';

/** A window the user can pick (width, center in the image's modality units, e.g. HU for CT). */
export interface WindowChoice {
  readonly id: string;
  readonly label: string;
  readonly width: number;
  readonly center: number;
  /** modality: a preset for the modality; file: one of the file's own windows; auto: from this image's pixels. */
  readonly source: 'modality' | 'file' | 'auto';
}

/** OHIF's CT presets (HU). Absolute values only make sense in Hounsfield units, so only CT gets them. */
export const CT_PRESETS: readonly WindowChoice[] = [
  { id: 'ct-soft-tissue', label: 'Soft tissue', width: 400, center: 40, source: 'modality' },
  { id: 'ct-lung', label: 'Lung', width: 1500, center: -600, source: 'modality' },
  { id: 'ct-liver', label: 'Liver', width: 150, center: 90, source: 'modality' },
  { id: 'ct-bone', label: 'Bone', width: 2500, center: 480, source: 'modality' },
  { id: 'ct-brain', label: 'Brain', width: 80, center: 40, source: 'modality' },
];

export interface FileWindow {
  readonly center: number;
  readonly width: number;
  /** WindowCenterWidthExplanation (0028,1055) for this pair, when the file gives one. */
  readonly explanation?: string;
}

/** The spread of an image's values (modality units): its extremes and the 1st/99th percentiles. */
export interface PixelRange {
  readonly min: number;
  readonly max: number;
  readonly p1: number;
  readonly p99: number;
}

/**
 * The windows offered for an image, in hotkey order (1–9): the modality's presets (CT's in HU; for other modalities,
 * whose values have no fixed meaning, the full range and its middle half), the file's own windows with their
 * explanations, and an automatic window (1st–99th percentile of this image's values). Widths are at least 1.
 */
export function windowChoices(modality: string, fileWindows: readonly FileWindow[], range: PixelRange | null): WindowChoice[] {
  const out: WindowChoice[] = [];
  if (modality === 'CT') out.push(...CT_PRESETS);
  else if (range && range.max > range.min) {
    const span = range.max - range.min;
    const mid = (range.max + range.min) / 2;
    out.push({ id: 'full-range', label: 'Full range', width: span, center: mid, source: 'modality' });
    out.push({ id: 'contrast', label: 'High contrast (middle half)', width: span / 2, center: mid, source: 'modality' });
  }
  fileWindows.forEach((w, i) => {
    if (w.width > 0) out.push({ id: `file-${i}`, label: `File: ${w.explanation?.trim() || `window ${i + 1}`}`, width: w.width, center: w.center, source: 'file' });
  });
  if (range) {
    const width = Math.max(1, range.p99 - range.p1);
    out.push({ id: 'auto', label: 'Auto (1st–99th percentile)', width: round2(width), center: round2(range.p1 + width / 2), source: 'auto' });
  }
  return out;
}

/**
 * Extremes and 1st/99th percentiles of stored pixel values mapped through the modality LUT (slope, intercept), from
 * at most `maxSamples` evenly spaced samples (enough for a window; a full sort of a 4k image would stall the UI).
 */
export function pixelRange(values: ArrayLike<number>, slope = 1, intercept = 0, maxSamples = 65_536): PixelRange | null {
  const n = values.length;
  if (n === 0) return null;
  const step = Math.max(1, Math.floor(n / maxSamples));
  const sample: number[] = [];
  for (let i = 0; i < n; i += step) sample.push(values[i]! * slope + intercept);
  sample.sort((a, b) => a - b);
  const at = (q: number) => sample[Math.min(sample.length - 1, Math.floor(q * sample.length))]!;
  return { min: sample[0]!, max: sample[sample.length - 1]!, p1: at(0.01), p99: at(0.99) };
}

/** Cornerstone's VOI range for a width/center pair, by the DICOM linear VOI function (PS3.3 C.11.2.1.2). */
export function voiRangeOf(width: number, center: number): { lower: number; upper: number } {
  return utilities.windowLevel.toLowHighRange(width, center);
}

/** Width/center (rounded for display and storage) of a VOI range, the inverse of voiRangeOf. */
export function windowOfVoiRange(range: { lower: number; upper: number }): { width: number; center: number } {
  const { windowWidth, windowCenter } = utilities.windowLevel.toWindowLevel(range.lower, range.upper);
  return { width: round2(windowWidth), center: round2(windowCenter) };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
