import { expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveApp, type ServedApp } from '../test/support/cli.js';
import { api } from './support/viewer.js';

/** Issue 15: settings check a model or knowledge-base folder on save and say in plain words why one is refused. */
let app: ServedApp;
test.beforeAll(async () => {
  app = await serveApp({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-e2e-settings-')), args: ['--no-demo'] });
});
test.afterAll(async () => {
  await app?.stop();
  if (app) rmSync(app.dataDir, { recursive: true, force: true });
});

test('a missing model folder is refused with its reason and nothing is saved; a real one is saved', async ({ page }) => {
  const before = await api<{ modelDir: string }>(app, 'settings.get');
  await page.goto(app.url);
  const workspace = page.getByTestId('workspace');
  await workspace.getByRole('tab', { name: 'Settings' }).click();
  const form = workspace.getByTestId('settings-panel');
  const model = form.locator('input[name=modelDir]');
  await model.fill('/nonexistent/medrwr-model');
  await form.getByRole('button', { name: 'Save settings' }).click();
  const message = form.getByTestId('settings-message');
  await expect(message).toHaveText('Settings not saved. The model folder /nonexistent/medrwr-model does not exist.');
  await expect(model).toHaveAttribute('aria-invalid', 'true');
  await page.screenshot({ path: 'e2e/screenshots/settings-model-refused.png' });
  expect((await api<{ modelDir: string }>(app, 'settings.get')).modelDir).toBe(before.modelDir);

  // the knowledge base's folder where the model belongs: named for what it is
  await model.fill('kb/demo/index');
  await form.getByRole('button', { name: 'Save settings' }).click();
  await expect(message).toContainText(/kb\/demo\/index holds a knowledge base, not a model folder\./);

  await model.fill('models/fixtures/tiny-random');
  await form.getByRole('button', { name: 'Save settings' }).click();
  await expect(message).toHaveText('Saved.');
  await expect(model).toHaveAttribute('aria-invalid', 'false');
  expect((await api<{ modelDir: string }>(app, 'settings.get')).modelDir).toBe('models/fixtures/tiny-random');
});
