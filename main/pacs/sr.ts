import { newUid, writePart10 } from './dcmjs.js';

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
  /** 0..1, null when unknown */
  confidence: number | null;
  evidence: readonly { text: string; source: string; passageId: string }[];
  keyImages: readonly { seriesInstanceUid: string; sopClassUid: string; sopInstanceUid: string; /** 1-based; only for a multi-frame image (DICOM forbids a frame number otherwise) */ frame?: number }[];
  provenance: { model: string; modelVersion: string; knowledgeBase: string };
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

export function buildSr(input: SrInput, uids: { series?: string; instance?: string } = {}): { bytes: Buffer; sopInstanceUid: string; seriesInstanceUid: string } {
  const sopInstanceUid = uids.instance ?? newUid();
  const seriesInstanceUid = uids.series ?? newUid();
  const [date, time] = dicomDateTime(input.at);
  const s = input.study;
  const content = [
    text(C.question, input.question),
    ...input.options.map((o) => text(C.option, `${o.letter}. ${o.text}`)),
    text(C.answer, input.answer ? `${input.answer.letter ? `${input.answer.letter}. ` : ''}${input.answer.text}` : NO_VALID_ANSWER),
    ...(input.confidence === null ? [] : [num(C.confidence, Math.round(input.confidence * 1000) / 10, code('UCUM', '%', 'percent'))]),
    ...input.evidence.map((e) => ({ ...text(C.evidence, e.text), ContentSequence: [text(C.source, e.source, 'HAS PROPERTIES'), text(C.passage, e.passageId, 'HAS PROPERTIES')] })),
    ...input.keyImages.map((k) => image(C.keyImage, k.sopClassUid, k.sopInstanceUid, k.frame)),
    text(C.algorithmName, input.provenance.model),
    text(C.algorithmVersion, input.provenance.modelVersion),
    text(C.knowledgeBase, input.provenance.knowledgeBase),
    text(C.label, input.decisionSupportLabel),
  ];
  const bySeries = new Map<string, { sopClassUid: string; sopInstanceUid: string }[]>();
  for (const k of input.keyImages) bySeries.set(k.seriesInstanceUid, [...(bySeries.get(k.seriesInstanceUid) ?? []), k]);
  const ds = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: COMPREHENSIVE_SR,
    SOPInstanceUID: sopInstanceUid,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    TimezoneOffsetFromUTC: '+0000',
    CodingSchemeIdentificationSequence: [{ CodingSchemeDesignator: '99MEDRWR', CodingSchemeName: 'Med-RwR Workstation local codes', CodingSchemeResponsibleOrganization: 'Med-RwR Workstation' }],
    // Patient and General Study, as the study has them
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
    // Nobody has verified it: the reader's review is recorded by the app, not signed here.
    VerificationFlag: 'UNVERIFIED',
    PerformedProcedureCodeSequence: [],
    CurrentRequestedProcedureEvidenceSequence: input.keyImages.length
      ? [
          {
            StudyInstanceUID: s.studyInstanceUid,
            ReferencedSeriesSequence: [...bySeries].map(([series, refs]) => ({
              SeriesInstanceUID: series,
              ReferencedSOPSequence: refs.map((r) => ({ ReferencedSOPClassUID: r.sopClassUid, ReferencedSOPInstanceUID: r.sopInstanceUid })),
            })),
          },
        ]
      : undefined,
    // SR Document Content: the root container
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [C.report],
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: content,
  };
  if (ds.CurrentRequestedProcedureEvidenceSequence === undefined) delete ds.CurrentRequestedProcedureEvidenceSequence;
  return { bytes: writePart10(ds), sopInstanceUid, seriesInstanceUid };
}

function code(scheme: string, value: string, meaning: string) {
  return { CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning };
}

type Code = ReturnType<typeof code>;

function text(concept: Code, value: string, relationship = 'CONTAINS') {
  return { RelationshipType: relationship, ValueType: 'TEXT', ConceptNameCodeSequence: [concept], TextValue: value };
}

function num(concept: Code, value: number, unit: Code) {
  return { RelationshipType: 'CONTAINS', ValueType: 'NUM', ConceptNameCodeSequence: [concept], MeasuredValueSequence: [{ NumericValue: String(value), MeasurementUnitsCodeSequence: [unit] }] };
}

function image(concept: Code, sopClassUid: string, sopInstanceUid: string, frame?: number) {
  const ref: Record<string, unknown> = { ReferencedSOPClassUID: sopClassUid, ReferencedSOPInstanceUID: sopInstanceUid };
  if (frame !== undefined) ref.ReferencedFrameNumber = String(frame);
  return { RelationshipType: 'CONTAINS', ValueType: 'IMAGE', ConceptNameCodeSequence: [concept], ReferencedSOPSequence: [ref] };
}

function dicomDateTime(d: Date): [string, string] {
  const iso = d.toISOString(); // UTC, declared by TimezoneOffsetFromUTC
  return [iso.slice(0, 10).replaceAll('-', ''), iso.slice(11, 19).replaceAll(':', '')];
}
