import { utilities } from '@cornerstonejs/core';

/** Window/level presets (width, center in HU), OHIF's CT set; hotkeys 1–4 follow this order. */
export interface WindowPreset {
  readonly id: string;
  readonly label: string;
  readonly width: number;
  readonly center: number;
}

export const CT_PRESETS: readonly WindowPreset[] = [
  { id: 'soft-tissue', label: 'Soft tissue', width: 400, center: 40 },
  { id: 'lung', label: 'Lung', width: 1500, center: -600 },
  { id: 'bone', label: 'Bone', width: 1800, center: 400 },
  { id: 'brain', label: 'Brain', width: 80, center: 40 },
];

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
