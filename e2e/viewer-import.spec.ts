import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serveApp, type ServedApp } from '../test/support/cli.js';
import { api, DATA, ensureTestData, largeFolder, type Report } from './support/viewer.js';

/**
 * Issue 6, acceptance 5 from the user's side: File → Open (the path field) shows progress, lists every file it
 * could not import with its reason, and a large import can be cancelled from the UI, which then says so.
 * (How fast a cancel stops is the back end's test; here the UI must show the progress and the cancelled state.)
 */
const PYDICOM = resolve('test-data/deb/python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/test_files');
let app: ServedApp;
let big: string | undefined;

test.beforeAll(async () => {
  ensureTestData();
  // --no-demo: these tests import their own studies into an empty workstation.
  app = await serveApp({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-e2e-viewer-import-')), args: ['--no-demo'] });
});
test.afterAll(async () => {
  await app?.stop();
  if (app) rmSync(app.dataDir, { recursive: true, force: true });
  if (big) rmSync(big, { recursive: true, force: true });
});

test('importing a folder lists each broken file with its reason and fills the study browser', async ({ page }) => {
  await page.goto(app.url);
  await expect(page.getByTestId('study-browser').or(page.getByText('No studies yet'))).toBeVisible();
  await page.getByLabel('Path to import').fill(PYDICOM);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const status = page.getByTestId('import-status');
  await expect(status).toHaveAttribute('data-state', 'completed', { timeout: 60_000 });
  await expect(status).toContainText(/Import complete: \d+ imported/);
  // The UI lists exactly the failures the import reports, each with a specific reason.
  const { patients } = await api<{ patients: unknown[] }>(app, 'studies.list');
  expect(patients.length).toBeGreaterThan(3);
  const failures = page.getByTestId('import-failures').locator('li');
  const summary = page.getByText(/\d+ files could not be imported/);
  if (!(await failures.first().isVisible())) await summary.click(); // long lists start folded
  await expect(failures.first()).toBeVisible();
  const listed = await failures.allTextContents();
  expect(listed.some((t) => t.startsWith('MR_truncated.dcm') && /truncat/i.test(t))).toBe(true);
  for (const t of listed) expect(t.split(' ').length, `reason missing in "${t}"`).toBeGreaterThan(2);
  // a long worklist shows its studies folded: the first one opens to its series on click
  await page.getByTestId('worklist-study').first().click();
  await expect(page.getByTestId('series-item').first()).toBeVisible();
  await page.screenshot({ path: 'e2e/screenshots/viewer-import-failures.png' });
});

test('a large import shows progress and can be cancelled from the UI', async ({ page }) => {
  // Hard links must stay on one file system, so the big folder lives beside the test data (git-ignored).
  mkdirSync('.cache', { recursive: true });
  big = mkdtempSync(resolve('.cache/e2e-viewer-import-'));
  const folder = largeFolder(big, resolve(DATA.mrSeries, readdirSync(DATA.mrSeries)[0]!), 6000);
  await page.goto(app.url);
  await page.getByLabel('Path to import').fill(folder);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const status = page.getByTestId('import-status');
  await expect(status).toHaveAttribute('data-state', 'running');
  // Progress from the task's events: "n / 6000 files" with n moving.
  await expect(status.locator('[data-field=progress]')).toContainText(/[1-9]\d* \/ 6000 files/, { timeout: 30_000 });
  await expect(status.locator('progress')).toHaveAttribute('value', /^(?!0$)\d/);
  await page.screenshot({ path: 'e2e/screenshots/viewer-import-progress.png' });
  await status.getByRole('button', { name: 'Cancel' }).click();
  await expect(status).toHaveAttribute('data-state', 'cancelled', { timeout: 10_000 });
  await expect(status).toContainText(/Import cancelled: .* \(\d+ of 6000 files\)/);
  const done = Number((await status.textContent())!.match(/\((\d+) of 6000/)![1]);
  expect(done).toBeLessThan(6000);
  // The import button is usable again and the server agrees the task was cancelled.
  await expect(page.getByRole('button', { name: 'Import', exact: true })).toBeEnabled();
  const taskReports = await api<Report & { cancelled: boolean }>(app, 'studies.importReport', { taskId: await taskIdOf(page) });
  expect(taskReports.cancelled).toBe(true);
  await page.screenshot({ path: 'e2e/screenshots/viewer-import-cancelled.png' });
});

async function taskIdOf(page: Page): Promise<string> {
  return (await page.getByTestId('import-status').getAttribute('data-task'))!;
}

test('files dropped on the import panel are uploaded and imported (web mode)', async ({ page }) => {
  await page.goto(app.url);
  const bytes = readFileSync('demo/studies/study-02-us.dcm').toString('base64');
  // A browser drop carries file contents, not paths: build one the way Chromium would deliver it.
  const drop = await page.evaluateHandle((b64) => {
    const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([raw], 'dropped.dcm', { type: 'application/dicom' }));
    return dt;
  }, bytes);
  await page.getByTestId('import-panel').dispatchEvent('drop', { dataTransfer: drop });
  const status = page.getByTestId('import-status');
  await expect(status).toHaveAttribute('data-state', 'completed', { timeout: 30_000 });
  await expect(status).toContainText(/Import complete: 1 imported/);
});
