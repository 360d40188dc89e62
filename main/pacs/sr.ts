import { newUid, writePart10 } from '../dicom/dcmjs.js';

/**
 * A case's result as a DICOM Comprehensive SR, written with dcmjs. The input is a small plain shape of its own so the
 * case model can change without touching the DICOM side; the caller maps a case onto it.
 */
export interface SrInput {
  /** The study the key images belong to: the SR joins it (patient and study attributes are copied). */
  study: {
    studyInstanceUid: string;
    patientName: string;
    patientId: string;
    patientBirthDate: string;
    patientSex: string;
    accessionNumber: string;
    studyDate: string;
    studyTime: string;
    studyId: string;
  };
  question: string;
  options: readonly { letter: string; text: string }[];
  /** null: the model gave no valid answer */
  answer: { letter: string | null; text: string } | null;
  /** Why there is no valid answer (only with a null answer). */
  answerProblem?: string | null;
  /** 0..1, null when unknown */
  confidence: number | null;
  /** Each offered option with its probability (0..1) at the first answer and after CDIR; null: none. */
  differential?: readonly { letter: string; text: string; before: number | null; after: number | null }[];
  /** The run's flags in plain words. */
  flags?: readonly string[];
  /** knowledgeBase: the KB the passage came from, id and version. */
  evidence: readonly { text: string; source: string; passageId: string; knowledgeBase?: string }[];
  measurements?: readonly { label: string; value: number; unit: string; where: string }[];
  keyImages: readonly { /** absent: the SR's study */ studyInstanceUid?: string; seriesInstanceUid: string; sopClassUid: string; sopInstanceUid: string; /** 1-based; only for a multi-frame image (DICOM forbids a frame number otherwise) */ frame?: number }[];
  provenance: { model: string; modelVersion: string; knowledgeBase: string };
  /** The reader's review: the verifying observer. null/absent: the SR is UNVERIFIED. */
  review?: { verdict: string; note: string; editedAnswer: string | null; user: string; at: Date } | null;
  /** e.g. "Decision support, not for primary diagnosis" */
  decisionSupportLabel: string;
  /** when the result was produced */
  at: Date;
}

export const COMPREHENSIVE_SR = '1.2.840.10008.5.1.4.1.1.88.33';

/** Concept names: DICOM's own (DCM) where one fits, else this app's private scheme (99MEDRWR, PS3.16 8.2). */
const C = {
  report: code('99MEDRWR', 'R-0001', 'Decision support result'),
  question: code('99MEDRWR', 'Q-0001', 'Question'),
  option: code('99MEDRWR', 'Q-0002', 'Answer option'),
  answer: code('99MEDRWR', 'A-0001', 'Answer'),
  confidence: code('99MEDRWR', 'A-0002', 'Confidence'),
  problem: code('99MEDRWR', 'A-0003', 'Reason for no valid answer'),
  differential: code('DCM', '111023', 'Differential Diagnosis/Impression'),
  option2: code('99MEDRWR', 'D-0001', 'Differential option'),
  before: code('99MEDRWR', 'D-0002', 'Probability before CDIR'),
  after: code('99MEDRWR', 'D-0003', 'Probability after CDIR'),
  flag: code('99MEDRWR', 'F-0001', 'Flag'),
  evidenceKb: code('99MEDRWR', 'E-0004', 'Evidence knowledge base'),
  measurement: code('99MEDRWR', 'M-0001', 'Measurement'),
  measurementName: code('99MEDRWR', 'M-0002', 'Measurement name'),
  measurementSite: code('99MEDRWR', 'M-0003', 'Measurement location'),
  review: code('99MEDRWR', 'V-0001', 'Review verdict'),
  reviewNote: code('99MEDRWR', 'V-0002', 'Review note'),
  editedAnswer: code('99MEDRWR', 'V-0003', 'Edited answer'),
  evidence: code('99MEDRWR', 'E-0001', 'Cited evidence'),
  source: code('99MEDRWR', 'E-0002', 'Evidence source'),
  passage: code('99MEDRWR', 'E-0003', 'Passage identifier'),
  keyImage: code('DCM', '121200', 'Illustration of Finding'),
  algorithmName: code('DCM', '111001', 'Algorithm Name'),
  algorithmVersion: code('DCM', '111003', 'Algorithm Version'),
  knowledgeBase: code('99MEDRWR', 'P-0001', 'Knowledge base'),
  label: code('99MEDRWR', 'L-0001', 'Decision support label'),
};
export const NO_VALID_ANSWER = 'No valid answer';
export const VERIFYING_ORGANIZATION = 'Med-RwR Workstation';

export function buildSr(input: SrInput, uids: { series?: string; instance?: string } = {}): { bytes: Buffer; sopInstanceUid: string; seriesInstanceUid: string } {
  const sopInstanceUid = uids.instance ?? newUid();
  const seriesInstanceUid = uids.series ?? newUid();
  const [date, time] = dicomDateTime(input.at);
  const review = input.review ?? null;
  const content = [
    text(C.question, input.question),
    ...input.options.map((o) => text(C.option, `${o.letter}. ${o.text}`)),
    input.answer
      ? text(C.answer, `${input.answer.letter ? `${input.answer.letter}. ` : ''}${input.answer.text}`)
      : withChildren(text(C.answer, NO_VALID_ANSWER), input.answerProblem ? [text(C.problem, input.answerProblem, 'HAS PROPERTIES')] : []),
    ...(input.confidence === null ? [] : [num(C.confidence, input.confidence)]),
    ...(input.differential?.length
      ? [
          withChildren(
            container(C.differential),
            input.differential.map((d) =>
              withChildren(text(C.option2, `${d.letter}. ${d.text}`), [
                ...(d.before === null ? [] : [num(C.before, d.before, 'HAS PROPERTIES')]),
                ...(d.after === null ? [] : [num(C.after, d.after, 'HAS PROPERTIES')]),
              ]),
            ),
          ),
        ]
      : []),
    ...(input.flags ?? []).map((f) => text(C.flag, f)),
    ...input.evidence.map((e) =>
      withChildren(text(C.evidence, e.text), [
        text(C.source, e.source, 'HAS PROPERTIES'),
        text(C.passage, e.passageId, 'HAS PROPERTIES'),
        ...(e.knowledgeBase ? [text(C.evidenceKb, e.knowledgeBase, 'HAS PROPERTIES')] : []),
      ]),
    ),
    ...input.keyImages.map((k) => image(C.keyImage, k.sopClassUid, k.sopInstanceUid, k.frame)),
    ...(input.measurements ?? []).map((m) =>
      withChildren(measured(C.measurement, m.value, code('UCUM', m.unit || '1', m.unit || 'no units')), [text(C.measurementName, m.label, 'HAS PROPERTIES'), text(C.measurementSite, m.where, 'HAS PROPERTIES')]),
    ),
    ...(review
      ? [
          text(C.review, review.verdict),
          ...(review.note ? [text(C.reviewNote, review.note)] : []),
          ...(review.editedAnswer ? [text(C.editedAnswer, review.editedAnswer)] : []),
        ]
      : []),
    text(C.algorithmName, input.provenance.model),
    text(C.algorithmVersion, input.provenance.modelVersion),
    text(C.knowledgeBase, input.provenance.knowledgeBase),
    text(C.label, input.decisionSupportLabel),
  ];
  const ds = {
    ...documentHeader(COMPREHENSIVE_SR, sopInstanceUid, input),
    CodingSchemeIdentificationSequence: [{ CodingSchemeDesignator: '99MEDRWR', CodingSchemeName: 'Med-RwR Workstation local codes', CodingSchemeResponsibleOrganization: 'Med-RwR Workstation' }],
    // SR Document Series
    Modality: 'SR',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: '9001',
    SeriesDescription: 'Med-RwR decision support',
    ReferencedPerformedProcedureStepSequence: [],
    // General Equipment
    Manufacturer: 'Med-RwR Workstation',
    SoftwareVersions: input.provenance.modelVersion,
    // SR Document General
    InstanceNumber: '1',
    ContentDate: date,
    ContentTime: time,
    CompletionFlag: 'COMPLETE',
    // The reader who reviewed the result is its verifying observer; without a review nobody has verified it.
    VerificationFlag: review ? 'VERIFIED' : 'UNVERIFIED',
    ...(review
      ? {
          VerifyingObserverSequence: [
            { VerifyingObserverName: review.user, VerifyingObserverIdentificationCodeSequence: [], VerifyingOrganization: VERIFYING_ORGANIZATION, VerificationDateTime: dicomDateTime(review.at).join('') },
          ],
        }
      : {}),
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: input.keyImages.length ? evidenceSequence(input) : undefined,
    // SR Document Content: the root container
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [C.report],
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: content,
  };
  if (ds.CurrentRequestedProcedureEvidenceSequence === undefined) delete ds.CurrentRequestedProcedureEvidenceSequence;
  return { bytes: writePart10(ds), sopInstanceUid, seriesInstanceUid };
}

/** SOP Common (UTF-8, created now, in UTC) and the Patient and General Study modules as the study has them. */
export function documentHeader(sopClassUid: string, sopInstanceUid: string, input: Pick<SrInput, 'study' | 'at'>) {
  const [date, time] = dicomDateTime(input.at);
  const s = input.study;
  return {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: sopClassUid,
    SOPInstanceUID: sopInstanceUid,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    TimezoneOffsetFromUTC: '+0000',
    PatientName: s.patientName,
    PatientID: s.patientId,
    PatientBirthDate: s.patientBirthDate,
    PatientSex: s.patientSex,
    StudyInstanceUID: s.studyInstanceUid,
    StudyDate: s.studyDate,
    StudyTime: s.studyTime,
    ReferringPhysicianName: '',
    StudyID: s.studyId,
    AccessionNumber: s.accessionNumber,
  };
}

/** The images a document rests on, study by study and series by series (CurrentRequestedProcedureEvidenceSequence). */
export function evidenceSequence(input: Pick<SrInput, 'study' | 'keyImages'>): object[] {
  const byStudy = new Map<string, Map<string, { sopClassUid: string; sopInstanceUid: string }[]>>();
  for (const k of input.keyImages) {
    const study = k.studyInstanceUid ?? input.study.studyInstanceUid;
    const series = byStudy.get(study) ?? new Map<string, { sopClassUid: string; sopInstanceUid: string }[]>();
    byStudy.set(study, series.set(k.seriesInstanceUid, [...(series.get(k.seriesInstanceUid) ?? []), k]));
  }
  return [...byStudy].map(([study, bySeries]) => ({
    StudyInstanceUID: study,
    ReferencedSeriesSequence: [...bySeries].map(([series, refs]) => ({
      SeriesInstanceUID: series,
      ReferencedSOPSequence: refs.map((r) => ({ ReferencedSOPClassUID: r.sopClassUid, ReferencedSOPInstanceUID: r.sopInstanceUid })),
    })),
  }));
}

function code(scheme: string, value: string, meaning: string) {
  return { CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning };
}

type Code = ReturnType<typeof code>;

function text(concept: Code, value: string, relationship = 'CONTAINS') {
  return { RelationshipType: relationship, ValueType: 'TEXT', ConceptNameCodeSequence: [concept], TextValue: value };
}

/** A probability (0..1) as a percentage with one decimal. */
function num(concept: Code, fraction: number, relationship = 'CONTAINS') {
  return { ...measured(concept, Math.round(fraction * 1000) / 10, code('UCUM', '%', 'percent')), RelationshipType: relationship };
}

function measured(concept: Code, value: number, unit: Code) {
  return { RelationshipType: 'CONTAINS', ValueType: 'NUM', ConceptNameCodeSequence: [concept], MeasuredValueSequence: [{ NumericValue: decimalString(value), MeasurementUnitsCodeSequence: [unit] }] };
}

/** A DS value fits 16 characters. */
function decimalString(v: number): string {
  const s = String(v);
  return s.length <= 16 ? s : v.toPrecision(10).replace(/\.?0+(e|$)/, '$1');
}

function container(concept: Code) {
  return { RelationshipType: 'CONTAINS', ValueType: 'CONTAINER', ConceptNameCodeSequence: [concept], ContinuityOfContent: 'SEPARATE' };
}

function withChildren<T extends object>(item: T, children: object[]): T {
  return children.length ? { ...item, ContentSequence: children } : item;
}

function image(concept: Code, sopClassUid: string, sopInstanceUid: string, frame?: number) {
  const ref: Record<string, unknown> = { ReferencedSOPClassUID: sopClassUid, ReferencedSOPInstanceUID: sopInstanceUid };
  if (frame !== undefined) ref.ReferencedFrameNumber = String(frame);
  return { RelationshipType: 'CONTAINS', ValueType: 'IMAGE', ConceptNameCodeSequence: [concept], ReferencedSOPSequence: [ref] };
}

export function dicomDateTime(d: Date): [string, string] {
  const iso = d.toISOString(); // UTC, declared by TimezoneOffsetFromUTC
  return [iso.slice(0, 10).replaceAll('-', ''), iso.slice(11, 19).replaceAll(':', '')];
}
