import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeServices } from '../../app/services.js';
import { KEY_IMAGE, completeRunDrafts, numbered, testContext } from '../../cases/testing/fixtures.js';

function medrwr(args: string[]) {
  return spawnSync(process.execPath, ['bin/medrwr.js', ...args], { encoding: 'utf8' });
}

describe('medrwr report', () => {
  it('writes HTML, PDF and JSON for a stored case, and explains bad usage', async () => {
    const ctx = testContext();
    const store = ctx.services.cases;
    const c = store.createCase({ question: 'Which lesion?', options: [{ letter: 'A', text: 'Cyst' }], keyImages: [KEY_IMAGE], synthetic: true });
    const run = store.startRun(c.id, {});
    for (const e of numbered(run.id, [...completeRunDrafts(), { type: 'done', status: 'completed' }])) store.appendEvent(run.id, e);
    await closeServices(ctx);

    for (const format of ['html', 'pdf', 'json']) {
      const out = join(ctx.dataDir, `r.${format}`);
      const r = medrwr(['report', c.id, '--format', format, '--out', out, '--data-dir', ctx.dataDir, '--deidentify']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Wrote ${out}`);
      const head = readFileSync(out).subarray(0, 15).toString();
      expect(head).toMatch(format === 'pdf' ? /^%PDF-/ : format === 'html' ? /^<!doctype html>/ : /^\{/);
    }
    const list = medrwr(['report', '--list', '--data-dir', ctx.dataDir]);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${c.id}  answered\\s+1 run\\(s\\) A 86\\.0%  Which lesion\\? \\[synthetic\\]$`, 'm'));
    const bad = medrwr(['report', c.id, '--format', 'docx', '--out', '/tmp/x', '--data-dir', ctx.dataDir]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--format must be html, pdf, json or sr, not "docx"');
    const missing = medrwr(['report', 'no-such-case', '--format', 'html', '--out', '/tmp/x', '--data-dir', ctx.dataDir]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('No case "no-such-case"');
  });
});
