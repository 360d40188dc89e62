import { describe, expect, it } from 'vitest';
import { DISCLAIMER } from '../api/contract.js';
import { ExportedReport } from '../api/cases.js';
import { dispatch } from '../app/dispatch.js';
import { KEY_IMAGE, completeRunDrafts, numbered, testContext } from '../cases/testing/fixtures.js';
import { pdfText } from '../cases/testing/pdf-text.js';
import { deidentifyReport } from './deidentify.js';
import { renderHtml } from './html.js';
import { buildReportModel, type ReportModel } from './model.js';
import { renderPdf } from './pdf.js';

function answeredCase() {
  const ctx = testContext();
  const store = ctx.services.cases;
  const c = store.createCase({
    title: 'Liver lesion, Mr DOE',
    question: 'Patient DOE (ID PAT-001234): what is the hypodense lesion?',
    options: [{ letter: 'A', text: 'Simple cyst' }, { letter: 'B', text: 'Metastasis' }],
    keyImages: [{ ...KEY_IMAGE, studyInstanceUid: '1.2.840.113619.2.55.3.99', seriesInstanceUid: '1.2.840.113619.2.55.3.98' }],
    synthetic: true,
  });
  const run = store.startRun(c.id, { rounds: 3 });
  // The fixture's drafts predate answer validity; a live run states it on each answer.
  const drafts = completeRunDrafts().map((d) => (d.type === 'answer' ? { ...d, valid: true, problem: null } : d));
  for (const e of numbered(run.id, [...drafts, { type: 'done', status: 'completed' }])) store.appendEvent(run.id, e);
  return { ctx, store, c, run };
}

const withPatient = (m: ReportModel): ReportModel => ({
  ...m,
  patient: { name: 'DOE^JOHN', id: 'PAT-001234', birthDate: '19580312', sex: 'M', studyDate: '20240105', accessionNumber: 'ACC778899', studyDescription: 'CT ABDOMEN', modality: 'CT', institution: 'Saint Example Hospital' },
});

describe('case reports', () => {
  it('HTML is self-contained and holds the answer, distribution, CDIR, queries, evidence, provenance and the disclaimer', async () => {
    const { ctx, c } = answeredCase();
    const out = ExportedReport.parse(await dispatch(ctx, 'reports.export', { caseId: c.id, format: 'html' }));
    expect(out).toMatchObject({ mimeType: 'text/html', encoding: 'utf8' });
    const html = out.data;
    for (const s of [DISCLAIMER, 'synthetic', 'Query: hypodense liver lesion', 'Cysts are hypodense (3).', 'Passage 2 — demo-kb, passage p2; knowledge base demo-kb version 1', 'Confidence 86.0% (after CDIR)', 'CDIR: second look', 'Simple hepatic cyst', '55.0%', 'medrwr-tiny 1.0.0', 'ab'.repeat(32), 'demo-kb 1 (local)', 'Execution provider', 'Window 400, level 40', 'frame 1', 'The lesion is hypodense.']) {
      expect(html).toContain(s);
    }
    expect(html).not.toMatch(/<script|src="http|href="http|@import/);
    expect(ctx.services.cases.auditLog(c.id).at(-1)).toMatchObject({ action: 'export', detail: 'html' });
  });

  it('PDF text read back holds the answer, the evidence and the provenance', async () => {
    const { ctx, c } = answeredCase();
    const out = ExportedReport.parse(await dispatch(ctx, 'reports.export', { caseId: c.id, format: 'pdf' }));
    const pdf = Buffer.from(out.data, 'base64');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf).replace(/\s+/g, ' ');
    for (const s of [DISCLAIMER, '[synthetic]', 'A. Simple cyst', 'Confidence 86.0% (after CDIR)', 'Query: hypodense liver lesion', 'Cysts are hypodense (1).', 'Passage 3', 'Simple hepatic cyst', 'medrwr-tiny 1.0.0', 'ab'.repeat(32), 'Execution provider: cpu']) {
      expect(text).toContain(s);
    }
  });

  it('JSON carries the whole trace', async () => {
    const { ctx, c, run } = answeredCase();
    const out = ExportedReport.parse(await dispatch(ctx, 'reports.export', { caseId: c.id, format: 'json', runId: run.id }));
    const json = JSON.parse(out.data) as ReportModel;
    expect(json.trace!.finalLetter).toBe('A');
    expect(json.trace!.items.filter((i) => i.kind === 'evidence')).toHaveLength(1);
    await expect(dispatch(ctx, 'reports.export', { caseId: c.id, format: 'json', runId: 'nope' })).rejects.toThrow(/has no run "nope"/);
    await expect(dispatch(ctx, 'reports.export', { caseId: c.id, format: 'docx' })).rejects.toThrow(/format/);
  });

  it('de-identified HTML and PDF hold no patient name, ID, dates or original UIDs', async () => {
    const { ctx, c } = answeredCase();
    const model = withPatient(await buildReportModel(ctx, { caseId: c.id, deidentify: false }));
    const plainHtml = renderHtml(model);
    for (const s of ['DOE, JOHN', 'PAT-001234', '1958-03-12 (age 65 at the study)', 'ACC778899', 'Saint Example Hospital']) expect(plainHtml).toContain(s);
    expect(plainHtml).not.toContain('DOE^JOHN');
    const deid = deidentifyReport(model);
    const html = renderHtml(deid);
    const pdf = pdfText(await renderPdf(deid));
    for (const doc of [html, pdf]) {
      for (const secret of ['DOE', 'JOHN', 'PAT-001234', 'ACC778899', '19580312', '1958-03-12', '20240105', '2024-01-05', 'age 65', 'Saint Example', '1.2.840.113619.2.55.3', model.run!.startedAt.slice(0, 10)]) {
        expect(doc).not.toContain(secret);
      }
      expect(doc).toContain('ANONYMOUS');
      expect(doc).toContain('86.0%'); // the clinical content stays
    }
    expect(deid.images[0]!.key.sopInstanceUid).toMatch(/^2\.25\.\d+$/);
    expect(deidentifyReport(model).images[0]!.key.sopInstanceUid).toBe(deid.images[0]!.key.sopInstanceUid); // stable pseudonym
  });
});
