import { expect, test, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serveApp, type ServedApp } from '../test/support/cli.js';
import { api, DATA, ensureTestData, importPaths } from './support/viewer.js';

/**
 * Issue 15, acceptance 1 (and the SR half of 3): the worklist finds a patient by name, ID and accession number,
 * filters by modality and date, and lists a patient with several studies once; an SR from the test data opens as
 * readable text; with 10,000 studies only the rows in view are in the page. And the tag browser (issue 15): a tree for
 * sequences, the per-frame groups one frame at a time, the Value column in view.
 */
const PYDICOM = resolve('test-data/deb/python3-pydicom/usr/lib/python3/dist-packages/pydicom/data/test_files');
/** An MR parametric map: 20 frames, each with its own per-frame functional groups item. */
const PARAMAP = join(DATA.ctMatrix, 'paramap.dcm');
let app: ServedApp;

test.beforeAll(async () => {
  ensureTestData();
  app = await serveApp({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-e2e-worklist-')), args: ['--no-demo'] });
  // pydicom's DICOMDIR set: Doe^Peter has four studies (CT 2001, three MR 2003), Doe^Archibald two (CT 1995, CR 2001)
  const report = await importPaths(app, [join(PYDICOM, 'dicomdirtests', 'DICOMDIR'), join(PYDICOM, 'test-SR.dcm'), DATA.crChest, DATA.usEcho, PARAMAP]);
  expect(report.failures).toEqual([]);
});
test.afterAll(async () => {
  await app?.stop();
  if (app) rmSync(app.dataDir, { recursive: true, force: true });
});

const worklist = (page: Page) => page.getByTestId('worklist');
const patientRows = (page: Page) => worklist(page).getByTestId('worklist-patient');
const studyRows = (page: Page) => worklist(page).getByTestId('worklist-study');

async function search(page: Page, text: string): Promise<void> {
  await worklist(page).getByLabel('Search studies').fill(text);
}

test('finds a patient by name, ID and accession; one patient with several studies shows once', async ({ page }) => {
  await page.goto(app.url);
  await expect(studyRows(page).first()).toBeVisible();
  // Unfiltered: Doe^Peter is one patient with four studies, his name as people read it
  const peter = worklist(page).locator('[data-testid=worklist-patient][data-patient-key="98890234"]');
  await expect(peter).toHaveCount(1);
  await expect(peter).toContainText('Doe, Peter');
  await expect(peter).toContainText('4 studies');
  await expect(worklist(page)).not.toContainText('Doe^Peter');
  // every patient listed has a study: the count line and the list agree
  const { patients } = await api<{ patients: { studies: unknown[] }[] }>(app, 'studies.list');
  expect(patients.every((p) => p.studies.length > 0)).toBe(true);
  await expect(worklist(page).getByTestId('worklist-count')).toHaveText(`${patients.length} patients · ${patients.reduce((n, p) => n + p.studies.length, 0)} studies`);
  await page.screenshot({ path: 'e2e/screenshots/worklist-all.png' });

  await search(page, 'peter');
  await expect(patientRows(page)).toHaveCount(1);
  await expect(patientRows(page)).toHaveAttribute('data-patient-key', '98890234');
  await expect(studyRows(page)).toHaveCount(4);
  // dates as people read them, newest first
  await expect(studyRows(page).first()).toContainText('2003-05-05');
  await expect(studyRows(page).last()).toContainText('2001-01-01');

  await search(page, '77654033');
  await expect(patientRows(page)).toHaveCount(1);
  await expect(patientRows(page)).toContainText('Doe, Archibald');
  await expect(studyRows(page)).toHaveCount(2);

  await search(page, '428');
  await expect(studyRows(page)).toHaveCount(1);
  await expect(studyRows(page)).toContainText('Carotids');
  await expect(patientRows(page)).toContainText('Doe, Peter');
  await page.screenshot({ path: 'e2e/screenshots/worklist-accession.png' });

  await search(page, 'no such patient');
  await expect(worklist(page)).toContainText('No study matches.');
});

test('filters by modality and by study date', async ({ page }) => {
  await page.goto(app.url);
  await expect(studyRows(page).first()).toBeVisible();
  await worklist(page).getByLabel('Modality').selectOption('MR');
  await expect(studyRows(page)).toHaveCount(4); // Peter's three and the parametric map's
  for (const row of await studyRows(page).all()) await expect(row.locator('.study-mod')).toHaveText(/MR/);
  await expect(patientRows(page)).toHaveCount(2);
  await expect(worklist(page).locator('[data-testid=worklist-patient][data-patient-key="98890234"]')).toContainText('3 of 4 studies');

  await worklist(page).getByLabel('Modality').selectOption('');
  await worklist(page).getByLabel('Study date from').fill('2001-01-01');
  await worklist(page).getByLabel('Study date to').fill('2001-12-31');
  await expect(studyRows(page)).toHaveCount(2); // Peter's CT and Archibald's CR, both 2001-01-01
  for (const row of await studyRows(page).all()) await expect(row.locator('.study-date')).toHaveText('2001-01-01');
  await expect(patientRows(page)).toHaveCount(2);
  await page.screenshot({ path: 'e2e/screenshots/worklist-filtered.png' });
  await worklist(page).getByRole('button', { name: 'Clear' }).click();
  await expect(worklist(page).getByLabel('Study date from')).toHaveValue('');
});

test('a structured report from the test data opens as readable text', async ({ page }) => {
  await page.goto(app.url);
  await search(page, 'OFFIS Structured Reporting');
  await expect(studyRows(page)).toHaveCount(1);
  const item = worklist(page).getByTestId('sr-item');
  await expect(item).toContainText('Diagnosis');
  await item.click();
  const panel = page.getByTestId('sr-panel');
  await expect(panel.getByRole('heading', { name: 'Diagnosis' })).toBeVisible();
  const content = panel.getByTestId('sr-content');
  await expect(content).toContainText('A mass of');
  await expect(content).toContainText('was detected.');
  await expect(content).toContainText('Diameter');
  await panel.screenshot({ path: 'e2e/screenshots/worklist-sr.png' });
});

test('the tag browser shows sequences as a tree and the per-frame groups one frame at a time', async ({ page }) => {
  await page.goto(app.url);
  await search(page, 'QIN-PROSTATE-01-0001');
  await expect(studyRows(page)).toHaveCount(1);
  await worklist(page).getByTestId('series-item').first().click();
  await page.getByRole('button', { name: 'Tags', exact: true }).first().click();
  const tags = page.getByTestId('tag-browser');
  const perFrame = tags.locator('tr[data-tag="(5200,9230)"]');
  await expect(perFrame).toContainText('<sequence, 20 items>');
  const stackIndex = tags.locator('tr[data-tag="(0020,9157)"]'); // DimensionIndexValues, inside each frame's FrameContentSequence
  await expect(stackIndex).toHaveCount(0); // sequences start closed
  await perFrame.getByRole('button').click();
  await expect(tags.getByTestId('tag-frame-row')).toHaveCount(1); // one slider, not 20 blocks
  await tags.getByLabel('Frame number').fill('20');
  await tags.locator('tr[data-key="(5200,9230)[19].(0020,9111)"]').getByRole('button').click();
  await expect(stackIndex).toHaveCount(1);
  await expect(stackIndex.locator('.tag-value')).toHaveText('20');
  await tags.getByLabel('Per-frame groups: frame').fill('3');
  await expect(tags.locator('tr[data-key="(5200,9230)[2].(0020,9111)"]')).toHaveCount(1);
  await expect(tags.locator('tr[data-tag^="(FFFE"]')).toHaveCount(0);
  // The slider follows the frame on screen
  await page.getByTestId('viewport-vp0').click();
  await page.keyboard.press('End');
  await expect(page.getByTestId('viewport-vp0').locator('[data-field=frame]')).toHaveAttribute('data-index', '20');
  await expect(tags.getByLabel('Frame number')).toHaveValue('20');
  await page.keyboard.press('ArrowUp');
  await expect(tags.getByLabel('Frame number')).toHaveValue('19');
  await expect(tags.locator('tr[data-key="(5200,9230)[18].(0020,9111)"]')).toHaveCount(1);
  // The Value column stays inside the panel, wide enough to read
  const box = (await tags.boundingBox())!;
  const value = (await tags.locator('tr[data-tag="(0008,0060)"] .tag-value').boundingBox())!;
  expect(value.x + value.width).toBeLessThanOrEqual(box.x + box.width + 1);
  expect(value.width).toBeGreaterThan(50);
  await page.screenshot({ path: 'e2e/screenshots/worklist-tag-browser.png' });
});

test('with 10,000 studies only the rows in view are in the page, and the list scrolls to the last one', async ({ page }) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'medrwr-e2e-worklist-10k-'));
  const seed = spawnSync(process.execPath, ['node_modules/.bin/tsx', 'e2e/support/seed-worklist.ts', dataDir], { encoding: 'utf8' });
  expect(seed.status, seed.stderr).toBe(0);
  const big = await serveApp({ dataDir, args: ['--no-demo'] });
  try {
    await page.goto(big.url);
    const scroll = page.getByTestId('study-browser');
    await expect(worklist(page).getByTestId('worklist-count')).toContainText('2500 patients · 10000 studies');
    // 2,500 patient rows + 10,000 study rows to lay out; a few dozen in the DOM
    await expect(scroll).toHaveAttribute('data-rows', '12500');
    const inDom = await scroll.locator('.worklist-row').count();
    expect(inDom).toBeGreaterThan(5);
    expect(inDom).toBeLessThan(60);
    await scroll.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await expect(scroll.locator('.worklist-row[data-row="12499"]')).toBeVisible();
    expect(await scroll.locator('.worklist-row').count()).toBeLessThan(60);
    await search(page, 'SYNACC9999');
    await expect(studyRows(page)).toHaveCount(1);
    await page.screenshot({ path: 'e2e/screenshots/worklist-10k.png' });
  } finally {
    await big.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
