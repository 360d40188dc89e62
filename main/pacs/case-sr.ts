import { ApiError } from '../api/errors.js';
import type { AppContext } from '../app/context.js';
import { buildReportModel, type ReportModel } from '../reports/model.js';
import { buildSr, type SrInput } from './sr.js';

/**
 * A case's result as a DICOM SR, mapped from the report model (the one gathering of what a report shows: the PDF,
 * HTML, JSON and this SR say the same things). The study identity comes from the studies index, since the SR joins
 * the study of the key images in the archive.
 */

/** What the studies index knows of a key image: where it sits and the identity of its study and patient. */
export interface IndexedImage {
  sopInstanceUid: string;
  sopClassUid: string;
  frames: number;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  studyDate: string;
  studyTime: string;
  accessionNumber: string;
  patientId: string;
  patientName: string;
  patientBirthDate: string;
  patientSex: string;
}

export function srInputFromReport(model: ReportModel, indexed: ReadonlyMap<string, IndexedImage>): SrInput {
  if (model.deidentified) throw new ApiError('bad_request', 'A DICOM SR joins its study in the archive, so it carries the patient\'s identity: it cannot be de-identified.');
  const refs = model.images.map((im) => ({ key: im.key, ix: indexed.get(im.key.sopInstanceUid) }));
  const first = refs.find((r) => r.ix)?.ix;
  if (!first) throw new ApiError('conflict', `No DICOM SR for case "${model.case.title}": none of its key images is in the studies database, and an SR must join the study they come from.`);
  const missing = refs.filter((r) => !r.ix).map((r) => r.key.sopInstanceUid);
  if (missing.length) throw new ApiError('conflict', `No DICOM SR for case "${model.case.title}": key image(s) ${missing.join(', ')} are no longer in the studies database; import them again.`);
  const a = model.assessment;
  const valid = a?.valid === true && a.answer !== null;
  const prov = model.run?.provenance ?? null;
  const kb = prov ? (prov.kb.kind === 'none' ? 'none (retrieval off)' : `${prov.kb.id} version ${prov.kb.version}`) : 'unknown';
  const evidence = new Map<string, SrInput['evidence'][number]>();
  for (const s of model.sections) {
    if (s.kind !== 'query') continue;
    for (const p of s.passages ?? []) {
      if (!evidence.has(p.id)) evidence.set(p.id, { text: p.text, source: [p.title, p.source ?? 'knowledge base'].filter(Boolean).join(' — '), passageId: p.id, ...(prov && prov.kb.kind !== 'none' ? { knowledgeBase: kb } : {}) });
    }
  }
  const p = model.patient;
  const review = model.review;
  return {
    study: {
      studyInstanceUid: first.studyInstanceUid,
      // The header's own values when the file was readable, else the index's (the same values, as imported).
      patientName: p?.name || first.patientName,
      patientId: p?.id || first.patientId,
      patientBirthDate: p?.birthDate || first.patientBirthDate,
      patientSex: p?.sex || first.patientSex,
      accessionNumber: p?.accessionNumber || first.accessionNumber,
      studyDate: p?.studyDate || first.studyDate,
      studyTime: first.studyTime,
      studyId: '',
    },
    question: model.case.question,
    options: model.case.options,
    answer: valid ? { letter: a.answer!.letter, text: a.answerText ?? a.answer!.text } : null,
    answerProblem: valid ? null : (a?.problem ?? (model.run ? 'the run gave no answer' : 'the case has not been run')),
    confidence: valid ? a.answer!.confidence : null,
    differential: a?.differential ?? [],
    flags: (a?.flags ?? []).map((f) => f.text),
    evidence: [...evidence.values()],
    keyImages: refs.map(({ key, ix }) => ({
      studyInstanceUid: ix!.studyInstanceUid,
      seriesInstanceUid: ix!.seriesInstanceUid,
      sopClassUid: ix!.sopClassUid,
      sopInstanceUid: key.sopInstanceUid,
      // DICOM allows a frame number only on a multi-frame image; ours are 0-based, DICOM's 1-based.
      ...(ix!.frames > 1 ? { frame: key.frame + 1 } : {}),
    })),
    measurements: model.measurements.map(({ label, value, unit, where }) => ({ label, value, unit, where })),
    review: review ? { verdict: review.verdict, note: review.note, editedAnswer: review.editedAnswer, user: review.user, at: new Date(review.at) } : null,
    provenance: { model: prov ? `${prov.model.id}${prov.model.synthetic ? ' (synthetic demo model)' : ''}` : 'not run', modelVersion: prov?.model.version ?? 'not run', knowledgeBase: kb },
    decisionSupportLabel: model.synthetic ? `${model.disclaimer}. Synthetic demo data.` : model.disclaimer,
    at: new Date(model.run?.endedAt ?? model.run?.startedAt ?? model.generatedAt),
  };
}

/** The key images as the studies index has them (absent: not indexed). */
export function indexedImages(ctx: AppContext, sopUids: readonly string[]): Map<string, IndexedImage> {
  const stmt = ctx.services.db.prepare<[string], IndexedImage>(
    `SELECT i.sop_uid AS sopInstanceUid, i.sop_class_uid AS sopClassUid, i.frames, s.series_uid AS seriesInstanceUid,
       st.study_uid AS studyInstanceUid, st.date AS studyDate, st.time AS studyTime, st.accession AS accessionNumber,
       p.patient_id AS patientId, p.name AS patientName, p.birth_date AS patientBirthDate, p.sex AS patientSex
     FROM instances i JOIN series s ON s.series_uid = i.series_uid JOIN studies st ON st.study_uid = s.study_uid
     JOIN patients p ON p.key = st.patient_key WHERE i.sop_uid = ?`,
  );
  const out = new Map<string, IndexedImage>();
  for (const uid of sopUids) {
    const row = stmt.get(uid);
    if (row) out.set(uid, row);
  }
  return out;
}

/** The SR of a case's run (default: the latest), as Part 10 bytes. */
export async function caseSr(ctx: AppContext, opts: { caseId: string; runId?: string }): Promise<{ model: ReportModel; input: SrInput } & ReturnType<typeof buildSr>> {
  const model = await buildReportModel(ctx, { ...opts, deidentify: false });
  const input = srInputFromReport(model, indexedImages(ctx, model.images.map((im) => im.key.sopInstanceUid)));
  return { model, input, ...buildSr(input) };
}
