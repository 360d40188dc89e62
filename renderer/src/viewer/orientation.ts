/**
 * Orientation markers from the image plane. DICOM's patient axes (LPS): +x points to the patient's left, +y to the
 * posterior, +z to the head. A direction is named by the axes it mostly runs along, the strongest first, so an
 * oblique edge reads e.g. "PL" (mostly posterior, somewhat left), as Weasis and OHIF label them.
 */
export type Vec3 = readonly [number, number, number];

export interface EdgeMarkers {
  readonly top: string;
  readonly bottom: string;
  readonly left: string;
  readonly right: string;
}

const AXES: readonly [positive: string, negative: string][] = [
  ['L', 'R'],
  ['P', 'A'],
  ['H', 'F'],
];

/**
 * The letters for a direction in patient space (any length): every axis whose share of the unit vector is at least
 * `minShare` (default 0.25, about 15° off the plane of the others), strongest first; '' for a zero vector.
 */
export function directionLabel(v: Vec3, minShare = 0.25): string {
  const norm = Math.hypot(v[0], v[1], v[2]);
  if (!(norm > 0)) return '';
  return [0, 1, 2]
    .map((axis) => ({ axis, share: v[axis]! / norm }))
    .filter((c) => Math.abs(c.share) >= minShare)
    .sort((a, b) => Math.abs(b.share) - Math.abs(a.share))
    .map((c) => AXES[c.axis]![c.share > 0 ? 0 : 1])
    .join('');
}

const negate = (v: Vec3): Vec3 => [-v[0], -v[1], -v[2]];

/**
 * The markers on the four edges of the screen, given where screen-right and screen-down point in patient space (for
 * an image as stored: its row and column direction cosines, ImageOrientationPatient's two halves).
 */
export function edgeMarkers(screenRight: Vec3, screenDown: Vec3): EdgeMarkers {
  return {
    right: directionLabel(screenRight),
    left: directionLabel(negate(screenRight)),
    bottom: directionLabel(screenDown),
    top: directionLabel(negate(screenDown)),
  };
}

/**
 * Where screen-right and screen-down point for an image shown rotated clockwise by `rotation` degrees (a multiple of
 * 90) and then flipped, as the viewer's transforms apply them.
 */
export function screenAxes(row: Vec3, column: Vec3, view: { rotation: number; flipHorizontal: boolean; flipVertical: boolean }): { right: Vec3; down: Vec3 } {
  let right = row;
  let down = column;
  const quarterTurns = ((Math.round(view.rotation / 90) % 4) + 4) % 4;
  // A clockwise quarter turn brings what was on the left to the top: the new right is the old up, the new down the old right.
  for (let i = 0; i < quarterTurns; i++) [right, down] = [negate(down), right];
  if (view.flipHorizontal) right = negate(right);
  if (view.flipVertical) down = negate(down);
  return { right, down };
}
