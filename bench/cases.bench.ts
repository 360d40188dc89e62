// The case store under a streaming run: token events appended one transaction each (what the run service does, so a
// crash loses at most one event), and reading a long run back (cases.get: every event, in order).
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppEvent } from '../main/api/events.js';
import { CaseStore } from '../main/cases/store.js';
import { APP_MIGRATIONS } from '../main/app/migrations.js';
import { openAppDatabase } from '../main/db/database.js';

const N = Number(process.env.BENCH_EVENTS ?? 5000);
const db = openAppDatabase(mkdtempSync(join(tmpdir(), 'medrwr-bench-cases-')), APP_MIGRATIONS);
const store = new CaseStore(db);
const c = store.createCase({ question: 'Which lesion?', options: [{ letter: 'A', text: 'Cyst' }], keyImages: [], synthetic: true });
const run = store.startRun(c.id, {});
const t0 = performance.now();
for (let seq = 0; seq < N; seq++) {
  const e: AppEvent = { type: 'token', taskId: run.id, seq, at: Date.now(), round: 0, text: ' word', tokenId: 42, logprob: -0.5 };
  store.appendEvent(run.id, e);
}
const appendMs = performance.now() - t0;
const t1 = performance.now();
const detail = store.openCase(c.id);
const readMs = performance.now() - t1;
const cpu = cpus();
process.stdout.write(
  [
    `case store (better-sqlite3, WAL, ${db.pragma('synchronous', { simple: true })} synchronous), machine: ${cpu[0]?.model ?? 'unknown cpu'}, ${cpu.length} cores`,
    `append ${N} token events, one transaction each: ${(N / (appendMs / 1000)).toFixed(0)} events/s (${((appendMs * 1000) / N).toFixed(0)} µs per event)`,
    `read back a ${detail.runs[0]!.events.length}-event run (cases.get): ${readMs.toFixed(1)} ms`,
    '',
  ].join('\n'),
);
db.close();
