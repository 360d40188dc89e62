import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { CaseDetail } from '../api/cases.js';
import { buildTrace } from '../api/trace.js';
import type { AppContext } from '../app/context.js';
import { dispatch } from '../app/dispatch.js';
import { closeServices } from '../app/services.js';
import { checkDatabase, repairDatabase } from './check.js';
import { KEY_IMAGE, completeRunDrafts, numbered, testContext } from './testing/fixtures.js';

// Damage is written into a real app database the way it would arrive (a bad disk, an older or newer writer, a hand
// edit): rows the append-only log accepts (INSERT) or plain UPDATEs of the case and run columns.
const contexts: AppContext[] = [];
afterEach(async () => {
  for (const ctx of contexts.splice(0)) await closeServices(ctx);
});

function caseWithRun() {
  const ctx = testContext();
  contexts.push(ctx);
  const store = ctx.services.cases;
  const db = ctx.services.db;
  const c = store.createCase({ question: 'Which lesion?', options: [{ letter: 'A', text: 'Cyst' }, { letter: 'B', text: 'Metastasis' }], keyImages: [KEY_IMAGE], synthetic: true });
  const run = store.startRun(c.id, { rounds: 3 });
  const events = numbered(run.id, [...completeRunDrafts(), { type: 'done', status: 'completed' }]);
  for (const e of events) store.appendEvent(run.id, e);
  const addEvent = (seq: number, type: string, body: string) => db.prepare('INSERT INTO run_events (run_id, seq, type, at, body) VALUES (?, ?, ?, ?, ?)').run(run.id, seq, type, 1_700_000_000_999, body);
  return { ctx, store, db, c, run, events, addEvent, next: events.length };
}

const get = async (ctx: AppContext, caseId: string) => (await dispatch(ctx, 'cases.get', { caseId })) as CaseDetail;

describe('a damaged row costs only itself', () => {
  it('an event that is not JSON, of an unknown type, or of a known type with a bad field is read as a damaged event in its place', async () => {
    const { ctx, c, run, events, addEvent, next } = caseWithRun();
    addEvent(next, 'token', '{"type":"token","round":0,"te');
    addEvent(next + 1, 'hologram', JSON.stringify({ type: 'hologram', taskId: run.id, seq: next + 1, at: 1 }));
    addEvent(next + 2, 'token', JSON.stringify({ type: 'token', taskId: run.id, seq: next + 2, at: 1, round: 0, text: 'x', tokenId: 'seven', logprob: -1 }));
    addEvent(next + 3, 'notice', 'x'.repeat(5000));

    const detail = await get(ctx, c.id);
    const stored = detail.runs[0]!.events;
    expect(stored.slice(0, events.length)).toEqual(events);
    expect(stored.slice(events.length)).toEqual([
      expect.objectContaining({ type: 'damaged', seq: next, reason: expect.stringMatching(/^not JSON/), raw: '{"type":"token","round":0,"te' }),
      expect.objectContaining({ type: 'damaged', seq: next + 1, reason: 'unknown event type "hologram"' }),
      expect.objectContaining({ type: 'damaged', seq: next + 2, reason: expect.stringMatching(/^a "token" event with tokenId: /) }),
      expect.objectContaining({ type: 'damaged', seq: next + 3, raw: `${'x'.repeat(500)}… (5000 characters)` }),
    ]);

    // The trace shows each as a warning with the stored text, and the rest of the run as before.
    const trace = buildTrace(stored);
    expect(trace.finalLetter).toBe('A');
    const damaged = trace.items.filter((i) => i.kind === 'notice' && i.damaged);
    expect(damaged.map((i) => i.kind === 'notice' && [i.level, i.damaged!.seq])).toEqual([0, 1, 2, 3].map((k) => ['warning', next + k]));
    expect(damaged[1]).toMatchObject({ message: `Event ${next + 1} of this run is damaged and cannot be shown: unknown event type "hologram"` });
  });

  it("bad options, settings, provenance or timings JSON leave the case readable and say what was lost", async () => {
    const { ctx, db, c, run } = caseWithRun();
    db.prepare('UPDATE cases SET options = ? WHERE id = ?').run('[{"letter":"A","text":', c.id);
    db.prepare('UPDATE runs SET params = ?, provenance = ?, timings = ? WHERE id = ?').run('null', '{"model":{}}', '{"totalMs":"fast"}', run.id);

    const detail = await get(ctx, c.id);
    expect(detail.case.options).toEqual([]);
    expect(detail.runs[0]).toMatchObject({ params: {}, provenance: null, timings: null, finalLetter: 'A' });
    expect(detail.runs[0]!.events.some((e) => e.type === 'damaged')).toBe(false);
    expect(detail.damaged).toEqual([
      { record: "the case's options", reason: expect.stringMatching(/^not JSON/), raw: '[{"letter":"A","text":' },
      expect.objectContaining({ record: expect.stringMatching(/^the settings of the run/), raw: 'null' }),
      expect.objectContaining({ record: expect.stringMatching(/^the provenance of the run/), reason: expect.stringMatching(/^model\.id: /) }),
      expect.objectContaining({ record: expect.stringMatching(/^the timings of the run/), reason: expect.stringMatching(/^totalMs: /) }),
    ]);
    // The run's own log still has its provenance: the trace shows it.
    expect(buildTrace(detail.runs[0]!.events).provenance?.model.id).toBe('medrwr-tiny');
    // A case whose options are lost does not run on none; an edit of something else keeps the stored text; new
    // options replace it.
    await expect(dispatch(ctx, 'cases.run', { caseId: c.id })).rejects.toThrow(/cannot run: the case's options not JSON/);
    await dispatch(ctx, 'cases.update', { caseId: c.id, title: 'Renamed' });
    expect((await get(ctx, c.id)).damaged?.[0]).toMatchObject({ raw: '[{"letter":"A","text":' });
    await dispatch(ctx, 'cases.update', { caseId: c.id, options: [{ letter: 'A', text: 'Cyst' }] });
    expect((await get(ctx, c.id)).damaged?.map((d) => d.record)).not.toContain("the case's options");
  });
});

describe('db check', () => {
  it('reports every kind of damage, and --repair quarantines each whole and leaves the database reading clean', async () => {
    const { ctx, db, c, run, addEvent, next } = caseWithRun();
    const badBody = '{"type":"answer", oops';
    addEvent(next, 'answer', badBody);
    addEvent(next + 1, 'hologram', '{"type":"hologram"}');
    db.prepare('UPDATE cases SET options = ? WHERE id = ?').run('not json', c.id);
    db.prepare('UPDATE runs SET provenance = ?, inputs = ? WHERE id = ?').run('{"model":1}', '{"question":', run.id);

    const check = checkDatabase(db);
    expect(check.integrity).toEqual(['ok']);
    expect(check.damaged.map((d) => [d.table, d.column, d.repair])).toEqual([
      ['cases', 'options', 'options cleared (enter them again)'],
      ['runs', 'provenance', "provenance rebuilt from the run's log"],
      ['runs', 'inputs', null],
      ['run_events', 'body', 'event replaced by a "damaged" marker at the same seq'],
      ['run_events', 'body', 'event replaced by a "damaged" marker at the same seq'],
    ]);
    expect(check.damaged[3]).toMatchObject({ key: { run_id: run.id, seq: next }, caseId: c.id, runId: run.id, raw: badBody });

    const { repaired, left } = repairDatabase(db, 'tester');
    expect(repaired).toHaveLength(4);
    expect(left.map((d) => d.column)).toEqual(['inputs']);
    expect(checkDatabase(db).damaged.map((d) => d.column)).toEqual(['inputs']);
    // Nothing is lost: the quarantine holds each stored value whole; the audit log says what was done.
    const quarantined = db.prepare('SELECT table_name, column_name, raw FROM quarantine ORDER BY id').all();
    expect(quarantined).toEqual([
      { table_name: 'cases', column_name: 'options', raw: 'not json' },
      { table_name: 'runs', column_name: 'provenance', raw: '{"model":1}' },
      { table_name: 'run_events', column_name: 'body', raw: badBody },
      { table_name: 'run_events', column_name: 'body', raw: '{"type":"hologram"}' },
    ]);
    expect(() => db.prepare('DELETE FROM quarantine').run()).toThrow(/append-only/);
    expect(() => db.prepare('UPDATE run_events SET body = ? WHERE run_id = ?').run('{}', run.id)).toThrow(/append-only/);
    const audit = ctx.services.cases.auditLog(c.id).filter((a) => a.action === 'repair');
    expect(audit).toHaveLength(4);
    expect(audit[0]).toMatchObject({ user: 'tester', detail: expect.stringMatching(/^cases\.options .*quarantine #1\)$/) });

    const detail = await get(ctx, c.id);
    expect(detail.runs[0]!.provenance?.model.id).toBe('medrwr-tiny');
    expect(detail.runs[0]!.events.filter((e) => e.type === 'damaged').map((e) => e.seq)).toEqual([next, next + 1]);
    expect(detail.damaged).toBeUndefined();
  });

  it('medrwr db check: exit 1 with the damage listed, --repair, then exit 0; --json', async () => {
    const { ctx, addEvent, next } = caseWithRun();
    addEvent(next, 'token', 'garbage');
    await closeServices(ctx);
    const medrwr = (...args: string[]) => spawnSync(process.execPath, ['bin/medrwr.js', 'db', ...args, '--data-dir', ctx.dataDir], { encoding: 'utf8' });

    const json = medrwr('check', '--json');
    expect(json.status).toBe(1);
    const report = JSON.parse(json.stdout) as { integrity: string[]; damaged: { table: string; reason: string }[]; repaired: unknown[] };
    expect(report).toMatchObject({ integrity: ['ok'], damaged: [{ table: 'run_events', reason: expect.stringMatching(/^not JSON/) }], repaired: [] });

    const repair = medrwr('check', '--repair');
    expect(repair.stderr).toBe('');
    expect(repair.status).toBe(0);
    expect(repair.stdout).toMatch(/1 damaged value\(s\):\n {2}run_events\.body run_id=\S+ seq=\d+ \(case \S+\): not JSON/);
    expect(repair.stdout).toMatch(/repaired run_events\.body .*: event replaced by a "damaged" marker at the same seq; the stored text is in quarantine #1/);

    const clean = medrwr('check');
    expect(clean.status).toBe(0);
    expect(clean.stdout).toContain('No damaged rows.');
    expect(medrwr('vacuum').status).toBe(2);
  });
});
