import { MEASUREMENTS_MIGRATIONS } from '../cases/measurements-schema.js';
import { CASES_MIGRATIONS } from '../cases/schema.js';
import type { MigrationSet } from '../db/migrations.js';
import { QUARANTINE_MIGRATIONS } from '../db/quarantine.js';
import { STUDIES_MIGRATIONS } from '../dicom/schema.js';

/** Every module's tables in the one app database; a module adds its set here (main/db knows none of them). */
export const APP_MIGRATIONS: readonly MigrationSet[] = [CASES_MIGRATIONS, STUDIES_MIGRATIONS, QUARANTINE_MIGRATIONS, MEASUREMENTS_MIGRATIONS];
