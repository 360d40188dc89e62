import type { MigrationSet } from './migrations.js';

/**
 * Where `medrwr db check --repair` moves what it cannot read back: the stored text whole, which row and column it
 * was, why it was refused. Nothing damaged is deleted; the row itself is then marked or cleared so the rest reads.
 */
export const QUARANTINE_MIGRATIONS: MigrationSet = {
  name: 'quarantine',
  migrations: [
    `CREATE TABLE quarantine (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       at TEXT NOT NULL,
       table_name TEXT NOT NULL,
       row_key TEXT NOT NULL,             -- JSON: the row's primary key
       column_name TEXT NOT NULL,
       reason TEXT NOT NULL,
       raw TEXT                           -- the stored value as it was
     );
     CREATE TRIGGER quarantine_no_update BEFORE UPDATE ON quarantine BEGIN SELECT RAISE(ABORT, 'quarantine is append-only'); END;
     CREATE TRIGGER quarantine_no_delete BEFORE DELETE ON quarantine BEGIN SELECT RAISE(ABORT, 'quarantine is append-only'); END;`,
  ],
};
