import type { AppEvent } from '../../api/events.js';
import type { AppContext } from '../../app/context.js';
import type { CaseStore } from '../../cases/store.js';
import { KEY_IMAGE, testContext } from '../../cases/testing/fixtures.js';
import { pdfText } from '../../cases/testing/pdf-text.js';
import { thumbnailDataUrl } from '../../imaging/thumbnail.js';
import type { ReasoningParams } from '../../reasoning/params.js';
import { runReasoning } from '../../reasoning/run.js';
import { grey, ScriptedEngine, ScriptedImageRetriever, ScriptedRetriever, type ScriptedRound } from '../../reasoning/testing/scripted.js';
import type { ReportModel } from '../model.js';

/** Test helpers for the reports: cases run through the real reasoning loop on scripted model outputs. */

export const OPTIONS = [
  { letter: 'A', text: 'Pneumonia' },
  { letter: 'B', text: 'Fracture' },
  { letter: 'C', text: 'Normal' },
  { letter: 'D', text: 'Effusion' },
];

export const PATIENT: NonNullable<ReportModel['patient']> = {
  name: 'DOE^JOHN',
  id: 'PAT-001234',
  birthDate: '19580312',
  sex: 'M',
  studyDate: '20240105',
  accessionNumber: 'ACC778899',
  studyDescription: 'CT ABDOMEN',
  modality: 'CT',
  institution: 'Saint Example Hospital',
};

export interface ScriptedCase {
  ctx: AppContext;
  store: CaseStore;
  caseId: string;
}

export function scriptedCase(question = 'What does the image show?'): ScriptedCase {
  const ctx = testContext();
  const store = ctx.services.cases;
  const c = store.createCase({ title: 'Chest film', question, options: OPTIONS, keyImages: [KEY_IMAGE], synthetic: true });
  return { ctx, store, caseId: c.id };
}

/**
 * One run of the case: `runReasoning` (the real loop) on scripted outputs, its events numbered and stored exactly as
 * the case service stores a live run's.
 */
export async function scriptedRun(
  sc: ScriptedCase,
  rounds: ScriptedRound[],
  opts: { passages?: (q: string) => string[]; similar?: boolean; overrides?: Partial<ReasoningParams> } = {},
): Promise<string> {
  const run = sc.store.startRun(sc.caseId, { ...opts.overrides });
  let seq = 0;
  const emit = (draft: object) => {
    const event = { ...draft, seq: seq++, at: 1_700_000_000_000 + seq } as AppEvent;
    sc.store.appendEvent(run.id, event);
    return event;
  };
  const similar = opts.similar ? { id: 'lib-7', caption: 'Right lower lobe consolidation (reference)', score: 0.93, image: grey(40, 30, 200) } : null;
  await runReasoning(
    { taskId: run.id, images: [grey(56, 56)], question: sc.store.getCase(sc.caseId).question, options: OPTIONS.map((o) => `${o.letter}. ${o.text}`) },
    {
      engine: new ScriptedEngine(rounds),
      textRetriever: new ScriptedRetriever(opts.passages ?? (() => [])),
      imageRetriever: similar ? new ScriptedImageRetriever(similar) : null,
      emit: emit as never,
    },
    opts.overrides,
  );
  return run.id;
}

/** A gradient PNG standing in for a rendered key image (the test cases have no DICOM file to render). */
export function keyImagePng(width = 96, height = 128): string {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.fill(Math.round((255 * (x + y)) / (width + height)), (y * width + x) * 3, (y * width + x) * 3 + 3);
  return thumbnailDataUrl({ width, height, data }, 512);
}

/** The model as a case with a known patient and a readable key image would give it. */
export function withPatient(m: ReportModel): ReportModel {
  return { ...m, patient: { ...PATIENT }, images: m.images.map((im) => ({ ...im, png: keyImagePng(), problem: null })) };
}

/** The PDF's text, page by page (pdftotext ends each page with a form feed). */
export function pdfPages(pdf: Buffer): string[] {
  return pdfText(pdf)
    .split('\f')
    .filter((p) => p.trim())
    .map((p) => p.replace(/[ \t]+/g, ' '));
}

/** The text of an HTML report as a reader gets it: tags out, entities decoded. */
export function htmlText(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/\s+/g, ' ');
}

/**
 * Inserts a patient with one study, series and instance straight into the studies index (as an import would), so
 * that the case store can tell whose an image is without a DICOM file.
 */
export function indexInstance(ctx: AppContext, patient: { key: string; id: string; name: string }, sopUid: string): void {
  const db = ctx.services.db;
  const study = `${sopUid}.1`;
  const series = `${sopUid}.2`;
  db.prepare('INSERT OR IGNORE INTO patients (key, patient_id, name, birth_date, sex) VALUES (?, ?, ?, ?, ?)').run(patient.key, patient.id, patient.name, '19600101', 'F');
  db.prepare('INSERT INTO studies (study_uid, patient_key, date, time, description, accession) VALUES (?, ?, ?, ?, ?, ?)').run(study, patient.key, '20240101', '', 'CT', '');
  db.prepare('INSERT INTO series (series_uid, study_uid, number, modality, description) VALUES (?, ?, ?, ?, ?)').run(series, study, 1, 'CT', '');
  db.prepare(
    `INSERT INTO instances (sop_uid, series_uid, sop_class_uid, instance_number, path, file_size, frames, transfer_syntax, photometric, rows, columns,
       bits_allocated, bits_stored, rescale_slope, rescale_intercept, imported_at) VALUES (?, ?, '1.2.840.10008.5.1.4.1.1.2', 1, '/nowhere', 0, 1, '1.2.840.10008.1.2.1', 'MONOCHROME2', 4, 4, 16, 12, 1, 0, ?)`,
  ).run(sopUid, series, new Date().toISOString());
}
