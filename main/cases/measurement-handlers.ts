import type { Handler } from '../app/handlers.js';
import { measurementPlace } from './measurement-place.js';
import { measurementStore } from './service.js';

type MeasurementMethod = 'measurements.list' | 'measurements.save' | 'measurements.delete';

export const measurementsHandlers: { [M in MeasurementMethod]: Handler<M> } = {
  'measurements.list': ({ studyInstanceUid }, ctx) => ({ measurements: measurementStore(ctx).listForStudy(studyInstanceUid).map((m) => ({ ...m, where: measurementPlace(ctx, m) })) }),
  'measurements.save': (p, ctx) => measurementStore(ctx).save(p),
  'measurements.delete': ({ uid }, ctx) => ({ deleted: measurementStore(ctx).delete(uid) }),
};
