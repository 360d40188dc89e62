import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { SrDocument, StudyDocument } from '../api/studies.js';
import type { AppContext } from '../app/context.js';
import { createAppContext } from '../app/create.js';
import { dispatch } from '../app/dispatch.js';
import { closeServices } from '../app/services.js';
import { importPaths } from './testing/import.js';
import { PYDICOM, haveTestData } from './testing/corpus.js';

const PYDICOM_SR = join(PYDICOM, 'test-SR.dcm');
const STUDY = '1.2.276.0.7230010.3.1.4.2139363186.7819.982086466.2';
const SOP = '1.2.276.0.7230010.3.1.4.2139363186.7819.982086466.4';

describe.skipIf(!haveTestData)('structured reports are imported, listed under their study and readable', () => {
  let ctx: AppContext;
  let dir: string;
  beforeAll(async () => {
    ctx = createAppContext({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-srread-')), transport: 'web' });
    dir = mkdtempSync(join(tmpdir(), 'medrwr-srfiles-'));
    copyFileSync(PYDICOM_SR, join(dir, 'report.dcm'));
    const { report } = await importPaths(ctx, [dir]);
    expect(report).toMatchObject({ imported: 0, notImages: [expect.objectContaining({ kind: 'sr' })], failures: [] });
  });
  afterAll(async () => {
    await closeServices(ctx);
    rmSync(ctx.dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("pydicom's test SR is listed under its study, not as an image series", async () => {
    const { documents } = (await dispatch(ctx, 'studies.documents', { studyInstanceUid: STUDY })) as { documents: StudyDocument[] };
    expect(documents).toEqual([{ sopInstanceUid: SOP, seriesInstanceUid: expect.any(String), sopClassUid: '1.2.840.10008.5.1.4.1.1.88.33', title: 'Diagnosis', date: '20010213', time: '184746' }]);
    const { patients } = (await dispatch(ctx, 'studies.list', {})) as { patients: { studies: { studyInstanceUid: string; series: unknown[] }[] }[] };
    expect(patients.flatMap((p) => p.studies)).toEqual([expect.objectContaining({ studyInstanceUid: STUDY, series: [] })]);
    // a second import of the same document is a duplicate
    const again = await importPaths(ctx, [PYDICOM_SR]);
    expect(again.report).toMatchObject({ imported: 0, duplicates: 1 });
  });

  it('reads as a tree: concept names, values with units, codes, text, image references with frames, verifying observers', async () => {
    const sr = (await dispatch(ctx, 'instances.sr', { sopInstanceUid: SOP })) as SrDocument;
    expect(sr).toMatchObject({ title: 'Diagnosis', patientName: 'Test^S R', studyInstanceUid: STUDY, completion: 'COMPLETE', verification: 'VERIFIED' });
    expect(sr.verifyingObservers).toEqual([
      { name: 'Riesmeier^Jörg', organization: 'OFFIS e.V.', dateTime: '20010213184746' },
      { name: 'Observer^Verifying', organization: 'Organisation', dateTime: '20010213184746' },
    ]);
    expect(sr.content).toContainEqual({ depth: 1, relationship: 'CONTAINS', valueType: 'NUM', concept: 'Diameter', value: '3 cm', unit: 'cm' });
    expect(sr.content).toContainEqual({ depth: 1, relationship: 'CONTAINS', valueType: 'TEXT', concept: 'Text Code', value: 'A mass of' });
    expect(sr.content).toContainEqual(expect.objectContaining({ depth: 2, valueType: 'CODE', value: 'Sample Code 1', code: { scheme: '99_OFFIS_DCMTK', value: '2222', meaning: 'Sample Code 1' } }));
    expect(sr.content).toContainEqual(expect.objectContaining({ depth: 0, valueType: 'IMAGE', reference: { sopClassUid: '1.2.840.10008.5.1.4.1.1.2', sopInstanceUid: '1.2.3.4.5.0', frames: [5, 2] } }));
    expect(sr.content).toContainEqual(expect.objectContaining({ valueType: 'REFERENCE', value: expect.stringMatching(/^see item \d+(\.\d+)*$/) }));
  });

  it('an unknown document, a moved file and a damaged file each give a specific error', async () => {
    await expect(dispatch(ctx, 'instances.sr', { sopInstanceUid: '1.2.3.999' })).rejects.toMatchObject({ code: 'not_found', message: 'No structured report 1.2.3.999 in the database.' });
    const file = join(dir, 'report.dcm');
    writeFileSync(file, Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.from([2, 0, 1, 0, 0x55, 0x4c, 4, 0])]));
    const err = await dispatch(ctx, 'instances.sr', { sopInstanceUid: SOP }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'bad_request', message: expect.stringMatching(new RegExp(`^Cannot read the structured report ${SOP.replaceAll('.', '\\.')}: `)) });
    rmSync(file);
    await expect(dispatch(ctx, 'instances.sr', { sopInstanceUid: SOP })).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/is no longer at .*report\.dcm \(ENOENT\); import it again/) });
  });
});
