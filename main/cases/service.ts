import type Database from 'better-sqlite3';
import type { Logger } from '../app/log.js';
import { CaseStore, type InstanceOwner } from './store.js';

/** Opens the app's case store; opening it first marks runs a crash left `running` as interrupted. */
export function openCaseStore(db: Database.Database, owner: InstanceOwner, logger: Logger): CaseStore {
  const store = new CaseStore(db, undefined, owner);
  const recovered = store.recoverInterrupted();
  if (recovered.length) logger.log('warn', `${recovered.length} run(s) left unfinished by an earlier crash were marked interrupted`, { runs: recovered });
  const mixed = store.flagMixedCases();
  if (mixed.length) logger.log('warn', `${mixed.length} case(s) hold images of more than one patient: flagged, left as they are, refused for runs and reports`, { cases: mixed });
  return store;
}

