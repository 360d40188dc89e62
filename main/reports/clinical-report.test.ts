import { describe, expect, it } from 'vitest';
import { DISCLAIMER } from '../api/contract.js';
import { ApiError } from '../api/errors.js';
import { ExportedReport } from '../api/cases.js';
import { dispatch } from '../app/dispatch.js';
import { KEY_IMAGE, testContext } from '../cases/testing/fixtures.js';
import { REMOVED, deidentifyReport } from './deidentify.js';
import { renderHtml } from './html.js';
import { buildReportModel, type ReportModel } from './model.js';
import { renderPdf } from './pdf.js';
import { htmlText, indexInstance, pdfPages, scriptedCase, scriptedRun, withPatient, type ScriptedCase } from './testing/scripted-report.js';

// Reports a clinician can file (issue 14): runs come from the real reasoning loop on scripted model outputs.

const PROTOCOL_TAG = /<\/?(think|query|answer|retrieve)>/;

async function reports(sc: ScriptedCase, runId?: string): Promise<{ model: ReportModel; html: string; pdf: string[] }> {
  const model = withPatient(await buildReportModel(sc.ctx, { caseId: sc.caseId, runId, deidentify: false }));
  const html = htmlText(renderHtml(model));
  const pdf = pdfPages(await renderPdf(model));
  // No protocol tag text anywhere a reader looks, in either format.
  expect(html).not.toMatch(PROTOCOL_TAG);
  expect(renderHtml(model)).not.toMatch(/&#60;\/?(think|query|answer|retrieve)&#62;/);
  expect(pdf.join('\n')).not.toMatch(PROTOCOL_TAG);
  return { model, html, pdf };
}

/** The answer block of a report's text: from the "Answer" heading to the next section. */
function answerBlock(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  const at = flat.search(/ Answer (No valid answer|[A-D]\. )/);
  expect(at).toBeGreaterThan(0);
  return flat.slice(at, flat.indexOf(' Differential ', at));
}

describe('clinical report content', () => {
  const invalid: [string, string, RegExp][] = [
    ['two answer blocks', '<think> nodule </think>\n<answer> D. nodule: no </answer> <answer> C. adenoma </answer>', /the output has 2 answer sections/],
    ['an unknown letter', '<think> hmm </think>\n<answer> F </answer>', /the answer [“"]F[”"] is not one of the offered options A[–-]D/],
    ['a missing </answer>', '<think> hmm </think>\n<answer> B', /the answer section is not closed/],
    ['prose instead of a letter', '<think> hmm </think>\n<answer> it looks like a pneumonia </answer>', /[“"]it looks like a pneumonia[”"] is not one of the option letters A[–-]D/],
    ['nothing at all', '', /the model produced no output/],
  ];
  for (const [what, output, reason] of invalid) {
    it(`an output with ${what} is reported as "No valid answer" with the reason and no confidence`, async () => {
      const sc = scriptedCase();
      await scriptedRun(sc, [{ output, answerProbs: { A: 0.1, B: 0.2, C: 0.3, D: 0.867 } }], { overrides: { cdir: false } });
      const { model, html, pdf } = await reports(sc);
      expect(model.assessment).toMatchObject({ valid: false, problem: expect.stringMatching(reason) });
      for (const text of [html, pdf.join('\n')]) {
        const block = answerBlock(text);
        expect(block).toMatch(/No valid answer Reason: /);
        expect(block.replace(/\s+/g, ' ')).toMatch(reason);
        expect(block).not.toMatch(/\d%/); // no confidence when there is no answer to trust
        expect(text).toMatch(/No valid answer: /); // the flag too
        expect(text).not.toContain('86.7%'); // nor probabilities read off the garbled output
        expect(text).toContain('No differential: a free-text question, or no valid answer to read probabilities from.');
      }
    });
  }

  it('a CDIR run: both option names with their probabilities before and after, the CDIR flag in words', async () => {
    const sc = scriptedCase();
    await scriptedRun(
      sc,
      [
        { output: '<think> opacity </think>\n<query> lobar consolidation </query>' },
        { output: '<think> maybe </think>\n<answer> A. Pneumonia </answer>', answerProbs: { A: 0.55, B: 0.3 } },
        { output: '<think> the similar case helps </think>\n<answer> B. Fracture </answer>', answerProbs: { A: 0.04, B: 0.95 } },
      ],
      { similar: true, passages: () => ['Lobar pneumonia shows consolidation.'] },
    );
    const { model, html, pdf } = await reports(sc);
    expect(model.trace?.cdir?.changed).toBe(true);
    const text = pdf.join('\n');
    expect(text).toMatch(/Option\s+First answer\s+After CDIR/);
    expect(text).toMatch(/B\. Fracture\s+30\.0%\s+95\.0%/);
    expect(text).toMatch(/A\. Pneumonia\s+55\.0%\s+4\.0%/);
    expect(html).toMatch(/B\. Fracture 30\.0% 95\.0%/);
    expect(html).toMatch(/A\. Pneumonia 55\.0% 4\.0%/);
    const flag = 'CDIR changed the answer: the first answer was A (Pneumonia) at 55.0%; after consulting a similar reference image it is B (Fracture) at 95.0%.';
    expect(html).toContain(flag);
    expect(text.replace(/\s+/g, ' ')).toContain(flag);
    // both images of the second look, with the reference image's caption
    for (const s of ['Key image as the model saw it', 'Similar reference image: Right lower lobe consolidation (reference), similarity 0.930']) {
      expect(html).toContain(s);
      expect(text.replace(/\s+/g, ' ')).toContain(s);
    }
    expect(renderHtml(model).match(/<img /g)).toHaveLength(3); // the key image, and in CDIR the key image and the reference
    // the evidence, cited with the passage and the knowledge base's version
    expect(html).toContain('[1] knowledge base, passage p0; knowledge base scripted-kb version 1 Lobar pneumonia shows consolidation.');
    expect(text.replace(/\s+/g, ' ')).toContain('[1] knowledge base, passage p0; knowledge base scripted-kb version 1 Lobar pneumonia shows consolidation.');
  });

  it('HTML and PDF carry the same sections in the same order', async () => {
    const sc = scriptedCase();
    await scriptedRun(
      sc,
      [
        { output: '<think> opacity </think>\n<query> lobar consolidation </query>' },
        { output: '<answer> A </answer>', answerProbs: { A: 0.55, B: 0.3 } },
        { output: '<answer> B </answer>', answerProbs: { A: 0.04, B: 0.95 } },
      ],
      { similar: true, passages: () => ['Lobar pneumonia shows consolidation.'] },
    );
    const { html, pdf } = await reports(sc);
    const headings = ['Question', 'Key images', 'Measurements', 'Answer', 'Differential', 'Flags', 'CDIR: second look with a similar image', 'Reasoning and evidence', 'Review and attestation', 'Provenance'];
    const order = (text: string) => headings.map((h) => text.search(new RegExp(`(^|\\s)${h}\\s`, 'm')));
    const body = pdf.join('\n');
    for (const at of [order(html), order(body)]) {
      expect(at.every((i) => i >= 0)).toBe(true);
      expect([...at].sort((a, b) => a - b)).toEqual(at);
    }
  });

  it('a one-round run where the model queried carries the "asked for evidence but none was retrieved" flag', async () => {
    const sc = scriptedCase();
    await scriptedRun(sc, [{ output: '<think> dense zone </think>\n<query> lobar consolidation </query>\n<answer> A </answer>', answerProbs: { A: 0.93 } }], {
      overrides: { maxRounds: 1 },
      passages: () => ['never asked'],
    });
    const { html, pdf } = await reports(sc);
    const flag = 'The model asked for evidence (“lobar consolidation”) but none was retrieved: this answer does not rest on retrieved evidence.';
    expect(html).toContain(flag);
    expect(pdf.join('\n').replace(/\s+/g, ' ')).toContain(flag.replace(/[“”]/g, '"'));
  });

  it('two runs of one case with different answers carry the disagreement flag', async () => {
    const sc = scriptedCase();
    const first = await scriptedRun(sc, [{ output: '<answer> D </answer>', answerProbs: { D: 0.9 } }]);
    await scriptedRun(sc, [{ output: '<answer> C </answer>', answerProbs: { C: 0.91 } }]);
    for (const runId of [first, undefined]) {
      const { html, pdf } = await reports(sc, runId);
      const flag = /Runs of this case disagree \((D ×1, C ×1|C ×1, D ×1)\): the model is not consistent on this question\./;
      expect(html).toMatch(flag);
      expect(pdf.join('\n').replace(/\s+/g, ' ')).toMatch(flag);
    }
  });

  it('a long report: every PDF page carries the patient header, the decision-support label and "Page n of N"', async () => {
    const sc = scriptedCase();
    await scriptedRun(
      sc,
      [
        { output: '<think> The right lower zone is dense. </think>\n<query> lobar consolidation </query>' },
        { output: '<think> Consolidation fits. </think>\n<query> air bronchogram </query>' },
        { output: '<think> Pneumonia. </think>\n<answer> A </answer>', answerProbs: { A: 0.9 } },
      ],
      { passages: (q) => Array.from({ length: 3 }, (_, i) => `Passage ${i + 1} on ${q}. `.repeat(40)) },
    );
    const { pdf } = await reports(sc);
    expect(pdf.length).toBeGreaterThanOrEqual(2);
    pdf.forEach((page, i) => {
      for (const s of ['DOE, JOHN', 'ID PAT-001234', 'Born 1958-03-12 (age 65 at the study)', 'Sex male', 'Accession ACC778899', 'Study date 2024-01-05', 'Modality CT', 'Institution Saint Example Hospital', DISCLAIMER, `Page ${i + 1} of ${pdf.length}`]) {
        expect(page).toContain(s);
      }
    });
    const all = pdf.join('\n');
    for (const raw of ['DOE^JOHN', '20240105', '19580312', 'frame 0', '.000Z']) expect(all).not.toContain(raw);
    expect(all).toContain('Key image 1, frame 1');
    expect(all).toContain('No measurements recorded with this case.');
  });

  it('prints the newest review of the reported run as the attestation; "Not reviewed" with a signature line otherwise', async () => {
    const sc = scriptedCase();
    const runId = await scriptedRun(sc, [{ output: '<answer> A </answer>', answerProbs: { A: 0.9 } }]);
    const before = await reports(sc);
    expect(before.html).toMatch(/Review and attestation Not reviewed Reader, signature and date/);
    expect(before.pdf.join('\n')).toMatch(/Not reviewed[\s\S]*Reader, signature and date/);

    sc.store.addReview({ caseId: sc.caseId, runId, verdict: 'agree', note: 'first look' });
    const review = sc.store.addReview({ caseId: sc.caseId, runId, verdict: 'edit', note: 'Air bronchograms favour pneumonia; follow up in 6 weeks.', editedAnswer: 'A. Pneumonia, right lower lobe' });
    const after = await reports(sc);
    for (const text of [after.html, after.pdf.join('\n').replace(/\s+/g, ' ')]) {
      expect(text).toContain('Edited the answer');
      expect(text).toContain("Reader's answer: A. Pneumonia, right lower lobe");
      expect(text).toContain('Note: Air bronchograms favour pneumonia; follow up in 6 weeks.');
      expect(text).toMatch(new RegExp(`Reviewed by ${review.user} on \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} `));
      expect(text).not.toContain('first look'); // superseded
      expect(text).not.toContain('Not reviewed');
    }
    expect(after.model.review).toMatchObject({ id: review.id, verdict: 'edit' });
    // De-identified: the reader's name stays (not patient data); when it was reviewed goes with the other dates.
    expect(deidentifyReport(after.model).review).toMatchObject({ user: review.user, at: REMOVED, verdict: 'edit' });
  });

  it('the question and options exactly as written; the JSON export keeps the raw model output', async () => {
    const sc = scriptedCase('Which finding fits the right lower zone?');
    await scriptedRun(sc, [{ output: '<think> dense </think>\n<answer> A </answer>', answerProbs: { A: 0.9 } }]);
    const { html, pdf } = await reports(sc);
    expect(html).toContain('Question Which finding fits the right lower zone? A. Pneumonia B. Fracture C. Normal D. Effusion Key images');
    expect(html).not.toMatch(/A\. A\./);
    expect(pdf.join('\n').replace(/\s+/g, ' ')).toContain('Which finding fits the right lower zone? A. Pneumonia B. Fracture C. Normal D. Effusion');
    const json = ExportedReport.parse(await dispatch(sc.ctx, 'reports.export', { caseId: sc.caseId, format: 'json' }));
    const model = JSON.parse(json.data) as ReportModel;
    expect(model.trace!.items.filter((i) => i.kind === 'text').map((i) => (i as { text: string }).text).join('')).toContain('<answer> A </answer>');
    expect(model.measurements).toEqual([]);
  });
});

describe('a report shows one patient', () => {
  const ALICE = { key: 'alice', id: 'PID-A', name: 'ALPHA^ALICE' };
  const BOB = { key: 'bob', id: 'PID-B', name: 'BETA^BOB' };

  function twoPatients() {
    const ctx = testContext();
    indexInstance(ctx, ALICE, '1.2.3.1');
    indexInstance(ctx, BOB, '1.2.3.2');
    const store = ctx.services.cases;
    const c = store.createCase({ question: 'Which?', options: [{ letter: 'A', text: 'One' }], keyImages: [{ ...KEY_IMAGE, sopInstanceUid: '1.2.3.1' }], synthetic: true });
    return { ctx, store, c };
  }

  it('a case an older app filled with two patients\' images is refused, in every format, with the reason', async () => {
    const { ctx, store, c } = twoPatients();
    // What an app from before the one-patient rule could leave behind: a second patient's image written straight in.
    ctx.services.db.prepare('INSERT INTO case_key_images (case_id, position, sop_instance_uid, frame, window_center, window_width, invert) VALUES (?, 1, ?, 0, 40, 400, 0)').run(c.id, '1.2.3.2');
    expect(store.getCase(c.id).problem).toMatch(/2 patients/);
    for (const format of ['html', 'pdf', 'json'] as const) {
      const err = await dispatch(ctx, 'reports.export', { caseId: c.id, format }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ code: 'conflict', message: expect.stringMatching(/No report for case .*2 patients \(ALPHA, ALICE \(ID PID-A\); BETA, BOB \(ID PID-B\)\)/) });
    }
    expect(store.auditLog(c.id).some((e) => e.action === 'export')).toBe(false);
  });

  it('a run whose inputs held two patients is refused even if the case itself was put right since', async () => {
    const { ctx, store, c } = twoPatients();
    const run = store.startRun(c.id, {});
    ctx.services.db
      .prepare('UPDATE runs SET inputs = ? WHERE id = ?')
      .run(JSON.stringify({ question: 'Which?', options: c.options, keyImages: [{ ...KEY_IMAGE, sopInstanceUid: '1.2.3.1' }, { ...KEY_IMAGE, sopInstanceUid: '1.2.3.2' }] }), run.id);
    await expect(dispatch(ctx, 'reports.export', { caseId: c.id, format: 'pdf', runId: run.id })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('one patient\'s case is reported', async () => {
    const { ctx, c } = twoPatients();
    const out = ExportedReport.parse(await dispatch(ctx, 'reports.export', { caseId: c.id, format: 'html' }));
    expect(out.data).toContain('Which?');
  });
});
