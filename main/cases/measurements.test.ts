import { afterAll, describe, expect, it } from 'vitest';
import { Measurement, PlacedMeasurement, type MeasurementInput } from '../api/measurements.js';
import { z } from 'zod';
import { dispatch } from '../app/dispatch.js';
import { closeServices } from '../app/services.js';
import { indexInstance } from '../reports/testing/scripted-report.js';
import { tempDataDir, testContext } from './testing/fixtures.js';

const SOP = '1.2.826.0.1.3680043.10.543.77';
const LENGTH: MeasurementInput = {
  uid: 'ann-1',
  studyInstanceUid: `${SOP}.1`,
  seriesInstanceUid: `${SOP}.2`,
  sopInstanceUid: SOP,
  frame: 0,
  tool: 'Length',
  value: 23.456,
  unit: 'mm',
  geometry: { points: [[1, 2, 3], [4, 5, 6]], viewPlaneNormal: [0, 0, -1], viewUp: [0, -1, 0], frameOfReferenceUid: '1.2.3' },
};

type Ctx = ReturnType<typeof testContext>;
const save = async (ctx: Ctx, m: Record<string, unknown>) => Measurement.parse(await dispatch(ctx, 'measurements.save', m));
const list = async (ctx: Ctx, studyInstanceUid: string) => z.object({ measurements: z.array(PlacedMeasurement) }).parse(await dispatch(ctx, 'measurements.list', { studyInstanceUid })).measurements;

const contexts: Ctx[] = [];
function context(dataDir = tempDataDir('measurements'), index = true) {
  const ctx = testContext(dataDir);
  contexts.push(ctx);
  if (index) indexInstance(ctx, { key: 'p1', id: 'P1', name: 'DOE^JANE' }, SOP);
  return ctx;
}
afterAll(async () => {
  for (const ctx of contexts) await closeServices(ctx);
});

describe('measurements belong to their image', () => {
  it('are kept with study, series, image and frame, replaced by an edit, listed per study and deleted', async () => {
    const dataDir = tempDataDir('measurements');
    const ctx = context(dataDir);
    const saved = await save(ctx, LENGTH);
    expect(saved).toMatchObject({ ...LENGTH, label: '', detail: '' });
    await save(ctx, { ...LENGTH, uid: 'ann-2', tool: 'EllipticalROI', value: 41.2, unit: 'HU', detail: 'SD 3.1, area 120.5 mm²', label: 'Liver' });
    const edited = await save(ctx, { ...LENGTH, value: 30, label: 'Lesion', geometry: { points: [[1, 2, 3], [9, 9, 9]] } });
    expect(edited).toMatchObject({ value: 30, label: 'Lesion', createdAt: saved.createdAt, geometry: { points: [[1, 2, 3], [9, 9, 9]] } });
    const listed = await list(ctx, LENGTH.studyInstanceUid);
    expect(listed.map((m) => [m.uid, m.tool, m.value, m.label])).toEqual([
      ['ann-1', 'Length', 30, 'Lesion'],
      ['ann-2', 'EllipticalROI', 41.2, 'Liver'],
    ]);
    expect(listed[0]!.where).toBe('series 1 (CT), image 1');
    expect(await list(ctx, '9.9.9')).toEqual([]);

    // Kept in the app database: a restart finds them.
    await closeServices(ctx);
    const again = context(dataDir, false);
    expect(await list(again, LENGTH.studyInstanceUid)).toHaveLength(2);
    expect(await dispatch(again, 'measurements.delete', { uid: 'ann-2' })).toEqual({ deleted: true });
    expect(await dispatch(again, 'measurements.delete', { uid: 'ann-2' })).toEqual({ deleted: false });
    expect((await list(again, LENGTH.studyInstanceUid)).map((m) => m.uid)).toEqual(['ann-1']);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['a value that is not a number', { value: Number.NaN }, /value/],
    ['an unknown tool', { tool: 'Freehand' }, /tool/],
    ['no points', { geometry: { points: [] } }, /geometry\.points: a measurement has at least one point/],
    ['a negative frame', { frame: -1 }, /frame/],
    ['an empty SOP instance UID', { sopInstanceUid: '' }, /sopInstanceUid: a UID must not be empty/],
  ];
  for (const [what, patch, reason] of bad) {
    it(`refuses ${what} with the field named, and stores nothing`, async () => {
      const ctx = context();
      await expect(dispatch(ctx, 'measurements.save', { ...LENGTH, ...patch })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(reason) });
      // The store checks as well when called directly (the CLI or another domain, not through dispatch).
      expect(() => ctx.services.measurements.save({ ...LENGTH, ...patch })).toThrow(/^Measurement not saved: /);
      expect(ctx.services.measurements.listForStudy(LENGTH.studyInstanceUid)).toEqual([]);
    });
  }

  it('refuses an image the studies database does not know, one placed in another series, and a frame past the last', () => {
    const store = context().services.measurements;
    expect(() => store.save({ ...LENGTH, sopInstanceUid: '1.2.3.4' })).toThrow('Measurement not saved: image 1.2.3.4 is not in the studies database.');
    expect(() => store.save({ ...LENGTH, seriesInstanceUid: '1.2.3' })).toThrow(`Measurement not saved: image ${SOP} belongs to series ${SOP}.2 of study ${SOP}.1, not to series 1.2.3 of study ${SOP}.1.`);
    expect(() => store.save({ ...LENGTH, frame: 1 })).toThrow("Measurement not saved: frame 2 is past the image's 1 frame(s).");
    expect(store.listForStudy(LENGTH.studyInstanceUid)).toEqual([]);
  });
});
