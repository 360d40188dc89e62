import { describe, expect, it } from 'vitest';
import type { PlacedMeasurement } from '../../../main/api/measurements.js';
import { annotationOf, measuredBy, signature, valueText, type AnnotationLike } from './measurementAnnotations.js';

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

  it('a stored measurement becomes an annotation on its image that reads back the same drawing', () => {
    const saved = measuredBy(length({ length: 23.456, unit: 'mm' }))!;
    const stored: PlacedMeasurement = { ...saved, uid: 'a1', studyInstanceUid: '1', seriesInstanceUid: '2', sopInstanceUid: '3', frame: 1, label: '', detail: '', createdAt: '', updatedAt: '', where: '' };
    const drawn = annotationOf(stored, 'wadouri:y?frame=2', '1.2.840.1');
    expect(drawn).toMatchObject({ annotationUID: 'a1', invalidated: true, metadata: { toolName: 'Length', referencedImageId: 'wadouri:y?frame=2', FrameOfReferenceUID: '1.2.840.1' } });
    // Once the tool has computed its statistics again, nothing differs from what is stored: no second save.
    drawn.data.cachedStats = { t: { length: 23.456, unit: 'mm' } };
    expect(signature(measuredBy(drawn)!)).toBe(signature(stored));
    drawn.data.handles!.points![1] = [7, 8, 9];
    expect(signature(measuredBy(drawn)!)).not.toBe(signature(stored));
  });
});
