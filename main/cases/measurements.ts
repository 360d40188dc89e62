import type Database from 'better-sqlite3';
import { ApiError } from '../api/errors.js';
import { Measurement, MeasurementGeometry, MeasurementInput, type MeasurementTool } from '../api/measurements.js';

/** Where an instance sits in the studies database (a port main/dicom implements); undefined: unknown. */
export type InstanceLocator = (sopInstanceUid: string) => { studyUid: string; seriesUid: string; frames: number } | undefined;

interface Row {
  uid: string;
  study_uid: string;
  series_uid: string;
  sop_uid: string;
  frame: number;
  tool: MeasurementTool;
  value: number;
  unit: string;
  label: string;
  detail: string;
  geometry: string;
  created_at: string;
  updated_at: string;
}

/** The viewer's measurements, one row per annotation; saving one with a known uid replaces it (an edit). */
export class MeasurementStore {
  constructor(
    private readonly db: Database.Database,
    private readonly locate: InstanceLocator,
  ) {}

  /** Checks the input and that its image is the one the studies database knows (series, study, frame in range). */
  save(input: unknown): Measurement {
    const parsed = MeasurementInput.safeParse(input);
    if (!parsed.success) throw new ApiError('bad_request', `Measurement not saved: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);
    const m = parsed.data;
    const at = this.locate(m.sopInstanceUid);
    if (!at) throw new ApiError('not_found', `Measurement not saved: image ${m.sopInstanceUid} is not in the studies database.`);
    if (at.seriesUid !== m.seriesInstanceUid || at.studyUid !== m.studyInstanceUid) {
      throw new ApiError('bad_request', `Measurement not saved: image ${m.sopInstanceUid} belongs to series ${at.seriesUid} of study ${at.studyUid}, not to series ${m.seriesInstanceUid} of study ${m.studyInstanceUid}.`);
    }
    if (m.frame >= at.frames) throw new ApiError('bad_request', `Measurement not saved: frame ${m.frame + 1} is past the image's ${at.frames} frame(s).`);
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO measurements (uid, study_uid, series_uid, sop_uid, frame, tool, value, unit, label, detail, geometry, created_at, updated_at)
         VALUES (@uid, @studyInstanceUid, @seriesInstanceUid, @sopInstanceUid, @frame, @tool, @value, @unit, @label, @detail, @geometry, @now, @now)
         ON CONFLICT (uid) DO UPDATE SET study_uid = excluded.study_uid, series_uid = excluded.series_uid, sop_uid = excluded.sop_uid,
           frame = excluded.frame, tool = excluded.tool, value = excluded.value, unit = excluded.unit, label = excluded.label,
           detail = excluded.detail, geometry = excluded.geometry, updated_at = excluded.updated_at`,
      )
      .run({ ...m, geometry: JSON.stringify(m.geometry), now });
    return this.get(m.uid)!;
  }

  get(uid: string): Measurement | undefined {
    const row = this.db.prepare<[string], Row>('SELECT * FROM measurements WHERE uid = ?').get(uid);
    return row && readRow(row);
  }

  /** A study's measurements in the order they were made. */
  listForStudy(studyUid: string): Measurement[] {
    return this.db.prepare<[string], Row>('SELECT * FROM measurements WHERE study_uid = ? ORDER BY created_at, rowid').all(studyUid).map(readRow);
  }

  /** The measurements of several studies (a case's), study by study in the order given. */
  listForStudies(studyUids: readonly string[]): Measurement[] {
    return studyUids.flatMap((s) => this.listForStudy(s));
  }

  delete(uid: string): boolean {
    return this.db.prepare('DELETE FROM measurements WHERE uid = ?').run(uid).changes > 0;
  }
}

function readRow(r: Row): Measurement {
  return Measurement.parse({
    uid: r.uid,
    studyInstanceUid: r.study_uid,
    seriesInstanceUid: r.series_uid,
    sopInstanceUid: r.sop_uid,
    frame: r.frame,
    tool: r.tool,
    value: r.value,
    unit: r.unit,
    label: r.label,
    detail: r.detail,
    geometry: MeasurementGeometry.parse(JSON.parse(r.geometry)),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}
