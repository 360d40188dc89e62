import type { InstanceSummary, PatientSummary, StudyDocument, StudySummary } from '../api/studies.js';
import type { AppContext } from '../app/context.js';
import { pngDataUrl } from '../imaging/decode.js';

/**
 * The patient → study → series tree, newest study first, each study with its documents (SR, KO). Patients without
 * a study (left when a study UID arrived first under another patient) are not listed. Thumbnails are fetched per
 * series (`seriesThumbnail`), so the list stays small at 10,000 studies; grouping uses maps, not nested scans.
 */
export function listStudies(ctx: AppContext): PatientSummary[] {
  const db = ctx.services.db;
  const patients = db.prepare<[], { key: string; patientId: string; name: string; birthDate: string; sex: string }>(
    'SELECT key, patient_id AS patientId, name, birth_date AS birthDate, sex FROM patients ORDER BY name, key',
  ).all();
  const studies = db.prepare<[], { uid: string; patientKey: string; date: string; description: string; accession: string }>(
    'SELECT study_uid AS uid, patient_key AS patientKey, date, description, accession FROM studies ORDER BY date DESC, time DESC, study_uid',
  ).all();
  const series = db.prepare<[], { uid: string; studyUid: string; number: number | null; modality: string; description: string; instances: number; frames: number }>(
    `SELECT s.series_uid AS uid, s.study_uid AS studyUid, s.number, s.modality, s.description,
       COUNT(i.sop_uid) AS instances, COALESCE(SUM(i.frames), 0) AS frames
     FROM series s LEFT JOIN instances i ON i.series_uid = s.series_uid
     GROUP BY s.series_uid ORDER BY s.number IS NULL, s.number, s.series_uid`,
  ).all();
  const documents = db.prepare<[], StudyDocument & { studyUid: string }>(
    `SELECT study_uid AS studyUid, sop_uid AS sopInstanceUid, series_uid AS seriesInstanceUid, sop_class_uid AS sopClassUid, title, date, time
     FROM documents ORDER BY date DESC, time DESC, sop_uid`,
  ).all();
  const seriesOf = groupBy(series, (se) => se.studyUid);
  const documentsOf = groupBy(documents, (d) => d.studyUid);
  const studiesOf = groupBy(
    studies.map((st): StudySummary & { patientKey: string } => {
      const own = seriesOf.get(st.uid) ?? [];
      return {
        patientKey: st.patientKey,
        studyInstanceUid: st.uid,
        date: st.date,
        description: st.description,
        accessionNumber: st.accession,
        modalities: [...new Set(own.map((se) => se.modality).filter(Boolean))],
        series: own.map((se) => ({
          seriesInstanceUid: se.uid,
          seriesNumber: se.number,
          modality: se.modality,
          description: se.description,
          instanceCount: se.instances,
          frameCount: se.frames,
        })),
        documents: (documentsOf.get(st.uid) ?? []).map(({ studyUid: _s, ...d }) => d),
      };
    }),
    (st) => st.patientKey,
  );
  return patients.flatMap((p) => {
    const own = studiesOf.get(p.key);
    return own ? [{ ...p, studies: own.map(({ patientKey: _k, ...st }) => st) }] : [];
  });
}

/** A series' thumbnail as a PNG data: URL; null when it could not be drawn (or not yet); undefined for an unknown series. */
export function seriesThumbnail(ctx: AppContext, seriesUid: string): string | null | undefined {
  const row = ctx.services.db.prepare<[string], { thumbnail: Buffer | null }>('SELECT thumbnail FROM series WHERE series_uid = ?').get(seriesUid);
  if (!row) return undefined;
  return row.thumbnail && row.thumbnail.length > 0 ? pngDataUrl(row.thumbnail) : null;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

interface InstanceRow {
  sopUid: string;
  instanceNumber: number | null;
  frames: number;
  rows: number;
  columns: number;
  psRow: number | null;
  psCol: number | null;
  wc: number | null;
  ww: number | null;
  photometric: string;
  transferSyntax: string;
  frameTimeMs: number | null;
  sliceLocation: number | null;
}

/** A series' instances in display order; undefined when the series is unknown. */
export function seriesInstances(ctx: AppContext, seriesUid: string): InstanceSummary[] | undefined {
  const db = ctx.services.db;
  if (!db.prepare('SELECT 1 FROM series WHERE series_uid = ?').get(seriesUid)) return undefined;
  const rows = db.prepare<[string], InstanceRow>(
    `SELECT sop_uid AS sopUid, instance_number AS instanceNumber, frames, rows, columns, pixel_spacing_row AS psRow,
       pixel_spacing_col AS psCol, window_center AS wc, window_width AS ww, photometric, transfer_syntax AS transferSyntax,
       frame_time_ms AS frameTimeMs, slice_location AS sliceLocation
     FROM instances WHERE series_uid = ?
     ORDER BY instance_number IS NULL, instance_number, slice_location, sop_uid`,
  ).all(seriesUid);
  return rows.map((r) => ({
    sopInstanceUid: r.sopUid,
    instanceNumber: r.instanceNumber,
    frames: r.frames,
    rows: r.rows,
    columns: r.columns,
    pixelSpacing: r.psRow !== null && r.psCol !== null ? [r.psRow, r.psCol] : null,
    window: r.wc !== null && r.ww !== null ? { center: r.wc, width: r.ww } : null,
    photometric: r.photometric,
    transferSyntax: r.transferSyntax,
    frameTimeMs: r.frameTimeMs,
    sliceLocation: r.sliceLocation,
    url: instanceUrl(r.sopUid),
  }));
}

export function instanceUrl(sopUid: string): string {
  return `/files/instances/${encodeURIComponent(sopUid)}`;
}

/** An instance's file and its transfer syntax, or undefined when the UID is not in the database. */
export function instanceFile(ctx: AppContext, sopUid: string): { path: string; transferSyntax: string } | undefined {
  return ctx.services.db.prepare<[string], { path: string; transferSyntax: string }>('SELECT path, transfer_syntax AS transferSyntax FROM instances WHERE sop_uid = ?').get(sopUid);
}

/** The absolute path of an instance's file, or undefined when the UID is not in the database. */
export function instancePath(ctx: AppContext, sopUid: string): string | undefined {
  return ctx.services.db.prepare<[string], { path: string }>('SELECT path FROM instances WHERE sop_uid = ?').get(sopUid)?.path;
}

/** How a reader names an instance's place: its series (number, modality, description) and its instance number. */
export function instanceDescription(ctx: AppContext, sopUid: string): { seriesNumber: number | null; modality: string; seriesDescription: string; instanceNumber: number | null; frames: number } | undefined {
  return ctx.services.db
    .prepare<[string], { seriesNumber: number | null; modality: string; seriesDescription: string; instanceNumber: number | null; frames: number }>(
      `SELECT se.number AS seriesNumber, se.modality, se.description AS seriesDescription, i.instance_number AS instanceNumber, i.frames
         FROM instances i JOIN series se ON se.series_uid = i.series_uid WHERE i.sop_uid = ?`,
    )
    .get(sopUid);
}

/** Which study and series an instance is indexed under, and its frame count; undefined when the UID is unknown. */
export function instanceLocation(ctx: AppContext, sopUid: string): { studyUid: string; seriesUid: string; frames: number } | undefined {
  return ctx.services.db
    .prepare<[string], { studyUid: string; seriesUid: string; frames: number }>(
      'SELECT se.study_uid AS studyUid, i.series_uid AS seriesUid, i.frames FROM instances i JOIN series se ON se.series_uid = i.series_uid WHERE i.sop_uid = ?',
    )
    .get(sopUid);
}

/** Whose image an instance is (the patient and study it was indexed under); undefined when the UID is unknown. */
export function instanceOwner(ctx: AppContext, sopUid: string): { key: string; patientId: string; name: string; studyUid: string } | undefined {
  return ctx.services.db
    .prepare<[string], { key: string; patientId: string; name: string; studyUid: string }>(
      `SELECT p.key, p.patient_id AS patientId, p.name, st.study_uid AS studyUid
         FROM instances i JOIN series se ON se.series_uid = i.series_uid JOIN studies st ON st.study_uid = se.study_uid
         JOIN patients p ON p.key = st.patient_key
        WHERE i.sop_uid = ?`,
    )
    .get(sopUid);
}
