import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../api/events.js';
import type { ImportReport, InstanceSummary, PatientSummary, RenderedFrame, TagEntry } from '../api/studies.js';
import type { AppContext } from '../app/context.js';
import { dispatch } from '../app/dispatch.js';
import { renderFrame } from './render.js';
import { importPaths } from './testing/import.js';
import { CT_MATRIX_DIR, PYDICOM, TEST_DATA, corpus, skipWithoutTestData } from './testing/corpus.js';
import { scratchContexts } from './testing/contexts.js';

const newContext = scratchContexts('dicom');

const reasonOf = (report: ImportReport, name: string) => report.failures.find((f) => basename(f.path) === name)?.reason;

describe.skipIf(skipWithoutTestData)('importing the real corpus', () => {
  let ctx: AppContext;
  let pydicom: ImportReport;
  let events: AppEvent[];
  beforeAll(async () => {
    ctx = newContext();
    ({ report: pydicom, events } = await importPaths(ctx, [PYDICOM]));
  });

  it("lists every broken file of pydicom's set with its specific reason and imports the rest", () => {
    expect(pydicom.state).toBe('completed');
    expect(reasonOf(pydicom, 'MR_truncated.dcm')).toMatch(/^truncated or corrupt/);
    expect(reasonOf(pydicom, 'rtplan_truncated.dcm')).toMatch(/^truncated or corrupt/);
    expect(reasonOf(pydicom, 'no_meta.dcm')).toBe('not a DICOM Part 10 file (no "DICM" prefix at byte 128)');
    expect(reasonOf(pydicom, 'ExplVR_BigEndNoMeta.dcm')).toMatch(/no "DICM" prefix/);
    expect(reasonOf(pydicom, 'meta_missing_tsyntax.dcm')).toMatch(/no transfer syntax: the file meta header lacks \(0002,0010\)/);
    for (const f of ['no_meta_group_length.dcm', 'UN_sequence.dcm', 'priv_SQ.dcm', 'empty_charset_LEI.dcm']) {
      expect(reasonOf(pydicom, f), f).toMatch(/missing required attribute SOPInstanceUID \(0008,0018\)/);
    }
    expect(reasonOf(pydicom, 'nested_priv_SQ.dcm')).toMatch(/truncated or corrupt/);
    expect(reasonOf(pydicom, 'JPEG2000-embedded-sequence-delimiter.dcm')).toMatch(/corrupt compressed pixel data/);
    expect(reasonOf(pydicom, 'README.txt')).toMatch(/not a DICOM Part 10 file/);
    // Valid DICOM with nothing to show is counted as not an image, by kind, not failed; a structured report is also
    // listed under its study (studies.documents, sr-read.test.ts)
    const kindOf = Object.fromEntries(pydicom.notImages.map((s) => [basename(s.path), s.kind]));
    expect(kindOf).toMatchObject({ 'waveform_ecg.dcm': 'waveform', 'rtplan.dcm': 'other', DICOMDIR: 'dicomdir', 'test-SR.dcm': 'sr' });
    expect(pydicom.failures.map((s) => basename(s.path))).not.toContain('test-SR.dcm');
    expect(pydicom.imported + pydicom.duplicates + pydicom.notImages.length + pydicom.failures.length).toBe(pydicom.done);
    // The rest imports: CT_small, the MR_small family (one UID), SC_rgb_*, J2K, RT dose, SEG, DICOMDIR patients …
    expect(pydicom.imported).toBeGreaterThan(50);
    expect(pydicom.done).toBe(pydicom.total);
  });

  it('deduplicates by SOPInstanceUID: the MR_small variants are one instance, a second import adds nothing', async () => {
    expect(pydicom.duplicates).toBeGreaterThanOrEqual(7);
    const again = await importPaths(ctx, [join(PYDICOM, 'MR_small.dcm'), join(PYDICOM, 'CT_small.dcm')]);
    expect(again.report).toMatchObject({ imported: 0, duplicates: 2, failures: [] });
  });

  it('a re-import skips a file indexed before and unchanged since (size and time), and reads it again once touched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medrwr-reimport-'));
    const file = join(dir, 'CT_small.dcm');
    copyFileSync(join(PYDICOM, 'CT_small.dcm'), file);
    const at = (seconds: number) => utimesSync(file, seconds, seconds); // whole seconds: restored exactly
    at(1_700_000_000);
    const c = newContext();
    expect((await importPaths(c, [dir])).report).toMatchObject({ imported: 1, duplicates: 0 });
    // Same size, same time, other bytes: not read, so still a duplicate (what a stat can tell) …
    const original = readFileSync(file);
    writeFileSync(file, Buffer.alloc(original.length, 0x41));
    at(1_700_000_000);
    expect((await importPaths(c, [dir])).report).toMatchObject({ imported: 0, duplicates: 1, failures: [] });
    // … a new time: read again (here it is no longer DICOM, and says so) …
    at(1_700_000_005);
    expect((await importPaths(c, [dir])).report.failures).toEqual([{ path: file, reason: expect.stringMatching(/not a DICOM Part 10 file/) }]);
    // … and the original bytes back under another time: a duplicate, read once, then held under that time.
    writeFileSync(file, original);
    at(1_700_000_010);
    expect((await importPaths(c, [dir])).report).toMatchObject({ imported: 0, duplicates: 1, failures: [] });
    writeFileSync(file, Buffer.alloc(original.length, 0x41));
    at(1_700_000_010);
    expect((await importPaths(c, [dir])).report).toMatchObject({ imported: 0, duplicates: 1, failures: [] });
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports progress as events and ends with "done"', () => {
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ done: pydicom.total, total: pydicom.total });
    expect(events.at(-1)).toMatchObject({ type: 'done', status: 'completed' });
  });

  it('imports a DICOMDIR by the files it references', async () => {
    const c = newContext();
    const { report } = await importPaths(c, [join(PYDICOM, 'dicomdirtests', 'DICOMDIR')]);
    expect(report.notImages).toEqual([{ path: join(PYDICOM, 'dicomdirtests', 'DICOMDIR'), kind: 'dicomdir', reason: 'DICOMDIR: an index of 31 file(s), imported through it' }]);
    expect(report.imported).toBe(31);
    expect(report.failures).toEqual([]);
    const { patients } = (await dispatch(c, 'studies.list', {})) as { patients: PatientSummary[] };
    expect(patients.map((p) => p.patientId).sort()).toEqual(['77654033', '98890234']);
  });

  it('lists the patient/study/series tree with PNG thumbnails, and series instances in order with file URLs', async () => {
    const c = newContext();
    await importPaths(c, [corpus.mrSeriesDir, corpus.crChestMono1, corpus.usPaletteEchoRle]);
    const { patients } = (await dispatch(c, 'studies.list', {})) as { patients: PatientSummary[] };
    const series = patients.flatMap((p) => p.studies.flatMap((s) => s.series));
    expect(series.map((s) => s.modality).sort()).toEqual(['CR', 'MR', 'US']);
    const thumbnails = await Promise.all(series.map(async (s) => ((await dispatch(c, 'series.thumbnail', { seriesInstanceUid: s.seriesInstanceUid })) as { thumbnail: string | null }).thumbnail));
    for (const t of thumbnails) expect(t).toMatch(/^data:image\/png;base64,/);
    const thumb = PNG.sync.read(Buffer.from(thumbnails[0]!.split(',')[1]!, 'base64'));
    expect(Math.max(thumb.width, thumb.height)).toBe(128);
    const mr = series.find((s) => s.modality === 'MR')!;
    expect(mr).toMatchObject({ instanceCount: 20, frameCount: 20 });
    const { instances } = (await dispatch(c, 'series.instances', { seriesInstanceUid: mr.seriesInstanceUid })) as { instances: InstanceSummary[] };
    expect(instances).toHaveLength(20);
    const numbers = instances.map((i) => i.instanceNumber!);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(instances[0]).toMatchObject({ rows: 256, columns: 256, frames: 1, url: `/files/instances/${instances[0]!.sopInstanceUid}` });
    expect(instances[0]!.pixelSpacing).toHaveLength(2);
    const us = series.find((s) => s.modality === 'US')!;
    const [cine] = ((await dispatch(c, 'series.instances', { seriesInstanceUid: us.seriesInstanceUid })) as { instances: InstanceSummary[] }).instances;
    expect(cine).toMatchObject({ frames: 10, frameTimeMs: 76, photometric: 'PALETTE COLOR' });
    await expect(dispatch(c, 'series.instances', { seriesInstanceUid: '1.2.3.4' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(dispatch(c, 'series.thumbnail', { seriesInstanceUid: '1.2.3.4' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('answers instances.tags and instances.render with what renderFrame produces', async () => {
    const c = newContext();
    await importPaths(c, [corpus.crChestMono1]);
    const { patients } = (await dispatch(c, 'studies.list', {})) as { patients: PatientSummary[] };
    const seriesUid = patients[0]!.studies[0]!.series[0]!.seriesInstanceUid;
    const [inst] = ((await dispatch(c, 'series.instances', { seriesInstanceUid: seriesUid })) as { instances: InstanceSummary[] }).instances;
    const { tags } = (await dispatch(c, 'instances.tags', { sopInstanceUid: inst!.sopInstanceUid })) as { tags: TagEntry[] };
    expect(tags.find((t) => t.tag === '(0008,0060)')).toEqual({ tag: '(0008,0060)', vr: 'CS', name: 'Modality', value: 'CR' });
    expect(tags.find((t) => t.tag === '(0028,0004)')!.value).toBe('MONOCHROME1');
    expect(tags.find((t) => t.tag === '(7FE0,0010)')!.value).toMatch(/^<OW, \d+ bytes>$/);
    const window = { center: 500, width: 800 };
    const rendered = (await dispatch(c, 'instances.render', { sopInstanceUid: inst!.sopInstanceUid, frame: 0, window })) as RenderedFrame;
    const png = PNG.sync.read(Buffer.from(rendered.png.split(',')[1]!, 'base64'));
    const direct = await renderFrame(readFileSync(corpus.crChestMono1), { window });
    expect([png.width, png.height, rendered.width]).toEqual([direct.width, direct.height, direct.width]);
    for (let p = 0; p < direct.width * direct.height; p += 37) expect(png.data[p * 4]).toBe(direct.data[p * 3]);
    await expect(dispatch(c, 'instances.render', { sopInstanceUid: inst!.sopInstanceUid, frame: 3 })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/frame 3 is out of range/) });
    await expect(dispatch(c, 'instances.tags', { sopInstanceUid: '9.9.9' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('imports the whole fetched corpus and renders the first and last frame of every imported instance', async () => {
    const c = newContext();
    const { report } = await importPaths(c, [TEST_DATA]);
    expect(report.imported).toBeGreaterThan(120);
    const { patients } = (await dispatch(c, 'studies.list', {})) as { patients: PatientSummary[] };
    const series = patients.flatMap((p) => p.studies.flatMap((s) => s.series));
    for (const s of series) expect(((await dispatch(c, 'series.thumbnail', { seriesInstanceUid: s.seriesInstanceUid })) as { thumbnail: string | null }).thumbnail, s.description).not.toBeNull();
    let rendered = 0;
    for (const s of series) {
      const { instances } = (await dispatch(c, 'series.instances', { seriesInstanceUid: s.seriesInstanceUid })) as { instances: InstanceSummary[] };
      for (const inst of instances) {
        for (const frame of new Set([0, inst.frames - 1])) {
          const r = (await dispatch(c, 'instances.render', { sopInstanceUid: inst.sopInstanceUid, frame })) as RenderedFrame;
          expect([r.width, r.height]).toEqual([inst.columns, inst.rows]);
          rendered++;
        }
      }
    }
    expect(rendered).toBeGreaterThan(report.imported);
  });

  it('refuses relative paths and reports missing ones', async () => {
    const c = newContext();
    await expect(dispatch(c, 'studies.import', { paths: ['relative/dir'] })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/must be absolute/) });
    const { report } = await importPaths(c, ['/nonexistent/medrwr-folder']);
    expect(report.failures).toEqual([{ path: '/nonexistent/medrwr-folder', reason: 'no such file or folder' }]);
  });

  it('cancels an import of over 1,000 files: it stops between files, keeps what it indexed, and says so', async () => {
    const c = newContext();
    const dir = mkdtempSync(join(tmpdir(), 'medrwr-many-'));
    try {
      const sources = [...readdirSync(CT_MATRIX_DIR).filter((f) => f.startsWith('CTImage')).map((f) => join(CT_MATRIX_DIR, f)), join(PYDICOM, 'CT_small.dcm'), join(PYDICOM, 'MR_small.dcm')];
      for (let copy = 0; copy < 80; copy++) {
        const sub = join(dir, `copy${copy}`);
        mkdirSync(sub);
        for (const s of sources) {
          const target = join(sub, basename(s));
          try {
            linkSync(s, target); // a hard link is a copy as far as the importer can tell, without the disk space
          } catch {
            copyFileSync(s, target);
          }
        }
      }
      const events: AppEvent[] = [];
      c.events.subscribe((e) => events.push(e));
      const { taskId } = (await dispatch(c, 'studies.import', { paths: [dir] })) as { taskId: string };
      await new Promise<void>((resolve) => {
        const off = c.events.subscribe((e) => {
          if (e.type === 'progress' && e.total !== null && e.done >= 20) {
            off();
            resolve();
          }
        });
      });
      expect(await dispatch(c, 'studies.cancelImport', { taskId })).toEqual({ cancelled: true });
      // cancelImport returns once the import has stopped: the report is final at that moment.
      const report = (await dispatch(c, 'studies.importReport', { taskId })) as ImportReport;
      expect(report).toMatchObject({ state: 'cancelled', cancelled: true, total: 80 * sources.length });
      expect(report.total).toBeGreaterThanOrEqual(1000);
      expect(report.done).toBeLessThan(report.total!);
      expect(events.filter((e) => e.taskId === taskId).at(-1)).toMatchObject({ type: 'done', status: 'cancelled' });
      const doneAtCancel = report.done;
      await new Promise((r) => setTimeout(r, 300));
      expect(((await dispatch(c, 'studies.importReport', { taskId })) as ImportReport).done).toBe(doneAtCancel);
      expect(await dispatch(c, 'studies.cancelImport', { taskId })).toEqual({ cancelled: false });
      // What was indexed before the cancel stays in the database
      const { patients } = (await dispatch(c, 'studies.list', {})) as { patients: PatientSummary[] };
      expect(patients.length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
