import type { MigrationSet } from '../db/migrations.js';

/**
 * Measurements made in the viewer, kept per image (study, series, SOP instance, frame): the report of a case lists
 * those of its studies. No foreign key to the studies tables: a measurement outlives a re-import of its files.
 */
export const MEASUREMENTS_MIGRATIONS: MigrationSet = {
  name: 'measurements',
  migrations: [
    `CREATE TABLE measurements (
       uid TEXT PRIMARY KEY,
       study_uid TEXT NOT NULL,
       series_uid TEXT NOT NULL,
       sop_uid TEXT NOT NULL,
       frame INTEGER NOT NULL CHECK (frame >= 0),
       tool TEXT NOT NULL,
       value REAL NOT NULL,
       unit TEXT NOT NULL,
       label TEXT NOT NULL,
       detail TEXT NOT NULL,
       geometry TEXT NOT NULL,            -- JSON MeasurementGeometry
       created_at TEXT NOT NULL,
       updated_at TEXT NOT NULL
     );
     CREATE INDEX measurements_by_study ON measurements (study_uid, created_at);`,
  ],
};
