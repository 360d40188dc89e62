import { expect, test } from '@playwright/test';
import { serveApp, type ServedApp } from '../test/support/cli.js';

let app: ServedApp;

test.beforeAll(async () => {
  // Exactly what a newcomer runs: npm start, which must fall back to web mode here.
  app = await serveApp({ command: ['npm', 'start', '--silent', '--', '--port', '0', '--data-dir', `/tmp/medrwr-e2e-about-${process.pid}`] });
});
test.afterAll(() => app.stop());

test('npm start explains the missing Electron runtime and serves web mode', async () => {
  expect(app.output()).toContain('Electron runtime unavailable');
});

test('About panel shows real values through the web transport', async ({ page }) => {
  await page.goto(app.url);
  await expect(page).toHaveURL(/\/$/); // the token moved into a cookie
  await expect(page.getByText('Decision support, not for primary diagnosis').first()).toBeVisible();
  await page.getByRole('button', { name: 'About' }).click();
  const about = page.getByTestId('about');
  await expect(about.locator('[data-field=version]')).toHaveText(/^\d+\.\d+\.\d+$/);
  await expect(about.locator('[data-field=transport]')).toHaveText('Web mode (loopback)');
  await expect(about.locator('[data-field=platform]')).toContainText(`${process.platform} ${process.arch}`);
  await expect(about.locator('[data-field=dataDir]')).toHaveText(`/tmp/medrwr-e2e-about-${process.pid}`);
  await expect(about.locator('[data-field=model]')).toHaveText(/^medrwr-tiny \S+ \(synthetic\) · variant fp32, [\d.]+ MB · on (CPU|WEBGPU|CUDA|DML)$/);
  await expect(about.locator('[data-field=executionProviders]')).toContainText('cpu');
  await expect(about.locator('[data-field=libraries]')).toContainText('onnxruntime-node1.30.0');
  await page.screenshot({ path: 'e2e/screenshots/about.png' });
});
