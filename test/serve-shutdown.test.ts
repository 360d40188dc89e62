import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveApp, type ServedApp } from './support/cli.js';
import { stalledRetriever } from './support/stalled-retriever.js';

// An ordered shutdown: Ctrl-C of `medrwr serve` during a run stops taking calls, ends the run as `interrupted` (not
// `failed` because its engine or knowledge base closed under it), closes the rest, and exits 0 promptly.
let app: ServedApp | undefined;
afterAll(() => app?.stop('SIGKILL'));

const api = <T,>(method: string, params: unknown = {}): Promise<T> => app!.call<T>(method, params);

describe('SIGINT to medrwr serve during a run', () => {
  it('records the run interrupted, keeps the database consistent and exits 0 within 5 s', { timeout: 180_000 }, async () => {
    app = await serveApp();
    const stalled = await stalledRetriever();
    try {
      await api('cases.ensureDemo');
      await api('settings.set', { kb: { kind: 'remote', url: stalled.url } });
      const { cases } = await api<{ cases: { id: string }[] }>('cases.list');
      const { runId } = await api<{ runId: string }>('cases.run', { caseId: cases[0]!.id });
      // The model has loaded, queried the knowledge base, and now waits on its evidence: a run in flight.
      await expect.poll(() => stalled.queries(), { timeout: 90_000 }).toBeGreaterThan(0);
      const t0 = Date.now();
      const exited = new Promise<number | null>((resolve) => app!.child.once('exit', (code) => resolve(code)));
      process.kill(app.child.pid!, 'SIGINT');
      expect(await exited).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5000);

      const db = new Database(join(app.dataDir, 'medrwr.sqlite'), { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(db.prepare('SELECT status, error FROM runs WHERE id = ?').get(runId)).toEqual({ status: 'interrupted', error: null });
        const events = db.prepare('SELECT type, body FROM run_events WHERE run_id = ? ORDER BY seq').all(runId) as { type: string; body: string }[];
        expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
        expect(events.filter((e) => e.type === 'error')).toEqual([]);
        expect(JSON.parse(events.at(-1)!.body)).toMatchObject({ type: 'done', status: 'interrupted' });
      } finally {
        db.close();
      }
    } finally {
      await stalled.close();
    }
  });
});
