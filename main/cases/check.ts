import type Database from 'better-sqlite3';
import { z } from 'zod';
import { CaseOption, KeyImage } from '../api/cases.js';
import { Provenance, Timings } from '../api/run-events.js';
import { eventDamage, readJson, truncate } from './damage.js';
import { CaseStore } from './store.js';

/** One stored value the app cannot read back, where it is, and what `--repair` does with it. */
export interface Damage {
  readonly table: 'cases' | 'runs' | 'run_events';
  readonly key: Readonly<Record<string, string | number>>;
  readonly column: string;
  readonly caseId: string | null;
  readonly runId: string | null;
  readonly reason: string;
  /** The stored text, cut for reading (the quarantine keeps it whole). */
  readonly raw: string;
  /** What repair does, or null where nothing can be rebuilt (the damage stays reported). */
  readonly repair: string | null;
}

export interface CheckResult {
  /** SQLite's own page-level check ("ok" when sound) and foreign keys that point nowhere. */
  readonly integrity: string[];
  readonly damaged: Damage[];
}

interface Found extends Damage {
  /** The whole stored value, for the quarantine. */
  readonly full: string | null;
  readonly fix: ((db: Database.Database) => void) | null;
}

const JSON_COLUMNS = {
  params: z.record(z.string(), z.unknown()),
  provenance: Provenance,
  timings: Timings,
  inputs: z.object({ question: z.string(), options: z.array(CaseOption), keyImages: z.array(KeyImage) }),
} as const;

/** Reads every row the case store would read and reports what cannot be read back; changes nothing. */
export function checkDatabase(db: Database.Database): CheckResult {
  const integrity = db.pragma('quick_check', { simple: false }) as { quick_check: string }[];
  const fk = db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
  return {
    integrity: [...integrity.map((r) => r.quick_check), ...fk.map((r) => `${r.table} row ${r.rowid} refers to a missing ${r.parent} row`)],
    damaged: find(db).map(({ full: _full, fix: _fix, ...d }) => d),
  };
}

/**
 * Moves each damaged value into the quarantine table whole, then makes its row readable: an event becomes a
 * `damaged` marker at the same seq, provenance and timings are rebuilt from the run's own log (or cleared), settings
 * and options are cleared. The inputs a run started with cannot be rebuilt and stay as they are. One transaction;
 * each repair is in the audit log.
 */
export function repairDatabase(db: Database.Database, user?: string): { repaired: (Damage & { quarantineId: number })[]; left: Damage[] } {
  const store = new CaseStore(db, user);
  const repaired: (Damage & { quarantineId: number })[] = [];
  const left: Damage[] = [];
  const quarantine = db.prepare('INSERT INTO quarantine (at, table_name, row_key, column_name, reason, raw) VALUES (?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const { full, fix, ...d } of find(db)) {
      if (!fix) {
        left.push(d);
        continue;
      }
      const id = Number(quarantine.run(new Date().toISOString(), d.table, JSON.stringify(d.key), d.column, d.reason, full).lastInsertRowid);
      fix(db);
      store.audit('repair', d.caseId, d.runId, `${d.table}.${d.column} ${JSON.stringify(d.key)}: ${d.reason}; ${d.repair} (quarantine #${id})`);
      repaired.push({ ...d, quarantineId: id });
    }
  })();
  return { repaired, left };
}

function find(db: Database.Database): Found[] {
  const found: Found[] = [];
  for (const c of db.prepare<[], { id: string; options: string }>('SELECT id, options FROM cases ORDER BY rowid').all()) {
    const read = readJson(c.options, z.array(CaseOption));
    if (read.ok) continue;
    found.push({
      ...where('cases', { id: c.id }, 'options', c.id, null, read.reason, c.options),
      repair: 'options cleared (enter them again)',
      fix: (d) => d.prepare("UPDATE cases SET options = '[]' WHERE id = ?").run(c.id),
    });
  }
  type RunRow = { id: string; case_id: string; params: string; provenance: string | null; timings: string | null; inputs: string };
  for (const r of db.prepare<[], RunRow>('SELECT id, case_id, params, provenance, timings, inputs FROM runs ORDER BY rowid').all()) {
    for (const column of ['params', 'provenance', 'timings', 'inputs'] as const) {
      const raw = r[column];
      if (raw === null) continue;
      const read = readJson(raw, JSON_COLUMNS[column] as z.ZodType<unknown>);
      if (read.ok) continue;
      const at = where('runs', { id: r.id }, column, r.case_id, r.id, read.reason, raw);
      if (column === 'inputs') found.push({ ...at, repair: null, fix: null });
      else if (column === 'params') found.push({ ...at, repair: 'settings cleared', fix: (d) => d.prepare("UPDATE runs SET params = '{}' WHERE id = ?").run(r.id) });
      else {
        const fromLog = rebuilt(db, r.id, column);
        found.push({
          ...at,
          repair: fromLog === null ? `${column} cleared (the run's log has none)` : `${column} rebuilt from the run's log`,
          fix: (d) => d.prepare(`UPDATE runs SET ${column} = ? WHERE id = ?`).run(fromLog, r.id),
        });
      }
    }
  }
  type EventRow = { run_id: string; case_id: string | null; seq: number; at: number; body: string };
  const events = db.prepare<[], EventRow>('SELECT e.run_id, r.case_id, e.seq, e.at, e.body FROM run_events e LEFT JOIN runs r ON r.id = e.run_id ORDER BY e.run_id, e.seq');
  for (const e of events.all()) {
    const reason = eventDamage(e.body);
    if (reason === null) continue;
    const marker = JSON.stringify({ type: 'damaged', taskId: e.run_id, seq: e.seq, at: e.at, reason, raw: truncate(e.body) });
    found.push({
      ...where('run_events', { run_id: e.run_id, seq: e.seq }, 'body', e.case_id, e.run_id, reason, e.body),
      repair: 'event replaced by a "damaged" marker at the same seq',
      fix: (d) => withoutAppendOnlyGuard(d, () => d.prepare("UPDATE run_events SET type = 'damaged', body = ? WHERE run_id = ? AND seq = ?").run(marker, e.run_id, e.seq)),
    });
  }
  return found;
}

function where(table: Damage['table'], key: Damage['key'], column: string, caseId: string | null, runId: string | null, reason: string, raw: string | null): Omit<Found, 'repair' | 'fix'> {
  return { table, key, column, caseId, runId, reason, raw: truncate(raw ?? ''), full: raw };
}

/** Provenance from the run's `run` event, timings from its `summary` event, when that event reads back. */
function rebuilt(db: Database.Database, runId: string, column: 'provenance' | 'timings'): string | null {
  const type = column === 'provenance' ? 'run' : 'summary';
  const row = db.prepare<[string, string], { body: string }>('SELECT body FROM run_events WHERE run_id = ? AND type = ? ORDER BY seq LIMIT 1').get(runId, type);
  if (!row || eventDamage(row.body) !== null) return null;
  const value = (JSON.parse(row.body) as Record<string, unknown>)[column];
  return value === undefined ? null : JSON.stringify(value);
}

/** The event log refuses updates by trigger; repair lifts it for one statement inside its transaction. */
function withoutAppendOnlyGuard(db: Database.Database, write: () => void): void {
  const trigger = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'run_events_no_update'").get();
  if (trigger) db.exec('DROP TRIGGER run_events_no_update');
  write();
  if (trigger) db.exec(trigger.sql);
}
