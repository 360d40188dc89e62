import { z } from 'zod';
import { method } from './define.js';
import { AppEvent } from './events.js';
import { Provenance, Timings } from './run-events.js';
import { SettingsPatch } from './settings.js';

/** A frame the clinician marked as model input, with the display state the model must see it in. */
export const KeyImage = z.object({
  sopInstanceUid: z.string().min(1),
  frame: z.number().int().nonnegative(),
  window: z.object({ center: z.number(), width: z.number().positive('window width must be positive') }),
  invert: z.boolean(),
  studyInstanceUid: z.string().optional(),
  seriesInstanceUid: z.string().optional(),
  /** A short label for the strip and the report (e.g. "Series 2 · image 14"). */
  label: z.string().optional(),
});
export type KeyImage = z.infer<typeof KeyImage>;

export const CaseOption = z.object({
  letter: z.string().regex(/^[A-Z]$/, 'an option letter is one capital letter A–Z'),
  text: z.string().min(1, 'an option needs its text'),
});
export type CaseOption = z.infer<typeof CaseOption>;

const CaseFields = {
  title: z.string().max(200),
  question: z.string().min(1, 'the question must not be empty').max(4000),
  /** Empty for a free-text question. */
  options: z.array(CaseOption).max(26),
  keyImages: z.array(KeyImage).max(8, 'at most 8 key images per case'),
};

const uniqueLetters = (c: { options?: CaseOption[] }) => !c.options || new Set(c.options.map((o) => o.letter)).size === c.options.length;

export const CaseInput = z
  .object({ ...CaseFields, title: CaseFields.title.optional(), keyImages: CaseFields.keyImages.default([]), options: CaseFields.options.default([]), synthetic: z.boolean().default(false) })
  .strict()
  .refine(uniqueLetters, { message: 'option letters must be unique', path: ['options'] });

/** The one patient a case belongs to, as the studies database knows them (DICOM PN as stored). */
export const PatientRef = z.object({ key: z.string(), patientId: z.string(), name: z.string() });
export type PatientRef = z.infer<typeof PatientRef>;

export const ReviewVerdict = z.enum(['agree', 'disagree', 'edit']);
export type ReviewVerdict = z.infer<typeof ReviewVerdict>;

/** A clinician's review of a run: the attestation printed in the report. Append-only; the newest stands. */
export const Review = z.object({
  id: z.number().int(),
  caseId: z.string(),
  runId: z.string(),
  verdict: ReviewVerdict,
  note: z.string(),
  /** The reader's own answer when the verdict is "edit". */
  editedAnswer: z.string().nullable(),
  user: z.string(),
  at: z.string(),
});
export type Review = z.infer<typeof Review>;

export const ReviewInput = z
  .object({
    caseId: z.string().min(1),
    runId: z.string().min(1),
    verdict: ReviewVerdict,
    note: z.string().max(4000).default(''),
    editedAnswer: z.string().max(4000).optional(),
  })
  .strict()
  .refine((r) => r.verdict !== 'edit' || !!r.editedAnswer?.trim(), { message: 'an edit needs the corrected answer', path: ['editedAnswer'] })
  .refine((r) => r.verdict !== 'disagree' || !!r.note.trim(), { message: 'say why you disagree in the note', path: ['note'] });

export const CaseStatus = z.enum(['draft', 'answered', 'cancelled', 'failed', 'interrupted']);
export const RunStatus = z.enum(['running', 'completed', 'cancelled', 'failed', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatus>;

export const Case = z.object({
  id: z.string(),
  ...CaseFields,
  status: CaseStatus,
  /** Built from the demo world (synthetic studies, demo model): labelled as such everywhere. */
  synthetic: z.boolean(),
  /** The patient whose images the case holds (null until it has a key image the studies database knows). */
  patient: PatientRef.nullable(),
  /** The studies its key images come from. */
  studies: z.array(z.string()),
  /** Set when the case holds images of more than one patient (made before cases were tied to one): runs and reports are refused. */
  problem: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Case = z.infer<typeof Case>;

export const RunRecord = z.object({
  id: z.string(),
  caseId: z.string(),
  status: RunStatus,
  /** The settings the run used (after overrides). */
  params: z.record(z.string(), z.unknown()),
  provenance: Provenance.nullable(),
  timings: Timings.nullable(),
  finalLetter: z.string().nullable(),
  finalConfidence: z.number().nullable(),
  error: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
});
export type RunRecord = z.infer<typeof RunRecord>;

export const CaseSummary = Case.pick({ id: true, title: true, question: true, status: true, synthetic: true, patient: true, problem: true, createdAt: true, updatedAt: true }).extend({
  runs: z.number().int(),
  /** The latest run's valid answer (null: none, or not valid). */
  lastLetter: z.string().nullable(),
  lastConfidence: z.number().nullable(),
  /** Whether the latest run's answer was valid (null: no finished run, or a run recorded before validity was). */
  lastValid: z.boolean().nullable(),
  /** Completed runs gave different valid answers. */
  runsDisagree: z.boolean(),
  /** The newest review's verdict, if any. */
  lastReview: ReviewVerdict.nullable(),
});
export type CaseSummary = z.infer<typeof CaseSummary>;

/** A stored value of the case or a run that cannot be read back; the case is shown without it (`medrwr db check`). */
export const DamagedRecord = z.object({ record: z.string(), reason: z.string(), raw: z.string() });
export type DamagedRecord = z.infer<typeof DamagedRecord>;

export const CaseDetail = z.object({ case: Case, runs: z.array(RunRecord.extend({ events: z.array(AppEvent) })), reviews: z.array(Review), damaged: z.array(DamagedRecord).optional() });
export type CaseDetail = z.infer<typeof CaseDetail>;

export const AuditEntry = z.object({ at: z.string(), user: z.string(), action: z.string(), caseId: z.string().nullable(), runId: z.string().nullable(), detail: z.string().nullable() });
export type AuditEntry = z.infer<typeof AuditEntry>;

/** sr: a DICOM Comprehensive SR (.dcm) that joins the key images' study; never de-identified. */
export const ReportFormat = z.enum(['html', 'pdf', 'json', 'sr']);
export type ReportFormat = z.infer<typeof ReportFormat>;

export const ExportedReport = z.object({
  filename: z.string(),
  mimeType: z.string(),
  /** html and json are text; pdf and sr (DICOM) come base64-encoded. */
  encoding: z.enum(['utf8', 'base64']),
  data: z.string(),
});
export type ExportedReport = z.infer<typeof ExportedReport>;

const caseId = z.string().min(1);

export const casesMethods = {
  'cases.create': method(CaseInput, Case, 'Create a case: question, options (empty for free text), key images with their window/level.'),
  'cases.update': method(
    z
      .object({ caseId, title: CaseFields.title.optional(), question: CaseFields.question.optional(), options: CaseFields.options.optional(), keyImages: CaseFields.keyImages.optional() })
      .strict()
      .refine(uniqueLetters, { message: 'option letters must be unique', path: ['options'] }),
    Case,
    "Edit a case's question, options or key images; earlier runs keep what they were run with.",
  ),
  'cases.get': method(
    z.object({ caseId, audit: z.boolean().default(true) }).strict(),
    CaseDetail,
    'A case with every run and its complete event log, in order; recorded as "open" in the audit log unless audit is false (a refresh).',
  ),
  'cases.list': method(z.object({ search: z.string().max(200).optional() }).strict(), z.object({ cases: z.array(CaseSummary) }), 'Cases, newest first, optionally filtered by words in the title or question.'),
  'cases.delete': method(z.object({ caseId }).strict(), z.object({ deleted: z.literal(true) }), 'Delete a case with its runs (the audit log keeps that it happened).'),
  'cases.run': method(
    z.object({ caseId, settings: SettingsPatch.optional() }).strict(),
    z.object({ runId: z.string() }),
    "Start a reasoning run on a case; its events stream with taskId = runId. Settings overrides apply to this run only.",
  ),
  'cases.ensureDemo': method(
    z.object({}).strict(),
    z.object({ created: z.array(z.string()) }),
    'On a fresh install, import the demo studies and create the demo cases (synthetic) once; otherwise do nothing.',
  ),
  'cases.audit': method(z.object({ caseId: caseId.optional() }).strict(), z.object({ entries: z.array(AuditEntry) }), 'The audit log (who did what when), optionally for one case.'),
  'cases.review': method(ReviewInput, Review, "Record the reader's review of a finished run (agree, disagree or edit, with a note): stored append-only and audited."),
  'runs.cancel': method(z.object({ runId: z.string().min(1) }).strict(), z.object({ status: RunStatus }), 'Cancel a running run; it stops within a second and is recorded as cancelled.'),
  'reports.export': method(
    z.object({ caseId, format: ReportFormat, deidentify: z.boolean().default(false), runId: z.string().optional() }).strict(),
    ExportedReport,
    "Export a case report (the latest run unless runId is given) as self-contained HTML, PDF or JSON; optionally de-identified.",
  ),
};
