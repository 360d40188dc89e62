import type { Case, KeyImage, Review, RunRecord } from '../api/cases.js';
import { TOOL_LABEL, type Measurement, type MeasurementTool } from '../api/measurements.js';
import { assessRun, validLetter, type Assessment } from '../api/assessment.js';
import { DISCLAIMER } from '../api/contract.js';
import { ApiError } from '../api/errors.js';
import { traceSections, type Section } from '../api/sections.js';
import { buildTrace, type Trace } from '../api/trace.js';
import type { AppContext } from '../app/context.js';
import { renderKeyImage } from '../cases/key-images.js';
import { measurementPlace } from '../cases/measurement-place.js';
import type { StudiesPort } from '../cases/ports.js';
import { describePatient } from '../cases/store.js';
import { deidentifyReport } from './deidentify.js';

/** Patient and study identity as the DICOM header has it (raw values: the writers format them). */
export interface PatientInfo {
  name: string;
  id: string;
  birthDate: string;
  sex: string;
  studyDate: string;
  accessionNumber: string;
  studyDescription: string;
  modality: string;
  institution: string;
}

export interface ReportImage {
  key: KeyImage;
  /** data:image/png;base64,… exactly what the model saw; null when the file is no longer readable. */
  png: string | null;
  problem: string | null;
}

/** A measurement made in the viewer on an image of the case's studies. */
export interface ReportMeasurement {
  label: string;
  tool: MeasurementTool;
  value: number;
  unit: string;
  /** An ROI's SD and area, as the viewer showed them ('' for lengths and angles). */
  detail: string;
  /** Where it was taken, in words (e.g. "series 2 (CT Chest), image 14, frame 3 of 96"). */
  where: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  /** 0-based, as everywhere in the app. */
  frame: number;
}

/** Everything a report shows, in one plain object: the HTML, PDF and JSON writers only lay it out. */
export interface ReportModel {
  title: string;
  generatedAt: string;
  disclaimer: string;
  synthetic: boolean;
  deidentified: boolean;
  case: Pick<Case, 'id' | 'title' | 'question' | 'options' | 'createdAt' | 'status'>;
  patient: PatientInfo | null;
  images: ReportImage[];
  measurements: ReportMeasurement[];
  run: RunRecord | null;
  /** The raw fold of the run's events (the model's own text included): the JSON export keeps it whole. */
  trace: Trace | null;
  /** Validity, differential and flags of the reported run (null: not run). */
  assessment: Assessment | null;
  /** The trace as a reader sees it: reasoning without protocol tags, queries with their evidence. */
  sections: Section[];
  /** The newest review of the reported run: the attestation (null: not reviewed). */
  review: Review | null;
}

const PATIENT_TAGS: Record<string, keyof PatientInfo> = {
  '(0010,0010)': 'name',
  '(0010,0020)': 'id',
  '(0010,0030)': 'birthDate',
  '(0010,0040)': 'sex',
  '(0008,0020)': 'studyDate',
  '(0008,0050)': 'accessionNumber',
  '(0008,1030)': 'studyDescription',
  '(0008,0060)': 'modality',
  '(0008,0080)': 'institution',
};

export async function buildReportModel(ctx: AppContext, opts: { caseId: string; runId?: string; deidentify: boolean }): Promise<ReportModel> {
  const store = ctx.services.cases;
  const c = store.getCase(opts.caseId);
  // A report names one patient: a case that mixes patients (made before cases were tied to one) is never reported.
  if (c.problem) throw new ApiError('conflict', `No report for case "${c.title}": ${c.problem}`);
  const runs = store.runsOf(c.id);
  const run = opts.runId ? runs.find((r) => r.id === opts.runId) : runs[runs.length - 1];
  if (opts.runId && !run) throw new ApiError('not_found', `Case "${c.title}" has no run "${opts.runId}".`);
  // Key images and question as the reported run saw them (the case may have been edited since).
  const inputs = run ? store.runInputs(run.id) : c;
  const { patients } = store.owners(inputs.keyImages);
  if (patients.length > 1) {
    throw new ApiError('conflict', `No report for case "${c.title}": its key images belong to ${patients.map(describePatient).join(' and ')}. A report shows one patient.`);
  }
  const images = await Promise.all(inputs.keyImages.map((k) => reportImage(ctx.services.studies, k)));
  const trace = run ? buildTrace(store.events(run.id)) : null;
  const others = runs.filter((r) => r.id !== run?.id).map((r) => ({ runId: r.id, letter: validLetter(buildTrace(store.events(r.id))) }));
  const model: ReportModel = {
    title: `Case report: ${c.title}`,
    generatedAt: new Date().toISOString(),
    disclaimer: DISCLAIMER,
    synthetic: c.synthetic || run?.provenance?.model.synthetic === true,
    deidentified: false,
    case: { id: c.id, title: c.title, question: inputs.question, options: inputs.options, createdAt: c.createdAt, status: c.status },
    patient: inputs.keyImages[0] ? await patientOf(ctx.services.studies, inputs.keyImages[0].sopInstanceUid) : null,
    images,
    measurements: ctx.services.measurements.listForStudies(caseStudies(c, inputs.keyImages)).map((m) => reportMeasurement(ctx.services.studies, m)),
    run: run ?? null,
    trace,
    assessment: trace ? assessRun(trace, inputs.options, others) : null,
    sections: trace ? traceSections(trace) : [],
    review: run ? (store.reviews(c.id).filter((r) => r.runId === run.id).at(-1) ?? null) : null,
  };
  return opts.deidentify ? deidentifyReport(model) : model;
}

/** The studies a case's measurements come from: its key images' (as indexed now, or as recorded with them). */
function caseStudies(c: Case, keyImages: readonly KeyImage[]): string[] {
  return [...new Set([...c.studies, ...keyImages.flatMap((k) => (k.studyInstanceUid ? [k.studyInstanceUid] : []))])];
}

function reportMeasurement(studies: StudiesPort, m: Measurement): ReportMeasurement {
  const { uid: _uid, geometry: _geometry, createdAt: _c, updatedAt: _u, ...kept } = m;
  return { ...kept, label: m.label || TOOL_LABEL[m.tool], where: measurementPlace(studies, m) };
}

async function reportImage(studies: StudiesPort, key: KeyImage): Promise<ReportImage> {
  try {
    return { key, png: (await renderKeyImage(studies, key)).png, problem: null };
  } catch (err) {
    return { key, png: null, problem: `image not available: ${(err as Error).message}` };
  }
}

/** Patient and study identity from the key image's DICOM header, when the studies index still has it. */
async function patientOf(studies: StudiesPort, sopInstanceUid: string): Promise<PatientInfo | null> {
  try {
    const tags = await studies.tags(sopInstanceUid);
    const info: PatientInfo = { name: '', id: '', birthDate: '', sex: '', studyDate: '', accessionNumber: '', studyDescription: '', modality: '', institution: '' };
    for (const t of tags) {
      const field = PATIENT_TAGS[t.tag];
      if (field) info[field] = t.value.trim();
    }
    return info;
  } catch {
    return null;
  }
}
