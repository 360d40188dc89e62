import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApiError } from '../api/errors.js';
import { migrate, type MigrationSet } from './migrations.js';

export const APP_DB_FILE = 'medrwr.sqlite';

/** Opens (creating if needed) the app database in WAL mode and brings every module's tables up to date. */
export function openAppDatabase(dataDir: string, sets: readonly MigrationSet[]): Database.Database {
  const path = join(dataDir, APP_DB_FILE);
  mkdirSync(dirname(path), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, sets);
  } catch (err) {
    throw new ApiError('unavailable', `The app database ${path} cannot be opened: ${(err as Error).message}. Move it aside to start afresh (your studies' files are not inside it).`);
  }
  return db;
}
