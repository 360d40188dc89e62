import { expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { serveApp, type ServedApp } from '../test/support/cli.js';
import { readPart10 } from '../main/dicom/dcmjs.js';
import { dciodvfy, skipWithoutDciodvfy } from '../test/support/dciodvfy.js';
import { skipWithoutOrthanc, startOrthanc, type RunningOrthanc } from '../test/support/orthanc.js';
import { api } from './support/viewer.js';

/**
 * Issue 16, acceptance 3: the SR of a demo case (the ambiguous case, run on the demo model, reviewed) validates with
 * dciodvfy without errors, is stored into Orthanc through STOW-RS (Send to PACS), retrieved back (WADO-RS) and read
 * in our SR view with the same content: answer, differential names, flags, evidence ids and the reviewer.
 */
let orthanc: RunningOrthanc;
let app: ServedApp;

test.skip(skipWithoutOrthanc, 'Orthanc with its DICOMweb plugin is not installed');
test.skip(skipWithoutDciodvfy, 'dciodvfy (dicom3tools) is not installed');

test.beforeAll(async () => {
  test.setTimeout(180_000);
  orthanc = await startOrthanc();
  app = await serveApp({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-e2e-sr-')) });
});
test.afterAll(async () => {
  await app?.stop();
  if (app) rmSync(app.dataDir, { recursive: true, force: true });
  await orthanc?.stop();
});

interface ReportJson {
  case: { id: string; title: string };
  assessment: { answer: { letter: string } | null; answerText: string | null; differential: { letter: string; text: string }[]; flags: { text: string }[] };
  sections: { kind: string; passages?: { id: string }[] | null }[];
  review: { user: string; editedAnswer: string | null } | null;
  patient: null | object;
}

test('the SR of the reviewed ambiguous demo case validates, goes to Orthanc, comes back and reads the same in the SR view', async ({ page }) => {
  test.setTimeout(240_000);
  const node = await api<{ id: string }>(app, 'pacs.saveNode', { name: 'Loopback Orthanc', url: orthanc.dicomWeb, auth: { kind: 'none' } });
  await api(app, 'cases.ensureDemo');
  const { cases } = await api<{ cases: { id: string; title: string }[] }>(app, 'cases.list');
  const demo = cases.find((c) => /ambiguous/.test(c.title))!;
  expect(demo, 'the demo has its ambiguous case').toBeTruthy();

  // Run it on the demo model and review it, in the workspace.
  await page.goto(app.url);
  const ws = page.getByTestId('workspace');
  await ws.getByRole('tab', { name: 'History' }).click();
  await ws.getByTestId('case-row').filter({ hasText: demo.title }).first().locator('.case-open').click();
  await expect(ws.locator('.case-name')).toHaveText(demo.title);
  await ws.getByTestId('run-button').click();
  await expect(ws.getByTestId('trace')).toHaveAttribute('data-status', 'completed', { timeout: 90_000 });
  const review = ws.getByTestId('review');
  await review.getByLabel('Edit answer').check();
  await review.getByLabel('Corrected answer').fill('Rowbeck nodule');
  await review.getByLabel('Review note').fill('Compared with the prior ultrasound.');
  await review.getByTestId('review-save').click();
  await expect(review.getByTestId('review-entry')).toHaveCount(1);

  // The exported .dcm: a Comprehensive SR that dciodvfy finds no error in.
  const sr = await api<{ filename: string; mimeType: string; encoding: string; data: string }>(app, 'reports.export', { caseId: demo.id, format: 'sr' });
  expect(sr).toMatchObject({ mimeType: 'application/dicom', encoding: 'base64', filename: expect.stringMatching(/\.dcm$/) });
  const check = dciodvfy(Buffer.from(sr.data, 'base64'));
  expect(check.iod).toBe('ComprehensiveSR');
  expect(check.errors).toEqual([]);
  const model = JSON.parse((await api<{ data: string }>(app, 'reports.export', { caseId: demo.id, format: 'json' })).data) as ReportJson;
  expect(model.assessment.differential.length).toBeGreaterThan(1);
  expect(model.assessment.flags.length).toBeGreaterThan(0);

  // Send to PACS from the workspace (STOW-RS).
  await page.reload();
  await ws.getByRole('tab', { name: 'History' }).click();
  await ws.getByTestId('case-row').filter({ hasText: demo.title }).first().locator('.case-open').click();
  const send = ws.getByTestId('send-pacs');
  await expect(send.getByLabel('PACS node')).toHaveValue(node.id);
  await send.getByRole('button', { name: 'Send to PACS' }).click();
  await expect(send.getByTestId('send-pacs-message')).toContainText('Sent as DICOM SR', { timeout: 30_000 });
  const sopUid = /SR ([\d.]+) to/.exec((await send.getByTestId('send-pacs-message').textContent()) ?? '')![1]!;

  // Retrieve the study back from Orthanc (WADO-RS): the SR and its Key Object Selection are what the archive has.
  const studyUid = readPart10(Buffer.from(sr.data, 'base64')).StudyInstanceUID as string; // the key images' study
  const { taskId } = await api<{ taskId: string }>(app, 'pacs.retrieve', { nodeId: node.id, studyInstanceUid: studyUid });
  await expect.poll(async () => (await api<{ state: string }>(app, 'pacs.retrieveReport', { taskId })).state, { timeout: 60_000 }).toBe('completed');
  expect(await api(app, 'pacs.retrieveReport', { taskId })).toMatchObject({ total: 2, fetched: 2, imported: 2, error: null });

  // Our SR view: listed under its study in the browser, opened in the SR panel with the same content.
  await page.reload();
  const item = page.locator(`[data-testid=sr-item][data-sop-uid="${sopUid}"]`);
  await expect(item).toBeVisible({ timeout: 30_000 });
  await item.click();
  const panel = page.getByTestId('sr-panel');
  const content = panel.getByTestId('sr-content');
  await expect(content).toBeVisible();
  const lines = (await content.locator('li').allTextContents()).map((l) => l.replace(/\s+/g, ' ').trim());
  const a = model.assessment;
  expect(lines).toContain(a.answer ? `Answer: ${a.answer.letter}. ${a.answerText}` : 'Answer: No valid answer');
  for (const d of a.differential) expect(lines).toContain(`Differential option: ${d.letter}. ${d.text}`);
  for (const f of a.flags) expect(lines).toContain(`Flag: ${f.text}`);
  const passageIds = model.sections.flatMap((s) => (s.passages ?? []).map((p) => p.id));
  expect(passageIds.length).toBeGreaterThan(0);
  for (const id of passageIds) expect(lines).toContain(`Passage identifier: ${id}`);
  expect(lines).toEqual(expect.arrayContaining(['Review verdict: edit', 'Review note: Compared with the prior ultrasound.', 'Edited answer: Rowbeck nodule']));
  expect(lines).toContain('Decision support label: Decision support, not for primary diagnosis. Synthetic demo data.');
  await expect(panel.getByTestId('sr-observer')).toContainText(`Verified by`);
  await expect(panel.getByTestId('sr-observer')).toContainText(model.review!.user || userInfo().username);
  await expect(panel.getByTestId('sr-observer')).toContainText('Med-RwR Workstation');
  await panel.screenshot({ path: 'e2e/screenshots/sr-view.png' });
});
