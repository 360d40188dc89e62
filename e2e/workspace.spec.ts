import { expect, test, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { serveApp, type ServedApp } from '../test/support/cli.js';
import { stalledRetriever } from '../test/support/stalled-retriever.js';
import { smallestText } from './support/viewer.js';

/**
 * Issue 7's acceptance in web mode, on the bundled demo (demo/cases.json, models/medrwr-tiny, kb/demo/index): a fresh
 * data directory opens on the demo case exactly as a newcomer sees it.
 */
const SHOTS = 'e2e/screenshots';

const dataDir = mkdtempSync(join(tmpdir(), 'medrwr-e2e-workspace-'));
let app: ServedApp;

const api = <T = Record<string, unknown>>(method: string, params: unknown = {}): Promise<T> => app.call<T>(method, params);

/** Samples the trace's token count every animation frame from before Run until the run ends (runs in the page). */
const SAMPLE_TOKENS = `new Promise((done) => {
  const samples = [];
  const tick = () => {
    const el = document.querySelector('[data-testid=trace]');
    samples.push(Number(el?.dataset.tokens ?? 0));
    if (el && el.dataset.status !== 'running' && samples.some((n) => n > 0)) done(samples);
    else requestAnimationFrame(tick);
  };
  tick();
})`;
function sampleTokens(page: Page): Promise<number[]> {
  return page.evaluate(SAMPLE_TOKENS) as Promise<number[]>;
}

test.describe.serial('reasoning workspace', () => {
  test.beforeAll(async () => {
    app = await serveApp({ dataDir });
  });
  test.afterAll(() => app?.stop());

  test('1. ask a multiple-choice question on a marked key image: the trace streams, then the answer', async ({ page }) => {
    await page.goto(app.url);
    await expect(page.getByText('Decision support, not for primary diagnosis').first()).toBeVisible();
    const workspace = page.getByTestId('workspace');
    await expect(workspace.locator('.badge-synthetic').first()).toBeVisible();
    // Open a demo study from the browser and mark its image as this question's key image.
    await workspace.getByRole('button', { name: 'Clear' }).click();
    await expect(workspace.getByTestId('key-image')).toHaveCount(0);
    await page.getByTestId('series-item').nth(4).click();
    await expect(page.locator('[data-render-state=ready]').first()).toBeVisible({ timeout: 30_000 });
    await expect(page.getByText('ultrasound study 5').last()).toBeVisible();
    await page.getByRole('button', { name: 'Mark key image' }).click();
    await expect(workspace.getByTestId('key-image')).toHaveCount(1);
    await page.screenshot({ path: `${SHOTS}/workspace-question.png` });
    const samples = sampleTokens(page);
    await workspace.getByTestId('run-button').click();
    const seen = await samples;
    // Incremental: the page showed the trace at several sizes on its way to the final one, not all at once.
    const distinct = [...new Set(seen.filter((n) => n > 0))];
    expect(distinct.length, `token counts seen: ${distinct.slice(0, 20).join(',')}`).toBeGreaterThanOrEqual(3);
    expect(distinct).toEqual([...distinct].sort((a, b) => a - b));
    const trace = workspace.getByTestId('trace');
    await expect(trace).toHaveAttribute('data-status', 'completed');
    await expect(trace.getByTestId('reasoning-text').first()).not.toBeEmpty();
    await expect(workspace.getByTestId('provenance')).toContainText('medrwr-tiny');
    await expect(workspace.getByTestId('provenance')).toContainText('EP cpu');
    await expect(trace.getByTestId('query-chip').first()).toBeVisible();
    await expect(trace.getByTestId('evidence-group').first().getByTestId('evidence-card')).toHaveCount(3);
    await expect(trace.getByTestId('answer-card').last()).toBeVisible();
    await expect(trace.getByTestId('confidence').last()).toHaveAttribute('data-value', /^0?\.\d+|^1$/);
    // Readable type everywhere a clinician reads the result: trace, evidence scores, answer, provenance, studies list.
    expect(await smallestText(workspace)).toBeGreaterThanOrEqual(12);
    expect(await smallestText(page.getByTestId('panel-studies'))).toBeGreaterThanOrEqual(12);
    await page.screenshot({ path: `${SHOTS}/workspace-answer.png`, fullPage: true });
  });

  test('2. an ambiguous demo case shows the CDIR alert with both confidences and the reference image', async ({ page }) => {
    await page.goto(app.url);
    const workspace = page.getByTestId('workspace');
    await workspace.getByRole('tab', { name: 'History' }).click();
    await workspace.getByTestId('case-row').filter({ hasText: /ambiguous/i }).first().getByRole('button').first().click();
    await workspace.getByTestId('run-button').click();
    const alert = workspace.getByTestId('cdir-alert');
    await expect(alert).toBeVisible({ timeout: 60_000 });
    await expect(alert.getByTestId('cdir-reference').locator('img')).toHaveAttribute('src', /^data:image\/png;base64,/);
    await expect(workspace.getByTestId('trace')).toHaveAttribute('data-status', 'completed');
    await expect(alert.getByTestId('cdir-before')).toContainText('%');
    await expect(alert.getByTestId('cdir-after')).toContainText('%');
    await expect(alert.getByTestId('cdir-changed')).toHaveText(/changed|unchanged/);
    await page.screenshot({ path: `${SHOTS}/workspace-cdir.png`, fullPage: true });
  });

  test('3. export HTML and PDF with the answer, evidence and provenance; de-identified ones hold no patient name or ID', async ({ page }) => {
    await page.goto(app.url);
    const workspace = page.getByTestId('workspace');
    await expect(workspace.getByTestId('trace')).toHaveAttribute('data-status', 'completed');
    // The patient of the reported case's key image, from its own DICOM header.
    const { cases } = await api<{ cases: { id: string }[] }>('cases.list');
    const shown = await api<{ case: { keyImages: { sopInstanceUid: string }[] } }>('cases.get', { caseId: cases[0]!.id, audit: false });
    const { tags } = await api<{ tags: { tag: string; value: string }[] }>('instances.tags', { sopInstanceUid: shown.case.keyImages[0]!.sopInstanceUid });
    const tag = (t: string) => tags.find((x) => x.tag === t)?.value.trim() ?? '';
    const patient = { name: tag('(0010,0010)'), patientId: tag('(0010,0020)') };
    expect(patient.patientId).not.toBe('');
    const save = async (format: 'HTML' | 'PDF', name: string) => {
      const download = page.waitForEvent('download');
      await workspace.getByTestId('export').getByRole('button', { name: format }).click();
      const file = join(dataDir, name);
      await (await download).saveAs(file);
      return format === 'PDF' ? pdfText(file) : readFileSync(file, 'utf8');
    };
    const html = await save('HTML', 'report.html');
    const pdf = await save('PDF', 'report.pdf');
    for (const doc of [html, pdf]) {
      expect(doc).toContain('Decision support, not for primary diagnosis');
      expect(doc).toContain('medrwr-tiny'); // provenance
      expect(doc).toContain('Model sha256');
      expect(doc).toContain(patient.patientId);
      expect(doc).toMatch(/\[1\] .*passage /); // the first evidence passage, cited
      expect(doc).toMatch(/Answer/);
    }
    await workspace.getByLabel('de-identify').check();
    const deidHtml = await save('HTML', 'report-deid.html');
    const deidPdf = await save('PDF', 'report-deid.pdf');
    for (const raw of [deidHtml, deidPdf]) {
      // Embedded images are base64, where any short word can turn up by chance: check the text only.
      const doc = raw.replace(/data:[^"')\s]+/g, '');
      expect(doc).not.toContain(patient.patientId);
      for (const part of patient.name.split('^').filter((p) => p.length >= 3)) expect(doc).not.toContain(part);
      expect(doc).toContain('ANONYMOUS');
    }
    const audit = workspace.getByTestId('audit-log');
    await audit.getByText('Audit log').click();
    await expect(audit.locator('tr').filter({ hasText: 'export' })).toHaveCount(4);
    await expect(audit.locator('tr').filter({ hasText: 'run' }).first()).toContainText(userInfo().username);
    await page.screenshot({ path: `${SHOTS}/workspace-export.png` });
  });

  test('5. re-run with other settings; cancel stops it within a second and the case records it as cancelled', async ({ page }) => {
    // The demo model answers in well under a second; a retriever that never answers keeps this run in flight.
    const stalled = await stalledRetriever();
    const localKb = (await api<{ kb: unknown }>('settings.get')).kb;
    await api('settings.set', { kb: { kind: 'remote', url: stalled.url } });
    onCleanup(async () => {
      await api('settings.set', { kb: localKb });
      await stalled.close();
    });
    await page.goto(app.url);
    const workspace = page.getByTestId('workspace');
    await expect(workspace.getByTestId('run-button')).toBeEnabled();
    await workspace.getByText("This run's settings").click();
    await workspace.getByLabel('k', { exact: true }).fill('2');
    await workspace.getByLabel('CDIR threshold', { exact: true }).fill('0.5');
    await workspace.getByTestId('run-button').click();
    await expect(workspace.getByTestId('trace').or(workspace.getByTestId('workspace-error'))).toBeVisible();
    await expect(workspace.getByTestId('workspace-error')).toHaveCount(0);
    await expect(workspace.getByTestId('trace')).toHaveAttribute('data-status', 'running');
    await expect(workspace.getByTestId('trace')).not.toHaveAttribute('data-tokens', '0');
    await expect.poll(() => stalled.queries(), { timeout: 30_000 }).toBeGreaterThan(0); // waiting on its evidence
    const cancel = workspace.getByTestId('cancel-button');
    const t0 = Date.now();
    await cancel.click();
    await expect(workspace.getByTestId('run-status')).toHaveAttribute('data-status', 'cancelled');
    await expect(workspace.getByTestId('runs-picker').getByRole('button').last()).toContainText('cancelled');
    await page.screenshot({ path: `${SHOTS}/workspace-cancelled.png` });
    const { cases } = await api<{ cases: { id: string }[] }>('cases.list');
    const detail = await api<{ runs: { status: string; params: Record<string, unknown>; events: { type: string; at: number }[] }[] }>('cases.get', { caseId: cases[0]!.id });
    const run = detail.runs.at(-1)!;
    expect(run).toMatchObject({ status: 'cancelled', params: { k: 2, cdirThreshold: 0.5 } });
    // Stopped within a second of the click: the run's last event (its `done`, stamped by the server; same clock) and
    // nothing after it.
    const last = run.events.at(-1)!;
    expect(last).toMatchObject({ type: 'done', status: 'cancelled' });
    expect(last.at - t0).toBeLessThan(1000);
    expect(detail.runs[0]!.params).toMatchObject({ k: 3, cdirThreshold: 0.8 });
  });

  test('4. reload and restart keep the case and its runs; a SIGKILL mid-run leaves that run interrupted and the rest intact', async ({ page }) => {
    await page.goto(app.url);
    const workspace = page.getByTestId('workspace');
    await page.reload();
    await expect(workspace.getByTestId('trace')).toHaveAttribute('data-status', 'cancelled'); // the latest run, as stored
    await workspace.getByRole('tab', { name: 'History' }).click();
    await expect(workspace.getByTestId('case-row').first()).toContainText('2 runs');

    // Kill the server during a run (held in flight by a retriever that never answers).
    const stalled = await stalledRetriever();
    const localKb = (await api<{ kb: unknown }>('settings.get')).kb;
    await api('settings.set', { kb: { kind: 'remote', url: stalled.url } });
    await page.reload();
    await workspace.getByRole('tab', { name: 'Case' }).click();
    await workspace.getByTestId('run-button').click();
    await expect(workspace.getByTestId('trace').or(workspace.getByTestId('workspace-error'))).toBeVisible();
    await expect(workspace.getByTestId('workspace-error')).toHaveCount(0);
    await expect(workspace.getByTestId('trace')).toHaveAttribute('data-status', 'running');
    await expect(workspace.getByTestId('trace')).not.toHaveAttribute('data-tokens', '0');
    await expect.poll(() => stalled.queries(), { timeout: 30_000 }).toBeGreaterThan(0);
    await app.stop('SIGKILL');
    await stalled.close();
    app = await serveApp({ dataDir });
    await api('settings.set', { kb: localKb });
    await page.goto(app.url);
    await expect(workspace.getByTestId('run-status')).toHaveAttribute('data-status', 'interrupted');
    const { cases } = await api<{ cases: { id: string }[] }>('cases.list');
    const detail = await api<{ runs: { status: string; events: { type: string }[] }[] }>('cases.get', { caseId: cases[0]!.id });
    expect(detail.runs.map((r) => r.status)).toEqual(['completed', 'cancelled', 'interrupted']);
    const completed = detail.runs[0]!;
    expect(completed.events.at(-1)).toMatchObject({ type: 'done', status: 'completed' });
    expect(completed.events.some((e) => e.type === 'summary')).toBe(true);
    await workspace.getByTestId('runs-picker').getByRole('button').first().click();
    await expect(workspace.getByTestId('trace')).toHaveAttribute('data-status', 'completed');
    await page.screenshot({ path: `${SHOTS}/workspace-interrupted.png`, fullPage: true });
  });

  test('settings refuse an invalid value with the reason and keep a valid one; history finds a case by its words', async ({ page }) => {
    await page.goto(app.url);
    const workspace = page.getByTestId('workspace');
    await workspace.getByRole('tab', { name: 'Settings' }).click();
    const form = workspace.getByTestId('settings-panel');
    await form.locator('input[name=rounds]').fill('5');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await expect(form.getByTestId('settings-message')).toContainText('rounds must be 1 to 3');
    await page.screenshot({ path: `${SHOTS}/workspace-settings-refused.png` });
    await form.locator('input[name=rounds]').fill('2');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await expect(form.getByTestId('settings-message')).toHaveText('Saved.');
    expect((await api<{ rounds: number }>('settings.get')).rounds).toBe(2);

    await workspace.getByRole('tab', { name: 'History' }).click();
    const history = workspace.getByTestId('case-history');
    await history.getByLabel('Search cases').fill('no-such-words');
    await expect(history.getByTestId('case-row')).toHaveCount(0);
    await history.getByLabel('Search cases').fill('demo');
    await expect(history.getByTestId('case-row').first()).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/workspace-history.png` });
  });
});

/** Runs after the current test whatever its outcome (Playwright has no per-test finally hook outside fixtures). */
const cleanups: (() => Promise<void>)[] = [];
function onCleanup(fn: () => Promise<void>): void {
  cleanups.push(fn);
}
test.afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function pdfText(file: string): string {
  const r = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  if (r.error) throw new Error(`pdftotext is needed (apt-get install poppler-utils): ${r.error.message}`);
  return r.stdout;
}
