import { expect, test, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveApp, type ServedApp } from '../test/support/cli.js';
import { withWrongOffsetTable } from '../main/dicom/testing/offset-tables.js';
import { api, compare, DATA, ensureTestData, imageRect, importPaths, readCanvas, regionMean, viewport, waitReady } from './support/viewer.js';

/**
 * Issue 15: measurements belong to the case (kept, drawn again after a reload, in the PDF report), and a multi-frame
 * JPEG whose Basic Offset Table is wrong still shows every frame. Web mode, real DICOM.
 */
const SHOTS = 'e2e/screenshots';
let work: string;
let app: ServedApp;

interface Series {
  seriesInstanceUid: string;
  modality: string;
  instanceCount: number;
}
interface Study {
  studyInstanceUid: string;
  series: Series[];
}
interface Instance {
  sopInstanceUid: string;
  frames: number;
  pixelSpacing: [number, number] | null;
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  ensureTestData();
  work = mkdtempSync(join(tmpdir(), 'medrwr-e2e-measure-'));
  app = await serveApp({ dataDir: join(work, 'data'), args: ['--no-demo'] });
  // The 96-frame XA rewritten with a wrong offset table (offsets that leave out the item headers).
  const xa = join(work, 'xa-wrong-offset-table.dcm');
  writeFileSync(xa, withWrongOffsetTable(readFileSync(DATA.xaCine)));
  const report = await importPaths(app, [DATA.mrSeries, xa]);
  expect(report.failures).toEqual([]);
  expect(report.imported).toBe(21);
});
test.afterAll(async () => {
  await app?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function studyWith(modality: string): Promise<{ study: Study; series: Series; instances: Instance[] }> {
  const { patients } = await api<{ patients: { studies: Study[] }[] }>(app, 'studies.list');
  for (const study of patients.flatMap((p) => p.studies)) {
    const series = study.series.find((s) => s.modality === modality);
    if (series) return { study, series, ...(await api<{ instances: Instance[] }>(app, 'series.instances', { seriesInstanceUid: series.seriesInstanceUid })) };
  }
  throw new Error(`no ${modality} series imported`);
}

async function openSeries(page: Page, uid: string): Promise<void> {
  await page.goto(app.url);
  await page.locator(`[data-testid=series-item][data-series-uid="${uid}"]`).click();
  await waitReady(page);
}

// First: the case the next test creates would be opened in the viewer on every later page load.
test('a multi-frame JPEG with a wrong offset table shows every frame in the viewer', async ({ page }) => {
  const { series } = await studyWith('XA');
  await openSeries(page, series.seriesInstanceUid);
  const first = await readCanvas(page);
  await expect(viewport(page).locator('[data-field=frame]')).toHaveAttribute('data-total', '96');
  await page.keyboard.press('End');
  await expect(viewport(page).locator('[data-field=frame]')).toHaveAttribute('data-index', '96');
  await expect(viewport(page)).toHaveAttribute('data-render-state', 'ready');
  const last = await readCanvas(page);
  // A real angiogram frame, and not the first one again (a misread table would repeat or fail frames).
  expect(regionMean(last, 0, 0, 1, 1)).toBeGreaterThan(10);
  expect(compare(first, last).mean).toBeGreaterThan(1);
  await page.screenshot({ path: `${SHOTS}/xa-wrong-offset-table.png` });
});

test('a length measurement is kept: listed and drawn again after a reload, and in the PDF report with value and unit', async ({ page }) => {
  const { study, series, instances } = await studyWith('MR');
  await openSeries(page, series.seriesInstanceUid);
  const sop = (await viewport(page).getAttribute('data-sop'))!;
  const spacing = instances.find((i) => i.sopInstanceUid === sop)!.pixelSpacing!;
  await page.keyboard.press('d'); // length (OHIF's key)
  const rect = await imageRect(page);
  const box = (await viewport(page).boundingBox())!;
  const at = (x: number, y: number) => ({ x: box.x + rect.x + (x * rect.width) / 256, y: box.y + rect.y + (y * rect.height) / 256 });
  // 140 pixels along a row of the 256² image.
  const [from, to] = [at(60, 128), at(200, 128)];
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 6 });
  await page.mouse.up();
  await page.getByRole('button', { name: 'Measurements', exact: true }).first().click();
  const row = page.getByTestId('measurements').locator('li[data-tool=Length]');
  await expect(row).toHaveCount(1);
  // Within a pixel of 140 pixels in the file's spacing (saved once the tool has measured the final position).
  await expect.poll(async () => Math.abs(Number(await row.getAttribute('data-value')) - 140 * spacing[1])).toBeLessThan(spacing[1]);
  const value = Number(await row.getAttribute('data-value'));
  await expect(row).toContainText(`${value.toFixed(2)} mm`);
  await expect(row).toContainText('image');
  const uid = (await row.getAttribute('data-uid'))!;
  await expect(viewport(page).locator(`svg [data-id^="${uid}"]`).first()).toBeAttached();

  // Stored with its study, series, image and frame.
  const listed = await api<{ measurements: { uid: string; seriesInstanceUid: string; sopInstanceUid: string; frame: number; unit: string }[] }>(app, 'measurements.list', { studyInstanceUid: study.studyInstanceUid });
  expect(listed.measurements).toEqual([expect.objectContaining({ uid, seriesInstanceUid: series.seriesInstanceUid, sopInstanceUid: sop, frame: 0, unit: 'mm' })]);

  // A reload: the panel lists it again and the line is drawn again on its image.
  await page.reload();
  await page.locator(`[data-testid=series-item][data-series-uid="${series.seriesInstanceUid}"]`).click();
  await waitReady(page);
  await page.getByRole('button', { name: 'Measurements', exact: true }).first().click();
  await expect(page.getByTestId('measurements').locator(`li[data-uid="${uid}"]`)).toContainText(`${value.toFixed(2)} mm`);
  await expect(viewport(page).locator(`svg [data-id^="${uid}"]`).first()).toBeAttached();
  await page.screenshot({ path: `${SHOTS}/measurements-after-reload.png` });

  // Another image of the stack does not show it; jumping from the panel brings it back.
  await page.keyboard.press('End');
  await expect(viewport(page).locator(`svg [data-id^="${uid}"]`)).toHaveCount(0);
  await page.getByTestId('measurements').locator(`li[data-uid="${uid}"] .m-jump`).click();
  await expect(viewport(page)).toHaveAttribute('data-sop', sop);
  await expect(viewport(page).locator(`svg [data-id^="${uid}"]`).first()).toBeAttached();

  // The case made from this image reports it: value, unit and where.
  const created = await api<{ id: string }>(app, 'cases.create', {
    question: 'Is the ventricle enlarged?',
    keyImages: [{ sopInstanceUid: sop, frame: 0, window: { center: 500, width: 1000 }, invert: false, studyInstanceUid: study.studyInstanceUid, seriesInstanceUid: series.seriesInstanceUid }],
  });
  const pdf = await api<{ data: string }>(app, 'reports.export', { caseId: created.id, format: 'pdf' });
  const file = join(work, 'report.pdf');
  writeFileSync(file, Buffer.from(pdf.data, 'base64'));
  const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
  expect(text).toMatch(new RegExp(`Length: ${value.toFixed(2).replace('.', '\\.')} mm \\(series \\d+ \\(MR[^)]*\\), image \\d+\\)`));
});
