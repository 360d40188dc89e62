import type { MigrationSet } from '../db/migrations.js';

/**
 * The studies tables of the app database. Instances reference their files in place by absolute path (nothing
 * is copied); SOPInstanceUID is the key, so importing the same instance twice keeps the first.
 */
export const STUDIES_MIGRATIONS: MigrationSet = {
  name: 'studies',
  migrations: [
    `CREATE TABLE patients (
      key TEXT PRIMARY KEY,
      patient_id TEXT NOT NULL,
      name TEXT NOT NULL,
      birth_date TEXT NOT NULL,
      sex TEXT NOT NULL
    );
    CREATE TABLE studies (
      study_uid TEXT PRIMARY KEY,
      patient_key TEXT NOT NULL REFERENCES patients(key),
      date TEXT NOT NULL,
      time TEXT NOT NULL,
      description TEXT NOT NULL,
      accession TEXT NOT NULL
    );
    CREATE INDEX studies_patient ON studies(patient_key);
    CREATE TABLE series (
      series_uid TEXT PRIMARY KEY,
      study_uid TEXT NOT NULL REFERENCES studies(study_uid),
      number INTEGER,
      modality TEXT NOT NULL,
      description TEXT NOT NULL,
      thumbnail BLOB
    );
    CREATE INDEX series_study ON series(study_uid);
    CREATE TABLE instances (
      sop_uid TEXT PRIMARY KEY,
      series_uid TEXT NOT NULL REFERENCES series(series_uid),
      sop_class_uid TEXT NOT NULL,
      instance_number INTEGER,
      path TEXT NOT NULL,
      file_size INTEGER NOT NULL,
      frames INTEGER NOT NULL,
      transfer_syntax TEXT NOT NULL,
      photometric TEXT NOT NULL,
      rows INTEGER NOT NULL,
      columns INTEGER NOT NULL,
      bits_allocated INTEGER NOT NULL,
      bits_stored INTEGER NOT NULL,
      pixel_spacing_row REAL,
      pixel_spacing_col REAL,
      window_center REAL,
      window_width REAL,
      rescale_slope REAL NOT NULL,
      rescale_intercept REAL NOT NULL,
      frame_time_ms REAL,
      slice_location REAL,
      imported_at TEXT NOT NULL
    );
    CREATE INDEX instances_series ON instances(series_uid);`,
    // Structured reports (SR, Key Object Selection): listed under their study and read when opened, not displayed as images.
    `CREATE TABLE documents (
      sop_uid TEXT PRIMARY KEY,
      study_uid TEXT NOT NULL REFERENCES studies(study_uid),
      series_uid TEXT NOT NULL,
      sop_class_uid TEXT NOT NULL,
      modality TEXT NOT NULL,
      title TEXT NOT NULL,
      date TEXT NOT NULL,
      time TEXT NOT NULL,
      path TEXT NOT NULL,
      file_size INTEGER NOT NULL,
      imported_at TEXT NOT NULL
    );
    CREATE INDEX documents_study ON documents(study_uid);`,
    // The file's modification time when indexed: a re-import skips a file whose path, size and time are already held
    // (one stat instead of a read and parse). NULL for rows indexed before, which are read once more.
    `ALTER TABLE instances ADD COLUMN file_mtime_ms REAL;
    ALTER TABLE documents ADD COLUMN file_mtime_ms REAL;
    CREATE INDEX instances_path ON instances(path);
    CREATE INDEX documents_path ON documents(path);`,
    // Dates written in ACR-NEMA 2.0's form (1999.05.24) by files indexed before dates were normalised on import: in
    // DICOM's form they sort and filter with the rest. Patient keys keep the date as written (see readPatient).
    `UPDATE studies SET date = replace(date, '.', '') WHERE date GLOB '[0-9][0-9][0-9][0-9].[0-9][0-9].[0-9][0-9]';
    UPDATE patients SET birth_date = replace(birth_date, '.', '') WHERE birth_date GLOB '[0-9][0-9][0-9][0-9].[0-9][0-9].[0-9][0-9]';
    UPDATE documents SET date = replace(date, '.', '') WHERE date GLOB '[0-9][0-9][0-9][0-9].[0-9][0-9].[0-9][0-9]';`,
  ],
};
