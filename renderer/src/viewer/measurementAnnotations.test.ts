import { describe, expect, it } from 'vitest';
import { measuredBy, signature, valueText, type AnnotationLike } from './measurementAnnotations.js';

const length = (stats: Record<string, unknown> | undefined, FrameOfReferenceUID = '1.2.840.1'): AnnotationLike => ({
  annotationUID: 'a1',
  metadata: { toolName: 'Length', referencedImageId: 'wadouri:x?frame=2', viewPlaneNormal: [0, 0, -1], viewUp: [0, -1, 0], FrameOfReferenceUID },
  data: { handles: { points: [[1, 2, 3], [4, 5, 6]] }, ...(stats ? { cachedStats: { 'imageId:x': stats } } : {}), label: '' },
});

describe('measurements from and to Cornerstone annotations', () => {
  it("reads a length's value, unit and drawing; nothing until its tool has computed it, nothing for other tools", () => {
    expect(measuredBy(length({ length: 23.456, unit: 'mm' }))).toEqual({
      tool: 'Length',
      value: 23.456,
      unit: 'mm',
      detail: '',
      label: '',
      geometry: { points: [[1, 2, 3], [4, 5, 6]], viewPlaneNormal: [0, 0, -1], viewUp: [0, -1, 0], frameOfReferenceUid: '1.2.840.1' },
    });
    expect(measuredBy(length(undefined))).toBeNull();
    expect(measuredBy(length({ length: Number.NaN, unit: 'mm' }))).toBeNull();
    expect(measuredBy({ ...length({ length: 1 }), metadata: { toolName: 'Probe' } })).toBeNull();
    // A made-up frame of reference (no DICOM UID) is not kept: it would mean nothing after a reload.
    expect(measuredBy(length({ length: 1, unit: 'mm' }, 'imageId:wadouri:http://127.0.0.1:4242/files/1'))?.geometry.frameOfReferenceUid).toBeUndefined();
  });

  it("reads an ROI's mean with its SD and area, and shows values as the panel does", () => {
    const roi: AnnotationLike = { metadata: { toolName: 'EllipticalROI' }, data: { handles: { points: [[0, 0, 0]] }, cachedStats: { t: { mean: 41.25, stdDev: 3.14, area: 120.46, areaUnit: 'mm²', modalityUnit: 'HU' } } } };
    const m = measuredBy(roi)!;
    expect(m).toMatchObject({ tool: 'EllipticalROI', value: 41.25, unit: 'HU', detail: 'SD 3.1 · area 120.5 mm²' });
    expect(valueText(m)).toBe('mean 41.3 HU · SD 3.1 · area 120.5 mm²');
    expect(valueText({ tool: 'Length', value: 23.456, unit: 'mm', detail: '' })).toBe('23.46 mm');
    expect(valueText({ tool: 'Angle', value: 32.04, unit: '°', detail: '' })).toBe('32.0°');
  });

  it('a drawing is saved again only when what is stored would change', () => {
    const saved = measuredBy(length({ length: 23.456, unit: 'mm' }))!;
    // What the tool computes again after the stored drawing is put back: the same points, the same value.
    expect(signature(measuredBy(length({ length: 23.456, unit: 'mm' }))!)).toBe(signature(saved));
    const moved = length({ length: 30, unit: 'mm' });
    moved.data.handles!.points![1] = [7, 8, 9];
    expect(signature(measuredBy(moved)!)).not.toBe(signature(saved));
  });
});
