import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from './migrations.js';

describe('migrate', () => {
  it('applies each set once, in order, and only the new versions on a later run', () => {
    const db = new Database(':memory:');
    migrate(db, [{ name: 'a', migrations: ['CREATE TABLE t (x)'] }]);
    migrate(db, [{ name: 'a', migrations: ['CREATE TABLE t (x)', 'ALTER TABLE t ADD COLUMN y'] }]);
    expect(db.prepare('SELECT set_name, version FROM schema_migrations ORDER BY version').all()).toEqual([
      { set_name: 'a', version: 1 },
      { set_name: 'a', version: 2 },
    ]);
    db.prepare('INSERT INTO t (x, y) VALUES (1, 2)').run();
  });

  it('refuses a database newer than the code', () => {
    const db = new Database(':memory:');
    migrate(db, [{ name: 'a', migrations: ['CREATE TABLE t (x)', 'CREATE TABLE u (x)'] }]);
    expect(() => migrate(db, [{ name: 'a', migrations: ['CREATE TABLE t (x)'] }])).toThrow(/newer than this app knows/);
  });

  it('rolls back a failing migration whole', () => {
    const db = new Database(':memory:');
    expect(() => migrate(db, [{ name: 'a', migrations: ['CREATE TABLE t (x); CREATE TABLE broken ('] }])).toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 't'").get()).toBeUndefined();
  });
});
