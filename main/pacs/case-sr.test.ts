import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportedReport } from '../api/cases.js';
import type { PacsNode } from '../api/pacs.js';
import type { SrDocument, StudyDocument } from '../api/studies.js';
import type { AppContext } from '../app/context.js';
import { testContext } from '../cases/testing/fixtures.js';
import { skipWithoutOrthanc, startOrthanc, type RunningOrthanc } from '../../test/support/orthanc.js';
import { syntheticStudy } from '../../test/support/synthetic-dicom.js';
import { retrieveVia } from './testing/retrieve.js';
import { dispatch } from '../app/dispatch.js';
import { closeServices } from '../app/services.js';
import { srDocument } from '../dicom/sr-read.js';
import { buildReportModel } from '../reports/model.js';
import { indexInstance, scriptedCase, scriptedRun, type ScriptedCase } from '../reports/testing/scripted-report.js';
import { dciodvfy, skipWithoutDciodvfy } from '../../test/support/dciodvfy.js';
import { caseSr, indexedImages, srInputFromReport } from './case-sr.js';
import { readPart10 } from '../dicom/dcmjs.js';
import { buildKos } from './kos.js';
import { buildSr } from './sr.js';

// A case's result as a DICOM SR (issue 16), mapped from the report model: runs come from the real reasoning loop.

const PATIENT = { key: 'PID-SR-1', id: 'PID-SR-1', name: 'CASE^SR' };
const KEY_SOP = '1.2.840.113619.2.55.3.1'; // the fixtures' key image

/** A demo-like case: a CDIR run that changed the answer, cited evidence, and a reader's edit. */
async function reviewedCdirCase(): Promise<ScriptedCase & { runId: string }> {
  const sc = scriptedCase('Which finding fits the right lower zone?');
  indexInstance(sc.ctx, PATIENT, KEY_SOP);
  const runId = await scriptedRun(
    sc,
    [
      { output: '<think> opacity </think>\n<query> lobar consolidation </query>' },
      { output: '<think> maybe </think>\n<answer> A. Pneumonia </answer>', answerProbs: { A: 0.55, B: 0.3 } },
      { output: '<think> the similar case helps </think>\n<answer> B. Fracture </answer>', answerProbs: { A: 0.04, B: 0.95 } },
    ],
    { similar: true, passages: () => ['Lobar pneumonia shows consolidation.'] },
  );
  sc.store.addReview({ caseId: sc.caseId, runId, verdict: 'edit', note: 'Air bronchograms favour pneumonia.', editedAnswer: 'A. Pneumonia, right lower lobe' });
  return { ...sc, runId };
}

/** The SR's readable content as "concept: value" lines, children indented (as our SR view shows it). */
function lines(bytes: Buffer): string[] {
  return srDocument(readPart10(bytes)).content.map((i) => `${'  '.repeat(i.depth)}${i.concept}: ${i.value}`);
}

describe('a case as a DICOM SR', () => {
  it('carries every item of the report: question, options, answer, confidence, differential, flags, evidence, key image, review, provenance, label', async () => {
    const sc = await reviewedCdirCase();
    const sr = await caseSr(sc.ctx, { caseId: sc.caseId });
    const ds = readPart10(sr.bytes);
    expect(ds).toMatchObject({ StudyInstanceUID: `${KEY_SOP}.1`, PatientID: 'PID-SR-1', PatientName: expect.anything(), VerificationFlag: 'VERIFIED', CompletionFlag: 'COMPLETE' });
    const doc = srDocument(ds);
    expect(doc.verifyingObservers).toEqual([{ name: sc.store.reviews(sc.caseId)[0]!.user, organization: 'Med-RwR Workstation', dateTime: expect.stringMatching(/^\d{14}$/) }]);
    const flag = 'CDIR changed the answer: the first answer was A (Pneumonia) at 55.0%; after consulting a similar reference image it is B (Fracture) at 95.0%.';
    expect(lines(sr.bytes)).toEqual([
      'Question: Which finding fits the right lower zone?',
      'Answer option: A. Pneumonia',
      'Answer option: B. Fracture',
      'Answer option: C. Normal',
      'Answer option: D. Effusion',
      'Answer: B. Fracture',
      'Confidence: 95 %',
      'Differential Diagnosis/Impression: ',
      '  Differential option: B. Fracture',
      '    Probability before CDIR: 30 %',
      '    Probability after CDIR: 95 %',
      '  Differential option: A. Pneumonia',
      '    Probability before CDIR: 55 %',
      '    Probability after CDIR: 4 %',
      '  Differential option: C. Normal',
      '    Probability before CDIR: 0 %',
      '    Probability after CDIR: 0 %',
      '  Differential option: D. Effusion',
      '    Probability before CDIR: 0 %',
      '    Probability after CDIR: 0 %',
      `Flag: ${flag}`,
      'Cited evidence: Lobar pneumonia shows consolidation.',
      '  Evidence source: knowledge base',
      '  Passage identifier: p0',
      '  Evidence knowledge base: scripted-kb version 1',
      `Illustration of Finding: ${KEY_SOP}`,
      'Review verdict: edit',
      'Review note: Air bronchograms favour pneumonia.',
      'Edited answer: A. Pneumonia, right lower lobe',
      expect.stringMatching(/^Algorithm Name: \S+/),
      expect.stringMatching(/^Algorithm Version: \S+/),
      'Knowledge base: scripted-kb version 1',
      'Decision support label: Decision support, not for primary diagnosis. Synthetic demo data.',
    ]);
  });

  it.skipIf(skipWithoutDciodvfy)('validates with dciodvfy without errors: reviewed CDIR case, an unreviewed one, and one with no valid answer', async () => {
    const sc = await reviewedCdirCase();
    const sr = await caseSr(sc.ctx, { caseId: sc.caseId });
    const reviewed = dciodvfy(sr.bytes);
    expect(reviewed.iod).toBe('ComprehensiveSR');
    expect(reviewed.errors).toEqual([]);
    // the Key Object Selection sent beside it
    const kos = dciodvfy(buildKos({ ...sr.input, description: 'Key images of the decision support result' }).bytes);
    expect(kos.iod).toBe('KeyObjectSelectionDocument');
    expect(kos.errors).toEqual([]);

    const bad = scriptedCase();
    indexInstance(bad.ctx, PATIENT, KEY_SOP);
    await scriptedRun(bad, [{ output: '<think> hmm </think>\n<answer> F </answer>', answerProbs: { A: 0.1 } }], { overrides: { cdir: false } });
    const invalid = await caseSr(bad.ctx, { caseId: bad.caseId });
    expect(invalid.input.review).toBeNull();
    const out = dciodvfy(invalid.bytes);
    expect(out.errors).toEqual([]);
    expect(readPart10(invalid.bytes).VerificationFlag).toBe('UNVERIFIED');
    expect(lines(invalid.bytes)).toEqual(expect.arrayContaining(['Answer: No valid answer', expect.stringMatching(/^ {2}Reason for no valid answer: the answer .F. is not one of the offered options/)]));
    expect(lines(invalid.bytes).some((l) => l.startsWith('Confidence:'))).toBe(false);
  });

  it('maps measurements when the report has them, with value, unit and where', async () => {
    const sc = await reviewedCdirCase();
    const model = await buildReportModel(sc.ctx, { caseId: sc.caseId, deidentify: false });
    const input = srInputFromReport({ ...model, measurements: [{ label: 'Effusion depth', tool: 'Length', value: 23.5, unit: 'mm', detail: '', where: 'key image 1', studyInstanceUid: '1.2', seriesInstanceUid: '1.2.3', sopInstanceUid: KEY_SOP, frame: 0 }] }, indexedImages(sc.ctx, [KEY_SOP]));
    expect(input.measurements).toEqual([{ label: 'Effusion depth', value: 23.5, unit: 'mm', where: 'key image 1' }]);
    const bytes = buildSr(input).bytes;
    expect(lines(bytes)).toEqual(expect.arrayContaining(['Measurement: 23.5 mm', '  Measurement name: Effusion depth', '  Measurement location: key image 1']));
    if (!skipWithoutDciodvfy) expect(dciodvfy(bytes).errors).toEqual([]);
  });

  it('refuses what an SR cannot carry: de-identified, or key images the studies database no longer has', async () => {
    const sc = await reviewedCdirCase();
    await expect(dispatch(sc.ctx, 'reports.export', { caseId: sc.caseId, format: 'sr', deidentify: true })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/cannot be de-identified/) });
    const orphan = scriptedCase();
    await scriptedRun(orphan, [{ output: '<answer> A </answer>', answerProbs: { A: 0.9 } }], { overrides: { cdir: false } });
    await expect(caseSr(orphan.ctx, { caseId: orphan.caseId })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/none of its key images is in the studies database/) });
  });

  it("a case holding two patients' images (left by an older app) gets no SR either", async () => {
    const sc = await reviewedCdirCase();
    indexInstance(sc.ctx, { key: 'other', id: 'PID-OTHER', name: 'OTHER^PATIENT' }, '1.2.3.77');
    sc.ctx.services.db.prepare('INSERT INTO case_key_images (case_id, position, sop_instance_uid, frame, window_center, window_width, invert) VALUES (?, 1, ?, 0, 40, 400, 0)').run(sc.caseId, '1.2.3.77');
    await expect(dispatch(sc.ctx, 'reports.export', { caseId: sc.caseId, format: 'sr' })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/2 patients/) });
    expect(sc.store.auditLog(sc.caseId).some((e) => e.action === 'export')).toBe(false);
  });

  it('reports.export format sr gives a .dcm as base64 application/dicom, and medrwr report --format sr writes it', async () => {
    const sc = await reviewedCdirCase();
    const out = ExportedReport.parse(await dispatch(sc.ctx, 'reports.export', { caseId: sc.caseId, format: 'sr' }));
    expect(out).toMatchObject({ mimeType: 'application/dicom', encoding: 'base64', filename: expect.stringMatching(/^case-[0-9a-f-]{8}-sr\.dcm$/) });
    expect(readPart10(Buffer.from(out.data, 'base64')).SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.88.33');
    expect(sc.store.auditLog(sc.caseId).filter((e) => e.action === 'export').at(-1)?.detail).toMatch(/^sr \d/);
    await closeServices(sc.ctx);

    const file = join(sc.ctx.dataDir, 'case.dcm');
    const r = spawnSync(process.execPath, ['bin/medrwr.js', 'report', sc.caseId, '--format', 'sr', '--out', file, '--data-dir', sc.ctx.dataDir], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(lines(readFileSync(file))).toContain('Edited answer: A. Pneumonia, right lower lobe');
  });
});

describe.skipIf(skipWithoutOrthanc)('pacs.sendCase: the SR goes to the archive, comes back and reads the same', () => {
  let orthanc: RunningOrthanc;
  let ctx: AppContext;
  const study = syntheticStudy({ patientName: 'SEND^CASE', patientId: 'PID-SEND', birthDate: '19700101', accessionNumber: 'ACC-SEND', studyDate: '20250102', modality: 'CT', series: 1, instancesPerSeries: 2 });
  beforeAll(async () => {
    orthanc = await startOrthanc();
    await orthanc.store(study.files);
    ctx = testContext();
  }, 120_000);
  afterAll(async () => {
    if (ctx) await closeServices(ctx);
    await orthanc?.stop();
  });

  it('stores it in the key images\' study by STOW-RS; a retrieve brings it back, listed under the study, with the same content', async () => {
    const node = (await dispatch(ctx, 'pacs.saveNode', { name: 'Archive', url: orthanc.dicomWeb, auth: { kind: 'none' } })) as PacsNode;
    expect(await (await retrieveVia(ctx, { nodeId: node.id, studyInstanceUid: study.studyUid })).finished()).toMatchObject({ state: 'completed', imported: 2 });
    const { instances } = (await dispatch(ctx, 'series.instances', { seriesInstanceUid: study.seriesUids[0]! })) as { instances: { sopInstanceUid: string }[] };
    const store = ctx.services.cases;
    const c = store.createCase({ question: 'Which finding fits the right lower zone?', options: [{ letter: 'A', text: 'Pneumonia' }, { letter: 'B', text: 'Fracture' }, { letter: 'C', text: 'Normal' }, { letter: 'D', text: 'Effusion' }], keyImages: [{ sopInstanceUid: instances[0]!.sopInstanceUid, frame: 0, window: { center: 40, width: 400 }, invert: false }], synthetic: true });
    const sc = { ctx, store, caseId: c.id };
    const runId = await scriptedRun(
      sc,
      [
        { output: '<think> opacity </think>\n<query> lobar consolidation </query>' },
        { output: '<answer> A. Pneumonia </answer>', answerProbs: { A: 0.55, B: 0.3 } },
        { output: '<answer> B. Fracture </answer>', answerProbs: { A: 0.04, B: 0.95 } },
      ],
      { similar: true, passages: () => ['Lobar pneumonia shows consolidation.'] },
    );
    store.addReview({ caseId: c.id, runId, verdict: 'agree', note: 'Fits the film.' });

    const sent = (await dispatch(ctx, 'pacs.sendCase', { nodeId: node.id, caseId: c.id })) as { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string; keyObjectSopInstanceUid: string };
    expect(sent.studyInstanceUid).toBe(study.studyUid);
    expect(store.auditLog(c.id).at(-1)).toMatchObject({ action: 'export', detail: `sr ${sent.sopInstanceUid} and key objects ${sent.keyObjectSopInstanceUid} sent to Archive` });
    // the resumed retrieve fetches only what is new: the SR and the Key Object Selection
    expect(await (await retrieveVia(ctx, { nodeId: node.id, studyInstanceUid: study.studyUid })).finished()).toMatchObject({ state: 'completed', fetched: 2, alreadyLocal: 2, imported: 2 });
    const { documents } = (await dispatch(ctx, 'studies.documents', { studyInstanceUid: study.studyUid })) as { documents: StudyDocument[] };
    expect(documents).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sopInstanceUid: sent.sopInstanceUid, seriesInstanceUid: sent.seriesInstanceUid, title: 'Decision support result' }),
        expect.objectContaining({ sopInstanceUid: sent.keyObjectSopInstanceUid, sopClassUid: '1.2.840.10008.5.1.4.1.1.88.59', title: 'Of Interest' }),
      ]),
    );
    expect(documents).toHaveLength(2);
    const kos = (await dispatch(ctx, 'instances.sr', { sopInstanceUid: sent.keyObjectSopInstanceUid })) as SrDocument;
    expect(kos.content.filter((i) => i.valueType === 'IMAGE').map((i) => i.reference?.sopInstanceUid)).toEqual([instances[0]!.sopInstanceUid]);
    const back = (await dispatch(ctx, 'instances.sr', { sopInstanceUid: sent.sopInstanceUid })) as SrDocument;
    const local = srDocument(readPart10((await caseSr(ctx, { caseId: c.id })).bytes));
    expect(back.content).toEqual(local.content);
    expect(back).toMatchObject({ verification: 'VERIFIED', verifyingObservers: [{ name: store.reviews(c.id)[0]!.user, organization: 'Med-RwR Workstation' }], patientId: 'PID-SEND' });
    expect(back.content.map((i) => `${i.concept}: ${i.value}`)).toEqual(expect.arrayContaining(['Answer: B. Fracture', 'Review verdict: agree', 'Passage identifier: p0']));
  });

  it('an unknown node or case is a specific error, and nothing is sent', async () => {
    await expect(dispatch(ctx, 'pacs.sendCase', { nodeId: 'nope', caseId: 'x' })).rejects.toMatchObject({ code: 'not_found' });
    const node = (await dispatch(ctx, 'pacs.nodes', {})) as { nodes: PacsNode[] };
    await expect(dispatch(ctx, 'pacs.sendCase', { nodeId: node.nodes[0]!.id, caseId: 'no-such-case' })).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('No case "no-such-case"') });
  });
});
