import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countNonImages, importCounts, nonImageKinds, type ImportReport, type StudyDocument } from '../api/studies.js';
import type { AppContext } from '../app/context.js';
import { createAppContext } from '../app/create.js';
import { dispatch } from '../app/dispatch.js';
import { closeServices } from '../app/services.js';
import { writePart10 } from './dcmjs.js';
import { importPaths } from './testing/import.js';
import { dicomFile, element } from './testing/write.js';

const STUDY = '2.25.4242.1';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** A non-image object of a SOP class, in the study of the test image. */
function object(sopClassUid: string, sop: string, modality: string, extra: Record<string, unknown> = {}): Buffer {
  return writePart10({
    SOPClassUID: sopClassUid,
    SOPInstanceUID: sop,
    StudyInstanceUID: STUDY,
    SeriesInstanceUID: `${sop}.9`,
    Modality: modality,
    PatientID: 'ACC-1',
    PatientName: 'Count^Every',
    ...extra,
  });
}

describe('an import accounts for every file it reads', () => {
  let ctx: AppContext;
  let dir: string;
  let report: ImportReport;
  const missing = '/nonexistent/medrwr-accounting';

  beforeAll(async () => {
    ctx = createAppContext({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-acct-')), transport: 'web' });
    dir = mkdtempSync(join(tmpdir(), 'medrwr-acct-files-'));
    const image = dicomFile(EXPLICIT_LE, { rows: 4, columns: 4, bitsAllocated: 8, uid: '2.25.4242.7' }, element([0x7fe00010, 'OB', new Uint8Array(16)]));
    const files: Record<string, Buffer> = {
      'image.dcm': image,
      'image-copy.dcm': image,
      'sr.dcm': object('1.2.840.10008.5.1.4.1.1.88.33', '2.25.4242.10', 'SR', {
        ConceptNameCodeSequence: [{ CodeValue: '18748-4', CodingSchemeDesignator: 'LN', CodeMeaning: 'Diagnostic imaging report' }],
        ValueType: 'CONTAINER',
        ContentDate: '20260102',
        ContentTime: '101500',
      }),
      'ko.dcm': object('1.2.840.10008.5.1.4.1.1.88.59', '2.25.4242.11', 'KO', {
        ConceptNameCodeSequence: [{ CodeValue: '113000', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Of Interest' }],
        ValueType: 'CONTAINER',
      }),
      'pr.dcm': object('1.2.840.10008.5.1.4.1.1.11.1', '2.25.4242.12', 'PR'),
      'pdf.dcm': object('1.2.840.10008.5.1.4.1.1.104.1', '2.25.4242.13', 'DOC', { MIMETypeOfEncapsulatedDocument: 'application/pdf' }),
      'ecg.dcm': object('1.2.840.10008.5.1.4.1.1.9.1.1', '2.25.4242.14', 'ECG'),
      'rtplan.dcm': object('1.2.840.10008.5.1.4.1.1.481.5', '2.25.4242.15', 'RTPLAN'),
      'notes.txt': Buffer.from('not DICOM at all'),
      'truncated.dcm': image.subarray(0, image.length - 40),
      'no-uid.dcm': writePart10({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.7', SOPInstanceUID: '2.25.4242.16', Modality: 'OT' }),
    };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    ({ report } = await importPaths(ctx, [dir, missing]));
  });
  afterAll(async () => {
    await closeServices(ctx);
    rmSync(ctx.dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('imported + duplicates + not images + failed = files read', () => {
    expect(report).toMatchObject({ state: 'completed', done: 12, total: 12, imported: 1, duplicates: 1 });
    expect(report.imported + report.duplicates + report.notImages.length + report.failures.length).toBe(report.done);
  });

  it('names each not-image object by its kind, from its SOP class', () => {
    const kindOf = Object.fromEntries(report.notImages.map((n) => [basename(n.path), n.kind]));
    expect(kindOf).toEqual({ 'sr.dcm': 'sr', 'ko.dcm': 'ko', 'pr.dcm': 'pr', 'pdf.dcm': 'document', 'ecg.dcm': 'waveform', 'rtplan.dcm': 'other' });
    expect(countNonImages(report.notImages)).toEqual([
      { kind: 'sr', count: 1 },
      { kind: 'ko', count: 1 },
      { kind: 'pr', count: 1 },
      { kind: 'document', count: 1 },
      { kind: 'waveform', count: 1 },
      { kind: 'other', count: 1 },
    ]);
    expect(report.notImages.find((n) => n.kind === 'pr')!.reason).toMatch(/^presentation state \(SOP class 1\.2\.840\.10008\.5\.1\.4\.1\.1\.11\.1\)/);
    expect(importCounts(report)).toBe('1 imported, 1 already present, 6 not images, 4 failed');
    expect(nonImageKinds(report.notImages)).toBe('1 structured report, 1 key object selection, 1 presentation state, 1 encapsulated report (PDF/CDA), 1 waveform, 1 other non-image object');
  });

  it('lists each broken file and the missing path with its specific reason', () => {
    const reasons = Object.fromEntries(report.failures.map((f) => [f.path.startsWith(dir) ? basename(f.path) : f.path, f.reason]));
    expect(reasons).toEqual({
      'notes.txt': expect.stringMatching(/not a DICOM Part 10 file/),
      'truncated.dcm': expect.stringMatching(/truncated|shorter|cut/i),
      'no-uid.dcm': 'missing required attribute StudyInstanceUID (0020,000D)',
      [missing]: 'no such file or folder',
    });
  });

  it('keeps the SR and the KO as documents of their study; a second import counts them as duplicates', async () => {
    const { documents } = (await dispatch(ctx, 'studies.documents', { studyInstanceUid: STUDY })) as { documents: StudyDocument[] };
    expect(documents.map((d) => d.title).sort()).toEqual(['Diagnostic imaging report', 'Of Interest']);
    const again = await importPaths(ctx, [join(dir, 'sr.dcm'), join(dir, 'ko.dcm'), join(dir, 'image.dcm'), join(dir, 'pr.dcm')]);
    expect(again.report).toMatchObject({ imported: 0, duplicates: 3, failures: [], notImages: [expect.objectContaining({ kind: 'pr' })] });
  });
});
