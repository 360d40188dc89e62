import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { APP_MIGRATIONS } from '../app/migrations.js';
import { openAppDatabase } from '../db/database.js';
import { CaseStore } from './store.js';
import { osUser } from './os-user.js';
import { KEY_IMAGE, completeRunDrafts, numbered, tempDataDir } from './testing/fixtures.js';

const open: Database.Database[] = [];
function openStore(dataDir = tempDataDir()) {
  const db = openAppDatabase(dataDir, APP_MIGRATIONS);
  open.push(db);
  return { db, store: new CaseStore(db), dataDir };
}
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

const QUESTION = { question: 'What is the lesion in the liver?', options: [{ letter: 'A', text: 'Cyst' }, { letter: 'B', text: 'Metastasis' }], keyImages: [KEY_IMAGE], synthetic: true };

describe('CaseStore', () => {
  it('keeps a case with its key images, finds it by words, edits and deletes it, and audits each step with the OS user', () => {
    const { store, db } = openStore();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const c = store.createCase({ ...QUESTION, title: 'Liver lesion' });
    expect(store.getCase(c.id)).toMatchObject({ title: 'Liver lesion', status: 'draft', synthetic: true, keyImages: [KEY_IMAGE], options: QUESTION.options });
    store.createCase({ question: 'Is there a pneumothorax?', options: [], keyImages: [], synthetic: false });
    expect(store.listCases('liver LESION').map((s) => s.id)).toEqual([c.id]);
    expect(store.listCases('100%_')).toEqual([]); // LIKE wildcards are literal
    expect(store.listCases()).toHaveLength(2);
    const edited = store.updateCase(c.id, { question: 'Which lesion?', keyImages: [{ ...KEY_IMAGE, frame: 3, invert: true }] });
    expect(edited.keyImages).toEqual([{ ...KEY_IMAGE, frame: 3, invert: true }]);
    store.openCase(c.id);
    store.openCase(c.id, false); // a refresh, not a person opening it
    store.deleteCase(c.id);
    expect(() => store.getCase(c.id)).toThrow(/No case/);
    expect(store.auditLog(c.id).map((e) => [e.action, e.user])).toEqual([
      ['create', osUser()],
      ['update', osUser()],
      ['open', osUser()],
      ['delete', osUser()],
    ]);
  });

  it('stores every event of a run in order and draws out provenance, evidence, answers, timings and the outcome', () => {
    const { store, db } = openStore();
    const c = store.createCase(QUESTION);
    const run = store.startRun(c.id, { rounds: 3 });
    const events = numbered(run.id, [...completeRunDrafts(), { type: 'done', status: 'completed' }]);
    for (const e of events) store.appendEvent(run.id, e);
    expect(store.events(run.id)).toEqual(events);
    const detail = store.openCase(c.id);
    expect(detail.case.status).toBe('answered');
    expect(detail.runs[0]).toMatchObject({ status: 'completed', finalLetter: 'A', finalConfidence: 0.86, provenance: { model: { id: 'medrwr-tiny' } }, timings: { totalMs: 1200 } });
    expect(detail.runs[0]!.endedAt).not.toBeNull();
    expect(db.prepare('SELECT rank, title, query FROM evidence WHERE run_id = ? ORDER BY rank').all(run.id)).toEqual([1, 2, 3].map((rank) => ({ rank, title: `Passage ${rank}`, query: 'hypodense liver lesion' })));
    expect(db.prepare('SELECT phase, letter, confidence FROM answers WHERE run_id = ? ORDER BY phase').all(run.id)).toEqual([
      { phase: 'cdir', letter: 'A', confidence: 0.86 },
      { phase: 'initial', letter: 'B', confidence: 0.55 },
    ]);
    expect(store.listCases()[0]).toMatchObject({ runs: 1, lastLetter: 'A', lastConfidence: 0.86 });
  });

  it('refuses to change or remove a run event or an audit entry, but deleting the case takes its log with it', () => {
    const { store, db } = openStore();
    const c = store.createCase(QUESTION);
    const run = store.startRun(c.id, {});
    for (const e of numbered(run.id, completeRunDrafts())) store.appendEvent(run.id, e);
    expect(() => db.prepare("UPDATE run_events SET body = '{}' WHERE run_id = ?").run(run.id)).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM run_events WHERE run_id = ?').run(run.id)).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(() => db.prepare("UPDATE audit_log SET user = 'someone else'").run()).toThrow(/append-only/);
    expect(() => store.appendEvent(run.id, numbered(run.id, [{ type: 'notice', level: 'info', message: 'again' }], 0)[0]!)).toThrow(/UNIQUE/);
    expect(() => store.deleteCase(c.id)).toThrow(/run in progress/);
    store.appendEvent(run.id, numbered(run.id, [{ type: 'done', status: 'completed' }], 100)[0]!);
    store.deleteCase(c.id);
    expect(db.prepare('SELECT COUNT(*) AS n FROM run_events').get()).toEqual({ n: 0 });
  });

  it('marks runs whose process died as interrupted, leaves live ones alone', () => {
    const { store } = openStore();
    const c = store.createCase(QUESTION);
    const dead = store.startRun(c.id, {}, 2 ** 22 + 12345);
    const live = store.startRun(c.id, {}, 4242);
    store.appendEvent(dead.id, numbered(dead.id, [{ type: 'run', provenance: completeRunDrafts()[0]!.provenance }])[0]!);
    expect(store.recoverInterrupted((pid) => pid === 4242)).toEqual([dead.id]);
    expect(store.getRun(dead.id).status).toBe('interrupted');
    expect(store.events(dead.id).map((e) => [e.seq, e.type])).toEqual([
      [0, 'run'],
      [1, 'done'],
    ]);
    expect(store.getRun(live.id).status).toBe('running');
    expect(store.getCase(c.id).status).toBe('interrupted');
  });

  it('after a real SIGKILL mid-run, reopening marks that run interrupted and leaves the completed case intact', async () => {
    const dataDir = tempDataDir('crash');
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'testing', 'crashing-run.ts'), dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('streaming')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited ${code} early: ${out}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const { completedCase, crashingCase } = JSON.parse(out.split('\n')[0]!) as { completedCase: string; crashingCase: string };

    const { store } = openStore(dataDir);
    const [crashed] = store.runsOf(crashingCase);
    expect(crashed!.status).toBe('running'); // nothing changes until the app starts again
    expect(store.recoverInterrupted()).toEqual([crashed!.id]);
    const after = store.openCase(crashingCase).runs[0]!;
    expect(after.status).toBe('interrupted');
    const seqs = after.events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i)); // gapless: every token written before the kill survived
    expect(after.events.filter((e) => e.type === 'token').length).toBeGreaterThanOrEqual(20);
    expect(after.events.at(-1)).toMatchObject({ type: 'done', status: 'interrupted' });

    const intact = store.openCase(completedCase);
    expect(intact.case.status).toBe('answered');
    expect(intact.runs[0]).toMatchObject({ status: 'completed', finalLetter: 'A' });
    expect(intact.runs[0]!.events).toHaveLength(completeRunDrafts().length + 1);
  });
});
