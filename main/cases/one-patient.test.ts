import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../api/events.js';
import { dispatch } from '../app/dispatch.js';
import { closeServices } from '../app/services.js';
import { projectRoot } from '../app/paths.js';
import { CaseStore } from './store.js';
import { completeRunDrafts, numbered, testContext } from './testing/fixtures.js';

// A case belongs to one patient: checked through the contract on real imported studies (each demo study is its own
// patient: the same synthetic name, different Patient IDs) and the real studies database.
const ctx = testContext();
afterAll(() => closeServices(ctx));
const call = (name: string, params: unknown) => dispatch(ctx, name, params) as Promise<Record<string, unknown>>;

async function importDemo(): Promise<{ sop: string; patientId: string }[]> {
  const files = ['study-05-us.dcm', 'study-08-us.dcm'].map((f) => join(projectRoot(), 'demo/studies', f));
  const { taskId } = await call('studies.import', { paths: files });
  await new Promise<void>((resolve) => {
    const off = ctx.events.subscribe((e: AppEvent) => {
      if (e.taskId === taskId && e.type === 'done') {
        off();
        resolve();
      }
    });
  });
  const { patients } = (await call('studies.list', {})) as unknown as { patients: { patientId: string; studies: { series: { seriesInstanceUid: string }[] }[] }[] };
  const out = [];
  for (const p of patients) {
    const { instances } = (await call('series.instances', { seriesInstanceUid: p.studies[0]!.series[0]!.seriesInstanceUid })) as unknown as { instances: { sopInstanceUid: string }[] };
    out.push({ sop: instances[0]!.sopInstanceUid, patientId: p.patientId });
  }
  return out.sort((a, b) => a.patientId.localeCompare(b.patientId));
}

const key = (sop: string) => ({ sopInstanceUid: sop, frame: 0, window: { center: 127.5, width: 256 }, invert: false });
const QUESTION = { question: 'Which condition?', options: [{ letter: 'A', text: 'Varnel cyst' }, { letter: 'B', text: 'Rowbeck nodule' }] };

describe('one patient per case', () => {
  it('refuses key images of two patients, ties a case to its patient, and flags a mixed case an older app left', { timeout: 120_000 }, async () => {
    const [p5, p8] = await importDemo();
    expect(p5!.patientId).not.toBe(p8!.patientId);

    await expect(call('cases.create', { ...QUESTION, keyImages: [key(p5!.sop), key(p8!.sop)] })).rejects.toThrow(
      `A case holds one patient's images; these belong to DEMO, SYNTHETIC (ID ${p5!.patientId}) and DEMO, SYNTHETIC (ID ${p8!.patientId}). Start a new case for the other patient.`,
    );
    const c = await call('cases.create', { ...QUESTION, keyImages: [key(p5!.sop)] });
    expect(c).toMatchObject({ patient: { patientId: p5!.patientId, name: 'DEMO^SYNTHETIC' }, problem: null });
    expect((c.studies as string[]).length).toBe(1);
    await expect(call('cases.update', { caseId: c.id, keyImages: [key(p5!.sop), key(p8!.sop)] })).rejects.toThrow(/these belong to/);

    // Once it has run, the case stays its patient's: swapping in another patient's image is refused too.
    const store = new CaseStore(ctx.services.db);
    const run = store.startRun(c.id as string, {});
    for (const e of numbered(run.id, [...completeRunDrafts(), { type: 'done', status: 'completed' }])) store.appendEvent(run.id, e);
    await expect(call('cases.update', { caseId: c.id, keyImages: [key(p8!.sop)] })).rejects.toThrow(/these belong to DEMO, SYNTHETIC \(ID .*\) and DEMO, SYNTHETIC/);

    // An older database: a case whose images span two patients, written without the check.
    const mixed = store.createCase({ ...QUESTION, keyImages: [key(p5!.sop), key(p8!.sop)], synthetic: false });
    const got = (await call('cases.get', { caseId: mixed.id })) as { case: { problem: string | null } };
    expect(got.case.problem).toMatch(/^This case holds images of 2 patients \(DEMO, SYNTHETIC \(ID .*\); DEMO, SYNTHETIC \(ID .*\)\)\. It is kept as it is, but it cannot be run or reported/);
    await expect(call('cases.run', { caseId: mixed.id })).rejects.toThrow(/holds images of 2 patients/);
    const listed = ((await call('cases.list', {})) as { cases: { id: string; problem: string | null }[] }).cases.find((x) => x.id === mixed.id);
    expect(listed?.problem).toMatch(/2 patients/);
    // Found at start and flagged in the audit log once, not fixed.
    const fresh = new CaseStore(ctx.services.db, 'tester', (sop) => (sop === p5!.sop ? { key: 'a', patientId: 'A', name: 'X', studyUid: 's1' } : sop === p8!.sop ? { key: 'b', patientId: 'B', name: 'Y', studyUid: 's2' } : undefined));
    expect(fresh.flagMixedCases()).toContain(mixed.id);
    fresh.flagMixedCases();
    expect(fresh.auditLog(mixed.id).filter((e) => e.action === 'flag')).toHaveLength(1);
    expect(fresh.getCase(mixed.id).keyImages).toHaveLength(2);
  });

  it('records a review of a finished run, append-only and audited, and refuses an unfinished one', { timeout: 60_000 }, async () => {
    const store = new CaseStore(ctx.services.db);
    const c = store.createCase({ ...QUESTION, keyImages: [], synthetic: true });
    const run = store.startRun(c.id, {});
    await expect(call('cases.review', { caseId: c.id, runId: run.id, verdict: 'agree' })).rejects.toThrow('Only a finished run can be reviewed; this run is running.');
    for (const e of numbered(run.id, [...completeRunDrafts(), { type: 'done', status: 'completed' }])) store.appendEvent(run.id, e);
    await expect(call('cases.review', { caseId: c.id, runId: run.id, verdict: 'edit', note: 'x' })).rejects.toThrow(/an edit needs the corrected answer/);
    await expect(call('cases.review', { caseId: c.id, runId: run.id, verdict: 'disagree' })).rejects.toThrow(/say why you disagree/);
    const r = await call('cases.review', { caseId: c.id, runId: run.id, verdict: 'edit', editedAnswer: 'B. Rowbeck nodule', note: 'Posterior enhancement.' });
    expect(r).toMatchObject({ verdict: 'edit', editedAnswer: 'B. Rowbeck nodule', note: 'Posterior enhancement.' });
    const detail = (await call('cases.get', { caseId: c.id })) as { reviews: unknown[] };
    expect(detail.reviews).toEqual([r]);
    const audit = (await call('cases.audit', { caseId: c.id })) as { entries: { action: string; detail: string }[] };
    expect(audit.entries.find((e) => e.action === 'review')?.detail).toBe('edit: B. Rowbeck nodule (Posterior enhancement.)');
    expect(() => ctx.services.db.prepare('UPDATE reviews SET verdict = ? WHERE id = ?').run('agree', r.id)).toThrow(/append-only/);
    expect(((await call('cases.list', {})) as { cases: { id: string; lastReview: string | null }[] }).cases.find((x) => x.id === c.id)?.lastReview).toBe('edit');
    // Deleting the case takes its reviews with it (the audit log keeps what happened).
    await call('cases.delete', { caseId: c.id });
    expect(ctx.services.db.prepare('SELECT COUNT(*) AS n FROM reviews WHERE case_id = ?').get(c.id)).toEqual({ n: 0 });
  });
});
