import { expect, test } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveApp, type ServedApp } from '../test/support/cli.js';
import { withDamagedFrame } from '../main/dicom/testing/offset-tables.js';
import { DATA, ensureTestData, importPaths, viewport, waitReady } from './support/viewer.js';

/**
 * Issue 15: a frame that cannot be decoded shows its error in the viewport while the study stays listed and the
 * other frames still show. The 96-frame XA with its 3rd frame zeroed past the start-of-image marker.
 */
let work: string;
let app: ServedApp;

test.beforeAll(async () => {
  ensureTestData();
  work = mkdtempSync(join(tmpdir(), 'medrwr-e2e-damaged-frame-'));
  app = await serveApp({ dataDir: join(work, 'data'), args: ['--no-demo'] });
  const xa = join(work, 'xa-damaged-frame-3.dcm');
  writeFileSync(xa, withDamagedFrame(readFileSync(DATA.xaCine), 2));
  const report = await importPaths(app, [xa]);
  expect(report.failures).toEqual([]);
  expect(report.imported).toBe(1);
});
test.afterAll(async () => {
  await app?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('a frame that cannot be decoded shows its error in the viewport; the study stays listed and the other frames show', async ({ page }) => {
  await page.goto(app.url);
  const item = page.getByTestId('series-item').first();
  await expect(item).toContainText('96 fr');
  await item.click();
  await waitReady(page);
  const frame = viewport(page).locator('[data-field=frame]');
  await page.keyboard.press('ArrowDown');
  await expect(frame).toHaveAttribute('data-index', '2');
  await expect(viewport(page)).toHaveAttribute('data-render-state', 'ready');
  await page.keyboard.press('ArrowDown');
  await expect(frame).toHaveAttribute('data-index', '3');
  await expect(viewport(page)).toHaveAttribute('data-render-state', 'error');
  const alert = viewport(page).getByRole('alert');
  await expect(alert).toContainText('Cannot display this image');
  await expect(alert).toContainText('could not be decoded'); // words, not the decoder's bare exception number
  await expect(alert).not.toContainText(/\d{4,}/);
  // The previous frame does not stay on screen as if it were this one: the message covers the image
  const box = (await alert.boundingBox())!;
  const rect = (await viewport(page).boundingBox())!;
  expect(box.width * box.height).toBeGreaterThan(0.9 * rect.width * rect.height);
  expect(await alert.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(0, 0, 0)');
  await expect(viewport(page).getByTestId('orientation-markers')).toHaveCount(0);
  await page.screenshot({ path: 'e2e/screenshots/viewer-damaged-frame.png' });
  await page.keyboard.press('ArrowDown');
  await expect(frame).toHaveAttribute('data-index', '4');
  await expect(viewport(page)).toHaveAttribute('data-render-state', 'ready');
  await expect(viewport(page).getByRole('alert')).toHaveCount(0);
  await expect(page.getByTestId('worklist-study')).toHaveCount(1);
});
