import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import dicomParser from 'dicom-parser';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveApp, type ServedApp } from '../test/support/cli.js';
import {
  api,
  compare,
  compareRegistered,
  counter,
  DATA,
  distinctCtMatrix,
  ensureTestData,
  imageRect,
  importPaths,
  pngGray,
  readCanvas,
  regionMean,
  sampleAtImagePixels,
  spread,
  viewport,
  waitReady,
} from './support/viewer.js';

/**
 * Issue 6's viewer acceptance in web mode, on real DICOM (scripts/fetch-test-data). Pixel checks read the
 * viewport's own canvas. Chromium here gives WebGL through SwiftShader; `?render=cpu` pins Cornerstone's CPU
 * path, and the pixel checks run on both.
 */
const SHOTS = 'e2e/screenshots';
let work: string;
let app: ServedApp;

interface Instance {
  sopInstanceUid: string;
  transferSyntax: string;
  rows: number;
  columns: number;
  pixelSpacing: [number, number] | null;
  photometric: string;
}
interface Series {
  seriesInstanceUid: string;
  modality: string;
  description: string;
  instanceCount: number;
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(240_000);
  ensureTestData();
  work = mkdtempSync(join(tmpdir(), 'medrwr-e2e-viewer-'));
  // --no-demo: these tests import their own studies into an empty workstation.
  app = await serveApp({ dataDir: join(work, 'data'), args: ['--no-demo'] });
  const matrix = distinctCtMatrix(join(work, 'ct-matrix'));
  const report = await importPaths(app, [...matrix, DATA.ctJ2k, DATA.crChest, DATA.usEcho, DATA.xaCine, DATA.mrSeries]);
  expect(report.failures).toEqual([]);
  expect(report.imported).toBe(matrix.length + 4 + 20);
});
test.afterAll(async () => {
  await app?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function seriesWhere(pred: (s: Series) => boolean): Promise<{ series: Series; instances: Instance[] }> {
  const { patients } = await api<{ patients: { studies: { series: Series[] }[] }[] }>(app, 'studies.list');
  const series = patients.flatMap((p) => p.studies.flatMap((s) => s.series)).find(pred);
  if (!series) throw new Error('series not imported');
  const { instances } = await api<{ instances: Instance[] }>(app, 'series.instances', { seriesInstanceUid: series.seriesInstanceUid });
  return { series, instances };
}

async function open(page: Page, uid: string, renderPath: 'gpu' | 'cpu'): Promise<void> {
  await page.goto(renderPath === 'cpu' ? `${app.url}&render=cpu` : app.url);
  await expect(page.getByTestId('render-path')).toHaveAttribute('data-path', renderPath);
  await page.locator(`[data-testid=series-item][data-series-uid="${uid}"]`).click();
  await waitReady(page);
}

let sopShown = '';
/** Shows stack position `index` (Home, then arrow-down) and notes which instance the viewport says it shows. */
async function goTo(page: Page, index: number): Promise<void> {
  await page.keyboard.press('Home');
  for (let i = 0; i < index; i++) await page.keyboard.press('ArrowDown');
  await expect(viewport(page).locator('[data-field=slice]')).toHaveAttribute('data-index', String(index + 1));
  await expect(viewport(page)).toHaveAttribute('data-render-state', 'ready');
  sopShown = (await viewport(page).getAttribute('data-sop'))!;
}

/** The stack position of an instance, found by stepping through (the viewer's order is the API's, ties included). */
async function indexOf(page: Page, instance: Instance, count: number): Promise<number> {
  for (let i = 0; i < count; i++) {
    await goTo(page, i);
    if (sopShown === instance.sopInstanceUid) return i;
  }
  throw new Error(`instance ${instance.sopInstanceUid} not in the stack`);
}

for (const renderPath of ['gpu', 'cpu'] as const) {
  test(`CT transfer-syntax matrix: every variant renders and agrees with the uncompressed pixels (${renderPath})`, async ({ page }) => {
    test.setTimeout(180_000);
    const { series, instances } = await seriesWhere((s) => s.modality === 'CT' && s.instanceCount > 10);
    // Every codec's worker and WASM module loads under the app's CSP (script-src 'self' 'wasm-unsafe-eval').
    const refused: string[] = [];
    page.on('console', (m) => m.text().includes('Content Security Policy') && refused.push(m.text()));
    await open(page, series.seriesInstanceUid, renderPath);
    // A wide window (bone, 2500/480, hotkey 4) so an 8-bit lossy variant's 32 HU steps stay a few grey levels.
    await page.keyboard.press('4');
    await expect(viewport(page).locator('[data-field=wl]')).toHaveText(/W: 2500 L: 480/);
    await goTo(page, await indexOf(page, instances.find((i) => i.transferSyntax === '1.2.840.10008.1.2.1')!, instances.length));
    const rect = await imageRect(page);
    const grid = (g: Awaited<ReturnType<typeof readCanvas>>) => sampleAtImagePixels(g, rect, 512, 512);
    const ref = grid(await readCanvas(page));
    expect(spread(ref), 'the reference shows an image, not a blank canvas').toBeGreaterThan(30);
    const lossy = new Set(['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.53', '1.2.840.10008.1.2.4.55', '1.2.840.10008.1.2.4.81']);
    const results: string[] = [];
    for (let i = 0; i < instances.length; i++) {
      await goTo(page, i);
      const inst = instances.find((x) => x.sopInstanceUid === sopShown)!;
      const diff = compare(grid(await readCanvas(page)), ref);
      results.push(`${inst.transferSyntax}: mean ${diff.mean.toFixed(2)} p99 ${diff.p99.toFixed(1)}`);
      if (lossy.has(inst.transferSyntax)) {
        expect(diff.mean, inst.transferSyntax).toBeLessThan(4);
        expect(diff.p99, inst.transferSyntax).toBeLessThan(24);
      } else {
        expect(diff.mean, inst.transferSyntax).toBeLessThan(0.5);
        expect(diff.p99, inst.transferSyntax).toBeLessThanOrEqual(1);
      }
      if (renderPath === 'gpu') await viewport(page).screenshot({ path: `${SHOTS}/viewer-ct-${inst.transferSyntax}.png` });
    }
    console.log(`[${renderPath}] grey-level difference to explicit LE:\n  ${results.join('\n  ')}`);
    expect(refused).toEqual([]);
  });

  test(`JPEG 2000 CT renders through the WASM codec and matches main/dicom's decode (${renderPath})`, async ({ page }) => {
    const { series, instances } = await seriesWhere((s) => s.modality === 'CT' && s.instanceCount === 1);
    expect(instances[0]!.transferSyntax).toBe('1.2.840.10008.1.2.4.90');
    await open(page, series.seriesInstanceUid, renderPath);
    await page.keyboard.press('1');
    await expect(viewport(page).locator('[data-field=wl]')).toHaveText(/W: 400 L: 40/);
    const canvas = await readCanvas(page);
    const rendered = await api<{ png: string }>(app, 'instances.render', { sopInstanceUid: instances[0]!.sopInstanceUid, window: { center: 40, width: 400 } });
    const diff = compareRegistered(canvas, await imageRect(page), pngGray(rendered.png));
    console.log(`[${renderPath}] J2K viewport vs main/dicom: mean ${diff.mean.toFixed(2)} p95 ${diff.p95}`);
    expect(spread(sampleAtImagePixels(canvas, await imageRect(page), 512, 512))).toBeGreaterThan(30);
    expect(diff.mean).toBeLessThan(2.5);
  });

  test(`key image: main/dicom's render matches the viewport at the same window (${renderPath})`, async ({ page }) => {
    for (const pick of ['ct', 'cr', 'cr inverted by the user'] as const) {
      const { series, instances } =
        pick === 'ct'
          ? await seriesWhere((s) => s.modality === 'CT' && s.instanceCount > 10)
          : await seriesWhere((s) => s.modality === 'CR');
      await open(page, series.seriesInstanceUid, renderPath);
      const index = pick === 'ct' ? instances.findIndex((i) => i.transferSyntax === '1.2.840.10008.1.2.1') : 0;
      await goTo(page, await indexOf(page, instances[index]!, instances.length));
      if (pick === 'ct') await page.keyboard.press('1'); // soft tissue 400/40
      if (pick === 'cr inverted by the user') {
        await page.keyboard.press('i');
        await expect(viewport(page).locator('[data-field=wl]')).toContainText('inverted');
      }
      await page.keyboard.press('k');
      const tile = page.getByTestId('viewer').getByTestId('key-image').last();
      await expect(tile).toHaveAttribute('data-sop', instances[index]!.sopInstanceUid);
      await expect(tile.locator('img')).toHaveAttribute('src', /^data:image\/png/);
      const png = pngGray((await tile.locator('img').getAttribute('src'))!);
      const { columns, rows } = instances[index]!;
      expect([png.width, png.height]).toEqual([columns, rows]);
      const canvas = await readCanvas(page);
      const rect = await imageRect(page);
      const diff = compareRegistered(canvas, rect, png);
      console.log(`[${renderPath}] ${pick} key image vs viewport: mean ${diff.mean.toFixed(2)} p95 ${diff.p95} p99 ${diff.p99} over ${diff.n} px (shift ${diff.dx}, ${diff.dy} px)`);
      // The viewport resamples the image to its size (linear interpolation, here ×1.2–1.5), so noisy CT texture
      // and saturated edges differ by a few levels pixel by pixel (no bias: the signed mean is ~0.1); a window,
      // invert or photometric mistake moves the mean by tens of levels (checked just below).
      expect(diff.mean).toBeLessThan(2.5);
      expect(diff.p95).toBeLessThan(12);
      // The same check tells a different window apart: it is not blind.
      const other = await api<{ png: string }>(app, 'instances.render', { sopInstanceUid: instances[index]!.sopInstanceUid, window: { center: 300, width: 600 } });
      expect(compareRegistered(canvas, rect, pngGray(other.png)).mean).toBeGreaterThan(10);
      await page.getByTestId('viewer').getByTestId('key-images').getByRole('button', { name: 'Clear' }).click();
    }
  });
}

for (const renderPath of ['gpu', 'cpu'] as const) {
  test(`CR chest (MONOCHROME1) is shown with bone bright; invert and reset work (${renderPath})`, async ({ page }) => {
    const { series, instances } = await seriesWhere((s) => s.modality === 'CR');
    expect(instances[0]!.photometric).toBe('MONOCHROME1');
    await open(page, series.seriesInstanceUid, renderPath);
    // PA chest: the mediastinum and spine (centre column) are bright, the air-filled lungs either side dark.
    const contrast = async () => {
      const img = sampleAtImagePixels(await readCanvas(page), await imageRect(page), instances[0]!.columns, instances[0]!.rows);
      const mediastinum = regionMean(img, 0.45, 0.3, 0.55, 0.7);
      const lungs = (regionMean(img, 0.2, 0.3, 0.35, 0.6) + regionMean(img, 0.65, 0.3, 0.8, 0.6)) / 2;
      return mediastinum - lungs;
    };
    const shown = await contrast();
    console.log(`[${renderPath}] CR mediastinum minus lungs: ${shown.toFixed(1)} grey levels`);
    expect(shown).toBeGreaterThan(30);
    if (renderPath === 'gpu') await viewport(page).screenshot({ path: `${SHOTS}/viewer-cr-mono1.png` });
    await page.keyboard.press('i');
    await expect(viewport(page).locator('[data-field=wl]')).toContainText('inverted');
    expect(await contrast()).toBeLessThan(-30);
    await page.keyboard.press('0');
    await expect(viewport(page).locator('[data-field=wl]')).not.toContainText('inverted');
    expect(await contrast()).toBeGreaterThan(30);
  });
}

for (const cine of [
  { name: 'palette-colour echo (US, RLE, 10 frames)', modality: 'US', frames: 10, fps: '13.16' },
  { name: '96-frame XA', modality: 'XA', frames: 96, fps: '30.3' },
]) {
  test(`${cine.name} plays at the file's frame rate and the frame index advances`, async ({ page }) => {
    const { series } = await seriesWhere((s) => s.modality === cine.modality);
    await open(page, series.seriesInstanceUid, 'gpu');
    expect(await counter(page, 'frame')).toEqual({ index: 1, total: cine.frames });
    await expect(page.getByTestId('cine-fps')).toHaveValue(cine.fps);
    // The series button just clicked keeps the focus (Space would press it): a click on the image hands the keys over.
    await viewport(page).click();
    await page.keyboard.press(' ');
    await expect(viewport(page).locator('[data-field=fps]')).toContainText(`${cine.fps} fps`);
    const seen = new Set<number>();
    await expect
      .poll(async () => {
        seen.add((await counter(page, 'frame')).index);
        return seen.size;
      })
      .toBeGreaterThanOrEqual(3);
    await viewport(page).screenshot({ path: `${SHOTS}/viewer-cine-${cine.modality}.png` });
    await page.keyboard.press(' ');
    await expect(viewport(page).locator('[data-field=fps]')).toHaveCount(0);
    // Paused: stepping moves exactly one frame.
    const at = (await counter(page, 'frame')).index;
    await page.keyboard.press('ArrowRight');
    await expect(viewport(page).locator('[data-field=frame]')).toHaveAttribute('data-index', String(Math.min(at + 1, cine.frames)));
  });
}

test('the 20-slice MR series scrolls through every slice (wheel and arrows)', async ({ page }) => {
  const { series } = await seriesWhere((s) => s.modality === 'MR' && s.instanceCount === 20);
  await open(page, series.seriesInstanceUid, 'gpu');
  expect(await counter(page, 'slice')).toEqual({ index: 1, total: 20 });
  const box = (await viewport(page).boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const means = new Set<string>();
  for (let i = 2; i <= 20; i++) {
    await page.mouse.wheel(0, 120);
    await expect(viewport(page).locator('[data-field=slice]')).toHaveAttribute('data-index', String(i));
    means.add(regionMean(await readCanvas(page), 0.3, 0.3, 0.7, 0.7).toFixed(2));
    if (i === 10) await viewport(page).screenshot({ path: `${SHOTS}/viewer-mr-10.png` });
  }
  expect(means.size).toBeGreaterThan(15); // each slice painted its own pixels
  await page.mouse.wheel(0, 120); // past the end stays on the last slice
  await expect(viewport(page).locator('[data-field=slice]')).toHaveAttribute('data-index', '20');
  for (let i = 19; i >= 1; i--) await page.keyboard.press('ArrowUp');
  await expect(viewport(page).locator('[data-field=slice]')).toHaveAttribute('data-index', '1');
});

test('a length measurement on the CT reports millimetres from its pixel spacing', async ({ page }) => {
  const { series, instances } = await seriesWhere((s) => s.modality === 'CT' && s.instanceCount > 10);
  const index = instances.findIndex((i) => i.transferSyntax === '1.2.840.10008.1.2.1');
  const spacing = instances[index]!.pixelSpacing!;
  expect(spacing[0]).toBeCloseTo(0.675781, 6);
  await open(page, series.seriesInstanceUid, 'gpu');
  await goTo(page, await indexOf(page, instances[index]!, instances.length));
  await page.keyboard.press('d');
  await expect(page.getByRole('button', { name: 'Length', exact: true })).toHaveAttribute('aria-pressed', 'true');
  const rect = await imageRect(page);
  const box = (await viewport(page).boundingBox())!;
  const perPixel = rect.width / 512;
  // From image pixel (100, 256) to (400, 256): 300 pixels, 202.73 mm.
  const from = { x: box.x + rect.x + 100 * perPixel, y: box.y + rect.y + 256 * perPixel };
  const to = { x: box.x + rect.x + 400 * perPixel, y: from.y };
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, from.y, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up();
  await page.getByRole('button', { name: 'Measurements', exact: true }).first().click();
  const row = page.getByTestId('measurements').locator('li[data-tool=Length]');
  await expect(row).toHaveAttribute('data-value', /\d/);
  const reported = Number(await row.getAttribute('data-value'));
  console.log(`length: reported ${reported.toFixed(2)} mm, expected ${(300 * spacing[1]).toFixed(2)} mm`);
  // Within a pixel (0.68 mm): the tool measures between the points it was given, in the file's spacing.
  expect(Math.abs(reported - 300 * spacing[1])).toBeLessThan(0.5);
  await expect(row).toContainText('mm');
  await page.screenshot({ path: `${SHOTS}/viewer-length.png` });
});

test('layouts, drag-and-drop of a series, W/L drag, view transforms, tag browser', async ({ page }) => {
  const mr = await seriesWhere((s) => s.modality === 'MR' && s.instanceCount === 20);
  const cr = await seriesWhere((s) => s.modality === 'CR');
  await open(page, mr.series.seriesInstanceUid, 'gpu');
  // The case panel folded: the viewer is wide enough for the whole toolbar (else part of it sits in More).
  await page.getByRole('button', { name: 'Hide case panel' }).click();
  // 2×2: the MR stays in the first cell, the CR is dragged from the browser into the second.
  await page.getByRole('button', { name: 'Layout 2×2' }).click();
  await expect(page.getByTestId('viewport-grid').locator('.viewport-cell')).toHaveCount(4);
  await page.locator(`[data-testid=series-item][data-series-uid="${cr.series.seriesInstanceUid}"]`).dragTo(viewport(page, 1));
  await waitReady(page, 1);
  await expect(viewport(page, 1)).toHaveAttribute('data-sop', cr.instances[0]!.sopInstanceUid);
  await expect(viewport(page, 1)).toHaveClass(/active/);
  await expect(viewport(page, 0)).toHaveAttribute('data-render-state', 'ready');

  // Window/level by dragging with the left button changes the window the overlay shows.
  const wl = viewport(page, 1).locator('[data-field=wl]');
  const before = await wl.textContent();
  const box = (await viewport(page, 1).boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 + 40, { steps: 5 });
  await page.mouse.up();
  await expect(wl).not.toHaveText(before!);

  // Rotate, flip and zoom by hotkeys show in the view; reset undoes them all.
  await page.keyboard.press('r');
  await expect(viewport(page, 1).locator('.overlay-br')).toContainText('Rot: 90°');
  await page.keyboard.press('h');
  await expect(page.getByRole('button', { name: 'Flip horizontal' })).toHaveClass(/on/);
  const zoom = viewport(page, 1).locator('[data-field=zoom]');
  const z0 = await zoom.textContent();
  await page.keyboard.press('+');
  await expect(zoom).not.toHaveText(z0!);
  await page.screenshot({ path: `${SHOTS}/viewer-2x2.png` });
  await page.keyboard.press('0');
  await expect(viewport(page, 1).locator('.overlay-br')).not.toContainText('Rot:');
  await expect(page.getByRole('button', { name: 'Flip horizontal' })).not.toHaveClass(/on/);
  await expect(zoom).toHaveText(z0!);
  await expect(wl).toHaveText(before!);

  // The tag browser lists the shown instance's attributes and filters them.
  await page.getByRole('button', { name: 'Tags', exact: true }).first().click();
  const tags = page.getByTestId('tag-browser');
  await expect(tags.locator('tbody tr').first()).toBeVisible();
  await tags.getByLabel('Filter tags').fill('0028,0004');
  await expect(tags.locator('tbody tr')).toHaveCount(1);
  await expect(tags.locator('tbody tr')).toContainText('MONOCHROME1');
  await page.screenshot({ path: `${SHOTS}/viewer-tags.png` });
});

test('a rectangle ROI reports the mean and SD (HU) of the pixels it covers', async ({ page }) => {
  const { series, instances } = await seriesWhere((s) => s.modality === 'CT' && s.instanceCount > 10);
  const inst = instances.find((i) => i.transferSyntax === '1.2.840.10008.1.2.1')!;
  // The truth, straight from the file: a 60 × 40 pixel block of soft tissue (columns 370–429, rows 210–249).
  const file = readFileSync(join(DATA.ctMatrix, 'CTImage.dcm_LittleEndianExplicitTransferSyntax_1.2.840.10008.1.2.1.dcm'));
  const ds = dicomParser.parseDicom(new Uint8Array(file));
  const px = new Int16Array(file.buffer.slice(file.byteOffset + ds.elements.x7fe00010!.dataOffset, file.byteOffset + ds.elements.x7fe00010!.dataOffset + 512 * 512 * 2));
  const slope = Number(ds.floatString('x00281053') ?? 1);
  const intercept = Number(ds.floatString('x00281052') ?? 0);
  const values: number[] = [];
  for (let y = 210; y < 250; y++) for (let x = 370; x < 430; x++) values.push(px[y * 512 + x]! * slope + intercept);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);

  await open(page, series.seriesInstanceUid, 'gpu');
  await goTo(page, await indexOf(page, inst, instances.length));
  await page.keyboard.press('b');
  const rect = await imageRect(page);
  const box = (await viewport(page).boundingBox())!;
  const at = (x: number, y: number) => ({ x: box.x + rect.x + (x * rect.width) / 512, y: box.y + rect.y + (y * rect.height) / 512 });
  // Corners on the centres of the first and last pixels of the block.
  const a = at(370.5, 210.5);
  const b = at(429.5, 249.5);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 6 });
  await page.mouse.up();
  await page.getByRole('button', { name: 'Measurements', exact: true }).first().click();
  const row = page.getByTestId('measurements').locator('li[data-tool=RectangleROI]');
  await expect(row).toHaveAttribute('data-value', /\d/);
  const text = (await row.textContent())!;
  const shownMean = Number(await row.getAttribute('data-value'));
  const shownSd = Number(/SD (-?[\d.]+)/.exec(text)![1]);
  console.log(`ROI: mean ${shownMean.toFixed(1)} (file ${mean.toFixed(1)}), SD ${shownSd.toFixed(1)} (file ${sd.toFixed(1)}) ${text}`);
  expect(Math.abs(shownMean - mean)).toBeLessThan(2);
  expect(Math.abs(shownSd - sd)).toBeLessThan(2);
  expect(text).toContain('HU');
});
