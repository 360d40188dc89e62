import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PatientSummary } from '../api/studies.js';
import { dispatch } from '../app/dispatch.js';
import { migrate } from '../db/migrations.js';
import { writePart10 } from './dcmjs.js';
import { STUDIES_MIGRATIONS } from './schema.js';
import { importPaths } from './testing/import.js';
import { seedSyntheticStudies } from './testing/synthetic-studies.js';
import { scratchContexts } from './testing/contexts.js';

/** A 2×2 secondary-capture image of a patient and study. */
function image(sop: string, study: string, patient: Record<string, string>, vrs: Record<string, string> = {}): Buffer {
  return writePart10({
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
    SOPInstanceUID: sop,
    StudyInstanceUID: study,
    SeriesInstanceUID: `${sop}.1`,
    Modality: 'OT',
    StudyDate: '20260101',
    ...patient,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: 2,
    Columns: 2,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelData: [new Uint8Array([0, 50, 100, 150]).buffer],
    _vrMap: { PixelData: 'OB', ...vrs },
  });
}

const newContext = scratchContexts('patients');
/** dcmjs refuses a 10-character DA; the reader takes the value as text whatever the VR says. */
const LONG_DATES = { PatientBirthDate: 'LO', StudyDate: 'LO' };

describe('the study list groups studies by patient', () => {
  let patients: PatientSummary[];
  beforeAll(async () => {
    const ctx = newContext();
    const dir = mkdtempSync(join(tmpdir(), 'medrwr-patients-files-'));
    const files: Record<string, Buffer> = {
      'a1.dcm': image('2.25.501', '2.25.51', { PatientID: 'P1', PatientName: 'Doe^Jane' }),
      'a2.dcm': image('2.25.502', '2.25.52', { PatientID: 'P1', PatientName: 'Doe^Jane' }),
      'a3.dcm': image('2.25.503', '2.25.53', { PatientID: 'P1', PatientName: 'Doe^Jane' }),
      'other-issuer.dcm': image('2.25.504', '2.25.54', { PatientID: 'P1', IssuerOfPatientID: 'NORTH', PatientName: 'Roe^Rick' }),
      'no-id-1.dcm': image('2.25.505', '2.25.55', { PatientName: 'Nobody^Ann', PatientBirthDate: '19700101' }),
      'no-id-2.dcm': image('2.25.506', '2.25.56', { PatientName: 'Nobody^Ann', PatientBirthDate: '19700101' }),
      'anon-1.dcm': image('2.25.508', '2.25.57', {}),
      'anon-2.dcm': image('2.25.509', '2.25.58', {}),
      // the same study UID under another PatientID: the study stays with its first patient, no empty patient appears
      'clash.dcm': image('2.25.507', '2.25.51', { PatientID: 'P9', PatientName: '' }),
      // dates in ACR-NEMA 2.0's form, as old archives hold them
      'dotted.dcm': image('2.25.510', '2.25.59', { PatientID: 'OLD1', PatientName: 'Old^Ada', PatientBirthDate: '1950.01.12', StudyDate: '1999.05.24' }, LONG_DATES),
    };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    const { report } = await importPaths(ctx, [dir]);
    rmSync(dir, { recursive: true, force: true });
    expect(report).toMatchObject({ imported: 10, failures: [] });
    ({ patients } = (await dispatch(ctx, 'studies.list', {})) as { patients: PatientSummary[] });
  });

  it('one patient with several studies is listed once, with all of them', () => {
    const jane = patients.filter((p) => p.patientId === 'P1' && p.name === 'Doe^Jane');
    expect(jane).toHaveLength(1);
    expect(jane[0]!.studies.map((s) => s.studyInstanceUid).sort()).toEqual(['2.25.51', '2.25.52', '2.25.53']);
  });

  it('the same PatientID from another issuer is another patient', () => {
    expect(patients.find((p) => p.name === 'Roe^Rick')).toMatchObject({ key: 'P1^^^NORTH', patientId: 'P1', studies: [expect.anything()] });
  });

  it('without a PatientID, name and birth date group the studies', () => {
    expect(patients.filter((p) => p.name === 'Nobody^Ann')).toEqual([expect.objectContaining({ patientId: '', studies: [expect.anything(), expect.anything()] })]);
  });

  it('with neither ID nor name, each study is its own patient (nothing says they are one person)', () => {
    const anonymous = patients.filter((p) => !p.patientId && !p.name);
    expect(anonymous.map((p) => p.studies.map((s) => s.studyInstanceUid))).toEqual([['2.25.57'], ['2.25.58']]);
  });

  it('lists no patient without studies', () => {
    expect(patients.every((p) => p.studies.length > 0)).toBe(true);
    expect(patients.find((p) => p.patientId === 'P9')).toBeUndefined();
    expect(patients).toHaveLength(6);
  });

  it("keeps dates written in ACR-NEMA 2.0's form (1999.05.24) in DICOM's form, so they sort and filter with the rest", () => {
    const ada = patients.find((p) => p.patientId === 'OLD1')!;
    expect(ada.birthDate).toBe('19500112');
    expect(ada.studies.map((s) => s.date)).toEqual(['19990524']);
  });
});

describe("a database indexed before dates were normalised", () => {
  it("has its dotted study, birth and document dates rewritten in DICOM's form by the migration, other values left alone", () => {
    const db = new Database(':memory:');
    const before = { ...STUDIES_MIGRATIONS, migrations: STUDIES_MIGRATIONS.migrations.slice(0, 3) };
    migrate(db, [before]);
    db.exec(`INSERT INTO patients VALUES ('P', 'P', 'Old^Ada', '1950.01.12', 'F'), ('Q', 'Q', 'New^Bo', '', 'M');
      INSERT INTO studies VALUES ('2.25.1', 'P', '1999.05.24', '', '', ''), ('2.25.2', 'Q', '20010101', '', '', ''), ('2.25.3', 'Q', '2001.1.1', '', '', '');
      INSERT INTO documents (sop_uid, study_uid, series_uid, sop_class_uid, modality, title, date, time, path, file_size, imported_at)
        VALUES ('2.25.9', '2.25.1', '2.25.8', '1.2.840.10008.5.1.4.1.1.88.11', 'SR', 'Report', '1999.05.25', '', '/x', 1, '')`);
    migrate(db, [STUDIES_MIGRATIONS]);
    expect(db.prepare('SELECT study_uid, date FROM studies ORDER BY study_uid').all()).toEqual([
      { study_uid: '2.25.1', date: '19990524' },
      { study_uid: '2.25.2', date: '20010101' },
      { study_uid: '2.25.3', date: '2001.1.1' }, // not a date in either form: shown as written
    ]);
    expect(db.prepare('SELECT key, birth_date FROM patients ORDER BY key').all()).toEqual([
      { key: 'P', birth_date: '19500112' },
      { key: 'Q', birth_date: '' },
    ]);
    expect(db.prepare('SELECT date FROM documents').get()).toEqual({ date: '19990525' });
  });
});

describe('the study list at 10,000 studies', () => {
  it('lists every study with its series, without thumbnails, in a reply of a few megabytes', async () => {
    const ctx = newContext();
    seedSyntheticStudies(ctx, 10_000);
    const { patients } = (await dispatch(ctx, 'studies.list', {})) as { patients: PatientSummary[] };
    expect(patients).toHaveLength(2500);
    expect(patients.reduce((n, p) => n + p.studies.length, 0)).toBe(10_000);
    expect(patients.every((p) => p.studies.length === 4)).toBe(true);
    expect(JSON.stringify(patients).length).toBeLessThan(8 * 2 ** 20);
  });
});
