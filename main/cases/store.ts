import type Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../api/errors.js';
import type { AppEvent } from '../api/events.js';
import { formatPersonName } from '../api/format.js';
import { Provenance, Timings } from '../api/run-events.js';
import { CaseOption as CaseOptionSchema, KeyImage as KeyImageSchema, type AuditEntry, type Case, type CaseDetail, type CaseOption, type CaseSummary, type DamagedRecord, type KeyImage, type PatientRef, type Review, type ReviewVerdict, type RunRecord, type RunStatus } from '../api/cases.js';
import { z } from 'zod';
import { readEventRow, readJson, truncate } from './damage.js';
import { osUser } from './os-user.js';

export type AuditAction = 'create' | 'update' | 'open' | 'run' | 'cancel' | 'export' | 'delete' | 'recover' | 'review' | 'flag' | 'repair';

/** Whose image an instance is, as the studies database knows it (a port main/dicom implements); undefined: unknown. */
export type InstanceOwner = (sopInstanceUid: string) => (PatientRef & { studyUid: string }) | undefined;

export interface NewCase {
  title?: string;
  question: string;
  options: CaseOption[];
  keyImages: KeyImage[];
  synthetic: boolean;
}

interface CaseRow {
  id: string;
  title: string;
  question: string;
  options: string;
  status: Case['status'];
  synthetic: number;
  patient: string | null;
  created_at: string;
  updated_at: string;
}
interface KeyImageRow {
  sop_instance_uid: string;
  frame: number;
  window_center: number;
  window_width: number;
  invert: number;
  study_instance_uid: string | null;
  series_instance_uid: string | null;
  label: string | null;
}
interface RunRow {
  id: string;
  case_id: string;
  status: RunStatus;
  params: string;
  provenance: string | null;
  timings: string | null;
  final_letter: string | null;
  final_confidence: number | null;
  error: string | null;
  owner_pid: number;
  started_at: string;
  ended_at: string | null;
}

const CASE_STATUS_AFTER: Record<Exclude<RunStatus, 'running'>, Case['status']> = {
  completed: 'answered',
  cancelled: 'cancelled',
  failed: 'failed',
  interrupted: 'interrupted',
};

/**
 * Cases, their runs, each run's append-only event log (with evidence and answers drawn out of it for querying),
 * and the audit log, in the app database. Every write is its own transaction, so a crash loses at most the event
 * being written.
 */
export class CaseStore {
  constructor(
    private readonly db: Database.Database,
    private readonly user: string = osUser(),
    /** Without it (store-only tests) images are not tied to patients. */
    private readonly owner: InstanceOwner = () => undefined,
  ) {}

  createCase(input: NewCase): Case {
    const id = randomUUID();
    const now = new Date().toISOString();
    const title = input.title?.trim() || input.question.slice(0, 80);
    const patient = this.onePatient(input.keyImages, null);
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO cases (id, title, question, options, status, synthetic, patient, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(id, title, input.question, JSON.stringify(input.options), 'draft', input.synthetic ? 1 : 0, patient ? JSON.stringify(patient) : null, now, now);
      this.writeKeyImages(id, input.keyImages);
      this.audit('create', id, null, title);
    })();
    return this.getCase(id);
  }

  updateCase(id: string, patch: Partial<Pick<Case, 'title' | 'question' | 'options' | 'keyImages'>>): Case {
    const current = this.getCase(id);
    // A case that has run stays its patient's; a draft follows its images.
    const keep = this.runsOf(id).length > 0 ? current.patient : null;
    const patient = patch.keyImages ? (this.onePatient(patch.keyImages, keep) ?? keep) : current.patient;
    this.db.transaction(() => {
      this.db
        // Options not in the patch stay as stored (even unreadable ones: only a person's new options replace them).
        .prepare('UPDATE cases SET title = ?, question = ?, options = COALESCE(?, options), patient = ?, updated_at = ? WHERE id = ?')
        .run(patch.title ?? current.title, patch.question ?? current.question, patch.options ? JSON.stringify(patch.options) : null, patient ? JSON.stringify(patient) : null, new Date().toISOString(), id);
      if (patch.keyImages) {
        this.db.prepare('DELETE FROM case_key_images WHERE case_id = ?').run(id);
        this.writeKeyImages(id, patch.keyImages);
      }
      this.audit('update', id, null, Object.keys(patch).join(', '));
    })();
    return this.getCase(id);
  }

  /** The case; options that cannot be read back come as none (`openCase` says so; a run refuses to start). */
  getCase(id: string, damaged: DamagedRecord[] = []): Case {
    const row = this.db.prepare<[string], CaseRow>('SELECT * FROM cases WHERE id = ?').get(id);
    if (!row) throw new ApiError('not_found', `No case "${id}". It may have been deleted; see the case history.`);
    const images = this.db.prepare<[string], KeyImageRow>('SELECT * FROM case_key_images WHERE case_id = ? ORDER BY position').all(id).map(toKeyImage);
    const owners = this.owners(images);
    const options = readJson(row.options, CASE_OPTIONS);
    if (!options.ok) damaged.push({ record: 'the case\'s options', reason: options.reason, raw: truncate(row.options) });
    return {
      id: row.id,
      title: row.title,
      question: row.question,
      options: options.ok ? options.value : [],
      keyImages: images,
      status: row.status,
      synthetic: row.synthetic === 1,
      patient: readPatient(row.patient) ?? owners.patients[0] ?? null,
      studies: owners.studies,
      problem: this.mixProblem(row, owners.patients),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  /** The case, every run with its full event log in seq order, its reviews. Records who opened it, unless it is a refresh. */
  openCase(id: string, audit = true): CaseDetail {
    const damaged: DamagedRecord[] = [];
    const detail = { case: this.getCase(id, damaged), runs: this.runsOf(id, damaged).map((run) => ({ ...run, events: this.events(run.id) })), reviews: this.reviews(id) };
    if (audit) this.audit('open', id, null, null);
    return damaged.length ? { ...detail, damaged } : detail;
  }

  listCases(search?: string): CaseSummary[] {
    const words = (search ?? '').trim().split(/\s+/).filter(Boolean);
    const where = words.map(() => "(c.title LIKE ? ESCAPE '\\' OR c.question LIKE ? ESCAPE '\\')").join(' AND ');
    const args = words.flatMap((w) => {
      const like = `%${w.replace(/[\\%_]/g, (ch) => '\\' + ch)}%`;
      return [like, like];
    });
    const rows = this.db
      .prepare<unknown[], CaseRow & { runs: number; last_letter: string | null; last_confidence: number | null; last_valid: number | null; letters: number; last_review: ReviewVerdict | null }>(
        `SELECT c.*, (SELECT COUNT(*) FROM runs r WHERE r.case_id = c.id) AS runs,
                last.final_letter AS last_letter, last.final_confidence AS last_confidence, last.answer_valid AS last_valid,
                (SELECT COUNT(DISTINCT final_letter) FROM runs r WHERE r.case_id = c.id AND r.status = 'completed') AS letters,
                (SELECT verdict FROM reviews v WHERE v.case_id = c.id ORDER BY v.id DESC LIMIT 1) AS last_review
           FROM cases c
           LEFT JOIN runs last ON last.id = (SELECT id FROM runs r WHERE r.case_id = c.id ORDER BY r.started_at DESC, r.rowid DESC LIMIT 1)
          ${where ? 'WHERE ' + where : ''}
          ORDER BY c.updated_at DESC, c.rowid DESC`,
      )
      .all(...args);
    return rows.map((row) => ({
      id: row.id,
      title: row.title,
      question: row.question,
      status: row.status,
      synthetic: row.synthetic === 1,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      patient: readPatient(row.patient),
      problem: this.mixProblem(row, this.owners(this.keyImagesOf(row.id)).patients),
      runs: row.runs,
      lastLetter: row.last_letter,
      lastConfidence: row.last_confidence,
      lastValid: row.last_valid === null ? null : row.last_valid === 1,
      runsDisagree: row.letters > 1,
      lastReview: row.last_review,
    }));
  }

  /** A reader's review of a finished run; audited. */
  addReview(input: { caseId: string; runId: string; verdict: ReviewVerdict; note: string; editedAnswer?: string }): Review {
    const run = this.getRun(input.runId);
    if (run.caseId !== input.caseId) throw new ApiError('bad_request', `Run "${input.runId}" is not a run of case "${input.caseId}".`);
    if (run.status !== 'completed') throw new ApiError('conflict', `Only a finished run can be reviewed; this run is ${run.status}.`);
    const at = new Date().toISOString();
    const edited = input.verdict === 'edit' ? (input.editedAnswer?.trim() ?? null) : null;
    let id = 0;
    this.db.transaction(() => {
      id = Number(
        this.db
          .prepare('INSERT INTO reviews (case_id, run_id, verdict, note, edited_answer, user, at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(input.caseId, input.runId, input.verdict, input.note.trim(), edited, this.user, at).lastInsertRowid,
      );
      this.audit('review', input.caseId, input.runId, `${input.verdict}${edited ? `: ${edited}` : ''}${input.note.trim() ? ` (${input.note.trim()})` : ''}`);
    })();
    return { id, caseId: input.caseId, runId: input.runId, verdict: input.verdict, note: input.note.trim(), editedAnswer: edited, user: this.user, at };
  }

  reviews(caseId: string): Review[] {
    return this.db
      .prepare<[string], { id: number; case_id: string; run_id: string; verdict: ReviewVerdict; note: string; edited_answer: string | null; user: string; at: string }>(
        'SELECT * FROM reviews WHERE case_id = ? ORDER BY id',
      )
      .all(caseId)
      .map((r) => ({ id: r.id, caseId: r.case_id, runId: r.run_id, verdict: r.verdict, note: r.note, editedAnswer: r.edited_answer, user: r.user, at: r.at }));
  }

  /** The distinct patients (and studies) the given images belong to, as the studies database knows them. */
  owners(images: readonly KeyImage[]): { patients: PatientRef[]; studies: string[] } {
    const patients = new Map<string, PatientRef>();
    const studies = new Set<string>();
    for (const k of images) {
      const o = this.owner(k.sopInstanceUid);
      if (!o) continue;
      patients.set(o.key, { key: o.key, patientId: o.patientId, name: o.name });
      studies.add(o.studyUid);
    }
    return { patients: [...patients.values()], studies: [...studies] };
  }

  /**
   * Cases that hold images of more than one patient (made before cases were tied to one), found at start: each is
   * flagged once in the audit log and refused for runs and reports; nothing is changed in them.
   */
  flagMixedCases(): string[] {
    const flagged: string[] = [];
    for (const row of this.db.prepare<[], CaseRow>('SELECT * FROM cases').all()) {
      const problem = this.mixProblem(row, this.owners(this.keyImagesOf(row.id)).patients);
      if (!problem) continue;
      flagged.push(row.id);
      const already = this.db.prepare<[string, string], { n: number }>("SELECT COUNT(*) AS n FROM audit_log WHERE case_id = ? AND action = 'flag' AND detail = ?").get(row.id, problem);
      if (!already?.n) this.audit('flag', row.id, null, problem);
    }
    return flagged;
  }

  deleteCase(id: string): void {
    const current = this.getCase(id);
    if (this.runsOf(id).some((r) => r.status === 'running')) throw new ApiError('conflict', `Case "${current.title}" has a run in progress; cancel it first.`);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM cases WHERE id = ?').run(id);
      this.audit('delete', id, null, current.title);
    })();
  }

  startRun(caseId: string, params: Record<string, unknown>, ownerPid = process.pid): RunRecord {
    const damaged: DamagedRecord[] = [];
    const c = this.getCase(caseId, damaged);
    if (damaged.length) throw new ApiError('conflict', `Case "${c.title}" cannot run: ${damaged.map((d) => `${d.record} ${d.reason}`).join('; ')}. Enter them again, or see "medrwr db check".`);
    const id = randomUUID();
    const now = new Date().toISOString();
    const inputs = { question: c.question, options: c.options, keyImages: c.keyImages };
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO runs (id, case_id, status, params, inputs, owner_pid, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, caseId, 'running', JSON.stringify(params), JSON.stringify(inputs), ownerPid, now);
      this.db.prepare('UPDATE cases SET updated_at = ? WHERE id = ?').run(now, caseId);
      this.audit('run', caseId, id, JSON.stringify(params));
    })();
    return this.getRun(id);
  }

  getRun(id: string): RunRecord {
    const row = this.db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?').get(id);
    if (!row) throw new ApiError('not_found', `No run "${id}".`);
    return toRunRecord(row);
  }

  /** The inputs a run was started with (the case may have been edited since). */
  runInputs(id: string): Pick<Case, 'question' | 'options' | 'keyImages'> {
    const row = this.db.prepare<[string], { inputs: string }>('SELECT inputs FROM runs WHERE id = ?').get(id);
    if (!row) throw new ApiError('not_found', `No run "${id}".`);
    const inputs = readJson(row.inputs, RUN_INPUTS);
    if (!inputs.ok) throw new ApiError('conflict', `The inputs stored with run "${id}" are damaged (${inputs.reason}); see "medrwr db check".`);
    return inputs.value as Pick<Case, 'question' | 'options' | 'keyImages'>;
  }

  /** The case's runs; a stored value that cannot be read back comes as null (or {}) and is added to `damaged`. */
  runsOf(caseId: string, damaged: DamagedRecord[] = []): RunRecord[] {
    return this.db
      .prepare<[string], RunRow>('SELECT * FROM runs WHERE case_id = ? ORDER BY started_at, rowid')
      .all(caseId)
      .map((r) => toRunRecord(r, damaged));
  }

  /** A run's event log in seq order; a stored event that cannot be read back comes as a `damaged` event in its place. */
  events(runId: string): AppEvent[] {
    return this.db
      .prepare<[string], { seq: number; at: number; body: string }>('SELECT seq, at, body FROM run_events WHERE run_id = ? ORDER BY seq')
      .all(runId)
      .map((r) => readEventRow(runId, r));
  }

  /** Appends one event of a running run and draws out what it carries (provenance, evidence, answer, outcome). */
  appendEvent(runId: string, event: AppEvent): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO run_events (run_id, seq, type, at, body) VALUES (?, ?, ?, ?, ?)').run(runId, event.seq, event.type, event.at, JSON.stringify(event));
      switch (event.type) {
        case 'run':
          this.db.prepare('UPDATE runs SET provenance = ? WHERE id = ?').run(JSON.stringify(event.provenance), runId);
          break;
        case 'evidence': {
          const insert = this.db.prepare('INSERT INTO evidence (run_id, seq, round, rank, query, passage_id, title, source, text, scores) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
          for (const p of event.passages) insert.run(runId, event.seq, event.round, p.rank, event.query, p.id, p.title ?? null, p.source ?? null, p.text, JSON.stringify(p.scores));
          break;
        }
        case 'answer':
          this.db
            .prepare('INSERT OR REPLACE INTO answers (run_id, phase, letter, text, confidence, distribution) VALUES (?, ?, ?, ?, ?, ?)')
            .run(runId, event.phase, event.letter, event.text, event.confidence, JSON.stringify(event.distribution));
          break;
        case 'summary':
          this.db
            .prepare('UPDATE runs SET timings = ?, final_letter = ?, final_confidence = ?, answer_valid = ? WHERE id = ?')
            .run(JSON.stringify(event.timings), event.finalLetter, event.finalConfidence, event.finalValid === undefined ? null : event.finalValid ? 1 : 0, runId);
          break;
        case 'error':
          this.db.prepare('UPDATE runs SET error = ? WHERE id = ?').run(event.message, runId);
          break;
        case 'done':
          this.finish(runId, event.status);
          break;
        default:
          break;
      }
    })();
  }

  /**
   * Runs left `running` by a process that is gone (a crash, a kill) are marked interrupted, with a closing `done`
   * event appended to their log. Runs of a live process (another window on the same data) are left alone.
   */
  recoverInterrupted(isAlive: (pid: number) => boolean = processAlive): string[] {
    const orphans = this.db
      .prepare<[], { id: string; case_id: string; owner_pid: number }>("SELECT id, case_id, owner_pid FROM runs WHERE status = 'running'")
      .all()
      .filter((r) => r.owner_pid === process.pid || !isAlive(r.owner_pid));
    for (const run of orphans) {
      this.db.transaction(() => {
        const last = this.db.prepare<[string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM run_events WHERE run_id = ?').get(run.id);
        const done: AppEvent = { type: 'done', taskId: run.id, seq: (last?.seq ?? -1) + 1, at: Date.now(), status: 'interrupted' };
        this.appendEvent(run.id, done);
        this.audit('recover', run.case_id, run.id, `run of process ${run.owner_pid} ended without finishing; marked interrupted`);
      })();
    }
    return orphans.map((r) => r.id);
  }

  audit(action: AuditAction, caseId: string | null, runId: string | null, detail: string | null): void {
    this.db.prepare('INSERT INTO audit_log (at, user, action, case_id, run_id, detail) VALUES (?, ?, ?, ?, ?, ?)').run(new Date().toISOString(), this.user, action, caseId, runId, detail);
  }

  auditLog(caseId?: string): AuditEntry[] {
    const rows = caseId
      ? this.db.prepare<[string], AuditRow>('SELECT * FROM audit_log WHERE case_id = ? ORDER BY id').all(caseId)
      : this.db.prepare<[], AuditRow>('SELECT * FROM audit_log ORDER BY id').all();
    return rows.map((r) => ({ at: r.at, user: r.user, action: r.action, caseId: r.case_id, runId: r.run_id, detail: r.detail }));
  }

  /** The single patient of these images; refuses two, and a patient other than the case's own. */
  private onePatient(images: readonly KeyImage[], caseOwner: PatientRef | null): PatientRef | null {
    const { patients } = this.owners(images);
    const all = caseOwner && !patients.some((p) => p.key === caseOwner.key) ? [caseOwner, ...patients] : patients;
    if (all.length > 1) {
      throw new ApiError('bad_request', `A case holds one patient's images; these belong to ${all.map(describePatient).join(' and ')}. Start a new case for the other patient.`);
    }
    return patients[0] ?? null;
  }

  /** Why a case may not be run or reported: its images (patients already looked up) or a run's inputs span several patients. */
  private mixProblem(row: CaseRow, imagePatients: readonly PatientRef[]): string | null {
    const owner = readPatient(row.patient);
    const inputs = this.db.prepare<[string], { inputs: string }>('SELECT inputs FROM runs WHERE case_id = ?').all(row.id);
    const runSets = inputs.map((r) => readJson(r.inputs, RUN_INPUTS)).flatMap((r) => (r.ok ? [r.value.keyImages] : [])); // damaged inputs: `db check` reports them
    const patients = new Map<string, PatientRef>(owner ? [[owner.key, owner]] : []);
    for (const p of [...imagePatients, ...runSets.flatMap((set) => this.owners(set).patients)]) patients.set(p.key, p);
    return patients.size > 1 ? `This case holds images of ${patients.size} patients (${[...patients.values()].map(describePatient).join('; ')}). It is kept as it is, but it cannot be run or reported: start a new case for each patient.` : null;
  }

  private keyImagesOf(caseId: string): KeyImage[] {
    return this.db.prepare<[string], KeyImageRow>('SELECT * FROM case_key_images WHERE case_id = ? ORDER BY position').all(caseId).map(toKeyImage);
  }

  /** Ends a run whose closing events could not be logged (the database refused them), keeping the cause. */
  endRun(runId: string, status: Exclude<RunStatus, 'running'>, error: string): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE runs SET error = COALESCE(error, ?) WHERE id = ? AND status = 'running'").run(error, runId);
      this.finish(runId, status);
    })();
  }

  private finish(runId: string, status: Exclude<RunStatus, 'running'>): void {
    const now = new Date().toISOString();
    const changed = this.db.prepare("UPDATE runs SET status = ?, ended_at = ? WHERE id = ? AND status = 'running'").run(status, now, runId);
    if (changed.changes === 0) return;
    this.db.prepare('UPDATE cases SET status = ?, updated_at = ? WHERE id = (SELECT case_id FROM runs WHERE id = ?)').run(CASE_STATUS_AFTER[status], now, runId);
  }

  private writeKeyImages(caseId: string, images: KeyImage[]): void {
    const insert = this.db.prepare(
      'INSERT INTO case_key_images (case_id, position, sop_instance_uid, frame, window_center, window_width, invert, study_instance_uid, series_instance_uid, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    images.forEach((k, i) =>
      insert.run(caseId, i, k.sopInstanceUid, k.frame, k.window.center, k.window.width, k.invert ? 1 : 0, k.studyInstanceUid ?? null, k.seriesInstanceUid ?? null, k.label ?? null),
    );
  }
}

/** "DOE, JANE (ID 123)": the name as people write it, with the ID that tells two alike apart. */
export function describePatient(p: PatientRef): string {
  return `${formatPersonName(p.name)} (ID ${p.patientId || 'none'})`;
}

interface AuditRow {
  at: string;
  user: string;
  action: string;
  case_id: string | null;
  run_id: string | null;
  detail: string | null;
}

function toKeyImage(r: KeyImageRow): KeyImage {
  return {
    sopInstanceUid: r.sop_instance_uid,
    frame: r.frame,
    window: { center: r.window_center, width: r.window_width },
    invert: r.invert === 1,
    ...(r.study_instance_uid ? { studyInstanceUid: r.study_instance_uid } : {}),
    ...(r.series_instance_uid ? { seriesInstanceUid: r.series_instance_uid } : {}),
    ...(r.label ? { label: r.label } : {}),
  };
}

const CASE_OPTIONS = z.array(CaseOptionSchema);
const PATIENT = z.object({ key: z.string(), patientId: z.string(), name: z.string() });

/** The case's patient as stored; an unreadable value counts as unknown (the images still tie the case to one). */
function readPatient(raw: string | null): PatientRef | null {
  if (raw === null) return null;
  const read = readJson(raw, PATIENT);
  return read.ok ? read.value : null;
}
const RUN_PARAMS = z.record(z.string(), z.unknown());
const RUN_INPUTS = z.object({ question: z.string(), options: CASE_OPTIONS, keyImages: z.array(KeyImageSchema) });

/** Each JSON column of a run read on its own: one damaged value costs that value, not the run or the case. */
function toRunRecord(r: RunRow, damaged: DamagedRecord[] = []): RunRecord {
  const column = <T>(name: string, raw: string | null, schema: z.ZodType<T>, fallback: T): T => {
    if (raw === null && fallback === null) return fallback;
    const read = readJson(raw, schema);
    if (read.ok) return read.value;
    damaged.push({ record: `the ${name} of the run started ${r.started_at} (${r.id})`, reason: read.reason, raw: truncate(raw ?? '') });
    return fallback;
  };
  return {
    id: r.id,
    caseId: r.case_id,
    status: r.status,
    params: column('settings', r.params, RUN_PARAMS, {}),
    provenance: column('provenance', r.provenance, Provenance.nullable(), null),
    timings: column('timings', r.timings, Timings.nullable(), null),
    finalLetter: r.final_letter,
    finalConfidence: r.final_confidence,
    error: r.error,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
