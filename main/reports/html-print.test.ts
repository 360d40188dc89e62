import { chromium } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import { DISCLAIMER } from '../api/contract.js';
import { renderHtml } from './html.js';
import { buildReportModel } from './model.js';
import { pdfPages, scriptedCase, scriptedRun, withPatient } from './testing/scripted-report.js';

// The HTML report printed by a real browser (Debian Chromium, as the E2E tests use): every page keeps the patient
// header, the decision-support label and its page number.
describe('HTML report printed', () => {
  it('repeats the header and footer and numbers every page', { timeout: 60_000 }, async () => {
    const sc = scriptedCase();
    await scriptedRun(
      sc,
      [
        { output: '<think> The right lower zone is dense. </think>\n<query> lobar consolidation </query>' },
        { output: '<think> Consolidation fits. </think>\n<answer> A </answer>', answerProbs: { A: 0.9 } },
      ],
      { passages: (q) => Array.from({ length: 3 }, (_, i) => `Passage ${i + 1} on ${q}. `.repeat(60)) },
    );
    const html = renderHtml(withPatient(await buildReportModel(sc.ctx, { caseId: sc.caseId, deidentify: false })));
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      await page.setContent(html);
      const pages = pdfPages(await page.pdf({ format: 'A4', preferCSSPageSize: true }));
      expect(pages.length).toBeGreaterThanOrEqual(2);
      pages.forEach((text, i) => {
        for (const s of ['Patient DOE, JOHN', 'ID PAT-001234', 'Accession ACC778899', DISCLAIMER, `Page ${i + 1} of ${pages.length}`]) expect(text).toContain(s);
      });
    } finally {
      await browser.close();
    }
  });
});
