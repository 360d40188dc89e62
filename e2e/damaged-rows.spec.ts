import { expect, test } from '@playwright/test';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveApp, type ServedApp } from '../test/support/cli.js';

/**
 * Issue 18: one damaged row does not make a case unreadable. A case is damaged in the app database behind the running
 * server's back (its options not JSON, one event of its run not JSON); the workspace still opens it, with the run's
 * trace around a "damaged" line that shows the stored text, and the lost options named above the question.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'medrwr-e2e-damaged-'));
let app: ServedApp;

const api = <T = Record<string, unknown>>(method: string, params: unknown = {}): Promise<T> => app.call<T>(method, params);

test.beforeAll(async () => {
  app = await serveApp({ dataDir });
});
test.afterAll(() => app?.stop());

test('a case with a damaged event and damaged options opens, showing both as damaged', async ({ page }) => {
  await api('cases.ensureDemo');
  const c = await api<{ id: string }>('cases.create', { question: 'Which lesion is it?', options: [{ letter: 'A', text: 'Cyst' }, { letter: 'B', text: 'Mass' }] });
  const db = new Database(join(dataDir, 'medrwr.sqlite'));
  try {
    const runId = 'run-damaged-1';
    const at = Date.now();
    const event = (seq: number, body: Record<string, unknown>) => ({ seq, type: body.type as string, body: JSON.stringify({ taskId: runId, seq, at, ...body }) });
    const rows = [
      event(0, { type: 'token', round: 0, text: '<think> The lesion', tokenId: 1, logprob: -0.1 }),
      { seq: 1, type: 'token', body: '{"type":"token","round":0,"text":" is' },
      event(2, { type: 'token', round: 0, text: ' round </think>', tokenId: 3, logprob: -0.1 }),
      event(3, { type: 'done', status: 'completed' }),
    ];
    db.transaction(() => {
      const later = new Date(Date.now() + 60_000).toISOString();
      db.prepare("INSERT INTO runs (id, case_id, status, params, inputs, owner_pid, started_at, ended_at) VALUES (?, ?, 'completed', '{}', ?, 1, ?, ?)").run(
        runId, c.id, JSON.stringify({ question: 'Which lesion is it?', options: [], keyImages: [] }), later, later,
      );
      for (const r of rows) db.prepare('INSERT INTO run_events (run_id, seq, type, at, body) VALUES (?, ?, ?, ?, ?)').run(runId, r.seq, r.type, at, r.body);
      db.prepare("UPDATE cases SET options = '[{\"letter\":\"A\",', status = 'answered', updated_at = ? WHERE id = ?").run(later, c.id);
    })();
  } finally {
    db.close();
  }

  await page.goto(app.url);
  const workspace = page.getByTestId('workspace');
  await expect(workspace.locator('.case-name')).toHaveText('Which lesion is it?');
  const trace = workspace.getByTestId('trace');
  await expect(trace).toHaveAttribute('data-status', 'completed');
  const damaged = trace.getByTestId('damaged-event');
  await expect(damaged).toHaveCount(1);
  await expect(damaged).toContainText('Event 1 of this run is damaged and cannot be shown: not JSON');
  await expect(damaged).toContainText('{"type":"token","round":0,"text":" is');
  await expect(trace.getByTestId('reasoning-text').first()).toContainText('The lesion');
  await expect(trace.getByTestId('reasoning-text').last()).toContainText('round');
  await expect(workspace.getByTestId('damaged-record')).toContainText("Damaged in the database, not shown: the case's options (not JSON");
  await page.screenshot({ path: 'e2e/screenshots/workspace-damaged-rows.png' });
});
