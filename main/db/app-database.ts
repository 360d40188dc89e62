import type Database from 'better-sqlite3';
import type { AppContext } from '../app/context.js';
import { service } from '../app/services.js';
import { MEASUREMENTS_MIGRATIONS } from '../cases/measurements-schema.js';
import { CASES_MIGRATIONS } from '../cases/schema.js';
import { STUDIES_MIGRATIONS } from '../dicom/schema.js';
import { openAppDatabase } from './database.js';
import type { MigrationSet } from './migrations.js';
import { QUARANTINE_MIGRATIONS } from './quarantine.js';

/** Every module's tables in the one app database; a module adds its set here. */
export const APP_MIGRATIONS: readonly MigrationSet[] = [CASES_MIGRATIONS, STUDIES_MIGRATIONS, QUARANTINE_MIGRATIONS, MEASUREMENTS_MIGRATIONS];

export function appDatabase(ctx: AppContext): Database.Database {
  return service(ctx, 'db', () => openAppDatabase(ctx.dataDir, APP_MIGRATIONS), (db) => db.close());
}
