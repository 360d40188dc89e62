import type { AppContext } from '../app/context.js';
import { service } from '../app/services.js';
import { appDatabase } from '../db/app-database.js';
import { instanceLocation, instanceOwner } from '../dicom/queries.js';
import { MeasurementStore } from './measurements.js';
import { CaseStore } from './store.js';

/** The app's one case store; opening it first marks runs a crash left `running` as interrupted. */
export function caseStore(ctx: AppContext): CaseStore {
  return service(ctx, 'cases', () => {
    const store = new CaseStore(appDatabase(ctx), undefined, (sop) => instanceOwner(ctx, sop));
    const recovered = store.recoverInterrupted();
    if (recovered.length) ctx.logger.log('warn', `${recovered.length} run(s) left unfinished by an earlier crash were marked interrupted`, { runs: recovered });
    const mixed = store.flagMixedCases();
    if (mixed.length) ctx.logger.log('warn', `${mixed.length} case(s) hold images of more than one patient: flagged, left as they are, refused for runs and reports`, { cases: mixed });
    return store;
  });
}

/** The viewer's measurements, checked against the studies database. */
export function measurementStore(ctx: AppContext): MeasurementStore {
  return service(ctx, 'measurements', () => new MeasurementStore(appDatabase(ctx), (sop) => instanceLocation(ctx, sop)));
}
