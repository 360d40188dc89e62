import type Database from 'better-sqlite3';
import type { DocumentRecord } from './document-record.js';
import type { InstanceRecord } from './record.js';

/** Writes index records; the first file seen for a SOPInstanceUID (and for a patient, study, series) wins. */
export class StudyStore {
  private readonly insertPatient;
  private readonly insertStudy;
  private readonly insertSeries;
  private readonly insertInstance;
  private readonly insertDocumentRow;
  private readonly fileHeld;
  private readonly restamp;

  constructor(private readonly db: Database.Database) {
    this.insertPatient = db.prepare('INSERT OR IGNORE INTO patients (key, patient_id, name, birth_date, sex) VALUES (@key, @patientId, @name, @birthDate, @sex)');
    this.insertStudy = db.prepare('INSERT OR IGNORE INTO studies (study_uid, patient_key, date, time, description, accession) VALUES (@uid, @patientKey, @date, @time, @description, @accession)');
    this.insertSeries = db.prepare('INSERT OR IGNORE INTO series (series_uid, study_uid, number, modality, description) VALUES (@uid, @studyUid, @number, @modality, @description)');
    this.insertInstance = db.prepare(`INSERT OR IGNORE INTO instances (sop_uid, series_uid, sop_class_uid, instance_number, path, file_size, frames,
      transfer_syntax, photometric, rows, columns, bits_allocated, bits_stored, pixel_spacing_row, pixel_spacing_col, window_center, window_width,
      rescale_slope, rescale_intercept, frame_time_ms, slice_location, imported_at, file_mtime_ms)
      VALUES (@sopUid, @seriesUid, @sopClassUid, @instanceNumber, @path, @fileSize, @frames, @transferSyntax, @photometric, @rows, @columns,
      @bitsAllocated, @bitsStored, @psRow, @psCol, @wc, @ww, @slope, @intercept, @frameTimeMs, @sliceLocation, @importedAt, @fileMtimeMs)`);
    this.insertDocumentRow = db.prepare(`INSERT OR IGNORE INTO documents (sop_uid, study_uid, series_uid, sop_class_uid, modality, title, date, time, path, file_size, imported_at, file_mtime_ms)
      VALUES (@sopUid, @studyUid, @seriesUid, @sopClassUid, @modality, @title, @date, @time, @path, @fileSize, @importedAt, @fileMtimeMs)`);
    // The same file seen again, touched or from before stamps were kept: its new time, so the next re-import skips it.
    this.restamp = db.prepare('UPDATE instances SET file_mtime_ms = @fileMtimeMs WHERE sop_uid = @sopUid AND path = @path AND file_size = @fileSize');
    this.fileHeld = db.prepare<[string, number, number, string, number, number], { one: number }>(`SELECT 1 AS one FROM instances WHERE path = ? AND file_size = ? AND file_mtime_ms = ?
      UNION ALL SELECT 1 FROM documents WHERE path = ? AND file_size = ? AND file_mtime_ms = ? LIMIT 1`);
  }

  /** Whether this file, unchanged (same size and modification time), is already indexed as an instance or a document. */
  holdsFile(path: string, size: number, mtimeMs: number): boolean {
    return this.fileHeld.get(path, size, mtimeMs, path, size, mtimeMs) !== undefined;
  }

  /** Stores a structured report (and its patient and study when new); false: a duplicate UID. */
  insertDocument(r: DocumentRecord): boolean {
    return this.db.transaction(() => {
      this.insertPatient.run(r.patient);
      this.insertStudy.run({ ...r.study, patientKey: r.patient.key });
      return this.insertDocumentRow.run({ ...r.document, fileMtimeMs: r.document.fileMtimeMs ?? null, studyUid: r.study.uid, importedAt: new Date().toISOString() }).changes > 0;
    })();
  }

  /** Stores a batch in one transaction; returns, per record, whether it was new (false: a duplicate UID). */
  insertAll(records: readonly InstanceRecord[]): boolean[] {
    const now = new Date().toISOString();
    return this.db.transaction(() =>
      records.map((r) => {
        this.insertPatient.run(r.patient);
        this.insertStudy.run({ ...r.study, patientKey: r.patient.key });
        this.insertSeries.run({ ...r.series, studyUid: r.study.uid });
        const i = r.instance;
        const res = this.insertInstance.run({
          sopUid: i.sopUid,
          seriesUid: r.series.uid,
          sopClassUid: i.sopClassUid,
          instanceNumber: i.instanceNumber,
          path: i.path,
          fileSize: i.fileSize,
          frames: i.info.frames,
          transferSyntax: i.info.transferSyntax,
          photometric: i.info.photometric,
          rows: i.info.rows,
          columns: i.info.columns,
          bitsAllocated: i.info.bitsAllocated,
          bitsStored: i.info.bitsStored,
          psRow: i.pixelSpacing?.[0] ?? null,
          psCol: i.pixelSpacing?.[1] ?? null,
          wc: i.window?.center ?? null,
          ww: i.window?.width ?? null,
          slope: i.slope,
          intercept: i.intercept,
          frameTimeMs: i.info.frameTimeMs,
          sliceLocation: i.sliceLocation,
          importedAt: now,
          fileMtimeMs: i.fileMtimeMs ?? null,
        });
        if (res.changes === 0 && i.fileMtimeMs !== undefined) this.restamp.run({ sopUid: i.sopUid, path: i.path, fileSize: i.fileSize, fileMtimeMs: i.fileMtimeMs });
        return res.changes > 0;
      }),
    )();
  }

  /** Series without a thumbnail and the file of the instance to draw it from (the middle one by number). */
  seriesNeedingThumbnails(): { seriesUid: string; path: string }[] {
    const series = this.db.prepare<[], { uid: string }>('SELECT series_uid AS uid FROM series WHERE thumbnail IS NULL').all();
    const paths = this.db.prepare<[string], { path: string }>('SELECT path FROM instances WHERE series_uid = ? ORDER BY instance_number IS NULL, instance_number, sop_uid');
    return series.flatMap(({ uid }) => {
      const all = paths.all(uid);
      const mid = all[Math.floor(all.length / 2)];
      return mid ? [{ seriesUid: uid, path: mid.path }] : [];
    });
  }

  setThumbnail(seriesUid: string, png: Buffer | null): void {
    // An empty blob marks "tried and failed", so it is not retried on every import.
    this.db.prepare('UPDATE series SET thumbnail = ? WHERE series_uid = ?').run(png ?? Buffer.alloc(0), seriesUid);
  }
}
