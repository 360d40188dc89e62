import type { Handler } from '../app/handlers.js';
import { measurementPlace } from './measurement-place.js';

type MeasurementMethod = 'measurements.list' | 'measurements.save' | 'measurements.delete';

export const measurementsHandlers: { [M in MeasurementMethod]: Handler<M> } = {
  'measurements.list': ({ studyInstanceUid }, ctx) => ({ measurements: ctx.services.measurements.listForStudy(studyInstanceUid).map((m) => ({ ...m, where: measurementPlace(ctx.services.studies, m) })) }),
  'measurements.save': (p, ctx) => ctx.services.measurements.save(p),
  'measurements.delete': ({ uid }, ctx) => ({ deleted: ctx.services.measurements.delete(uid) }),
};
