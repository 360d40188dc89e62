import { z } from 'zod';
import type { Case, KeyImage, RunRecord } from '../api/cases.js';
import { DISCLAIMER } from '../api/contract.js';
import { ApiError } from '../api/errors.js';
import { buildTrace, type Trace } from '../api/trace.js';
import type { AppContext } from '../app/context.js';
import { dispatch } from '../app/dispatch.js';
import { renderKeyImage } from '../cases/key-images.js';
import { caseStore } from '../cases/service.js';
import { deidentifyReport } from './deidentify.js';

export interface PatientInfo {
  name: string;
  id: string;
  birthDate: string;
  sex: string;
  studyDate: string;
  accessionNumber: string;
  studyDescription: string;
}

export interface ReportImage {
  key: KeyImage;
  /** data:image/png;base64,… exactly what the model saw; null when the file is no longer readable. */
  png: string | null;
  problem: string | null;
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
  run: RunRecord | null;
  trace: Trace | null;
}

const Tags = z.object({ tags: z.array(z.object({ tag: z.string(), value: z.string() })) });
const PATIENT_TAGS: Record<string, keyof PatientInfo> = {
  '(0010,0010)': 'name',
  '(0010,0020)': 'id',
  '(0010,0030)': 'birthDate',
  '(0010,0040)': 'sex',
  '(0008,0020)': 'studyDate',
  '(0008,0050)': 'accessionNumber',
  '(0008,1030)': 'studyDescription',
};

export async function buildReportModel(ctx: AppContext, opts: { caseId: string; runId?: string; deidentify: boolean }): Promise<ReportModel> {
  const store = caseStore(ctx);
  const c = store.getCase(opts.caseId);
  const runs = store.runsOf(c.id);
  const run = opts.runId ? runs.find((r) => r.id === opts.runId) : runs[runs.length - 1];
  if (opts.runId && !run) throw new ApiError('not_found', `Case "${c.title}" has no run "${opts.runId}".`);
  // Key images and question as the reported run saw them (the case may have been edited since).
  const inputs = run ? store.runInputs(run.id) : c;
  const images = await Promise.all(inputs.keyImages.map((k) => reportImage(ctx, k)));
  const model: ReportModel = {
    title: `Case report: ${c.title}`,
    generatedAt: new Date().toISOString(),
    disclaimer: DISCLAIMER,
    synthetic: c.synthetic || run?.provenance?.model.synthetic === true,
    deidentified: false,
    case: { id: c.id, title: c.title, question: inputs.question, options: inputs.options, createdAt: c.createdAt, status: c.status },
    patient: inputs.keyImages[0] ? await patientOf(ctx, inputs.keyImages[0].sopInstanceUid) : null,
    images,
    run: run ?? null,
    trace: run ? buildTrace(store.events(run.id)) : null,
  };
  return opts.deidentify ? deidentifyReport(model) : model;
}

async function reportImage(ctx: AppContext, key: KeyImage): Promise<ReportImage> {
  try {
    return { key, png: (await renderKeyImage(ctx, key)).png, problem: null };
  } catch (err) {
    return { key, png: null, problem: `image not available: ${(err as Error).message}` };
  }
}

/** Patient and study identity from the key image's DICOM header, when the studies index still has it. */
async function patientOf(ctx: AppContext, sopInstanceUid: string): Promise<PatientInfo | null> {
  try {
    const { tags } = Tags.parse(await dispatch(ctx, 'instances.tags', { sopInstanceUid }));
    const info: PatientInfo = { name: '', id: '', birthDate: '', sex: '', studyDate: '', accessionNumber: '', studyDescription: '' };
    for (const t of tags) {
      const field = PATIENT_TAGS[t.tag];
      if (field) info[field] = t.value.trim();
    }
    return info;
  } catch {
    return null;
  }
}
