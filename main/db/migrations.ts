import type Database from 'better-sqlite3';

/**
 * Each module owns a named set of migrations (e.g. `studies`, `cases`) in the one app database; versions are
 * counted per set, so modules evolve their tables independently. Migrations only ever append.
 */
export interface MigrationSet {
  readonly name: string;
  readonly migrations: readonly string[]; // SQL; index + 1 is the version
}

export function migrate(db: Database.Database, sets: readonly MigrationSet[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    set_name TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (set_name, version))`);
  const current = db.prepare<[string], { v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations WHERE set_name = ?');
  const record = db.prepare('INSERT INTO schema_migrations (set_name, version, applied_at) VALUES (?, ?, ?)');
  for (const set of sets) {
    const have = current.get(set.name)?.v ?? 0;
    if (have > set.migrations.length) {
      throw new Error(`The database's "${set.name}" schema is version ${have}, newer than this app knows (${set.migrations.length}). Use a newer app or another data directory.`);
    }
    set.migrations.slice(have).forEach((sql, i) => {
      db.transaction(() => {
        db.exec(sql);
        record.run(set.name, have + i + 1, new Date().toISOString());
      })();
    });
  }
}
