import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFrame } from './decode.js';
import { encapsulatedFrame, encapsulatedFrameTable } from './frame-bytes.js';
import { frameBytes, frameTable, type Fragment } from './frame-table.js';
import { readImageInfo } from './image-info.js';
import { parseDicom } from './parse.js';
import { CT_MATRIX_DIR, corpus, skipWithoutTestData } from './testing/corpus.js';
import { withEmptyTableAndSplitFrames, withFramesInOneFragment, withWrongOffsetTable, withWrongTableAndSplitFrames } from './testing/offset-tables.js';
import { dicomFile, encapsulatedPixelData } from './testing/write.js';
import { viewerReadyBytes } from './viewer-file.js';
import { indexFile } from './worker/jobs.js';

const tmp = mkdtempSync(join(tmpdir(), 'medrwr-frames-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function decodeAll(bytes: Uint8Array) {
  const ds = parseDicom(bytes);
  const info = readImageInfo(ds);
  const frames = [];
  for (let f = 0; f < info.frames; f++) frames.push((await decodeFrame(ds, info, f)).samples);
  return frames;
}

describe.skipIf(skipWithoutTestData)('a multi-frame JPEG (the 96-frame XA) whose offset table is wrong or empty', () => {
  const original = skipWithoutTestData ? new Uint8Array() : new Uint8Array(readFileSync(corpus.xaCine96));
  const variants = skipWithoutTestData
    ? []
    : [
        { name: 'a wrong offset table (item headers left out)', bytes: withWrongOffsetTable(original), source: 'one fragment per frame' },
        { name: 'an empty table and 3 fragments per frame', bytes: withEmptyTableAndSplitFrames(original, 3), source: 'codestream markers' },
        { name: 'a table pointing mid-frame and 3 fragments per frame', bytes: withWrongTableAndSplitFrames(original, 3), source: 'codestream markers' },
        { name: 'all frames packed in one fragment', bytes: withFramesInOneFragment(original), source: 'codestream markers' },
      ];

  it('the rewritten files really are broken that way, and the original is read by its own table', () => {
    const el = (b: Uint8Array) => parseDicom(b).elements['x7fe00010']!;
    expect(encapsulatedFrameTable(parseDicom(original), readImageInfo(parseDicom(original))).source).toBe('offset table');
    expect(el(variants[0]!.bytes).basicOffsetTable).toHaveLength(96);
    expect(el(variants[0]!.bytes).basicOffsetTable).not.toEqual(el(original).basicOffsetTable);
    expect(el(variants[1]!.bytes).basicOffsetTable).toEqual([]);
    expect(el(variants[1]!.bytes).fragments!.length).toBeGreaterThanOrEqual(3 * 96 - 5);
    expect(el(variants[3]!.bytes).fragments).toHaveLength(1);
  });

  it('(a) a wrong table and (b) an empty table with 3 fragments per frame decode to the same 96 frames as the original, sample for sample', async () => {
    const expected = await decodeAll(original);
    expect(expected).toHaveLength(96);
    for (const v of variants.slice(0, 2)) {
      const ds = parseDicom(v.bytes);
      expect(encapsulatedFrameTable(ds, readImageInfo(ds)).source, v.name).toBe(v.source);
      const got = await decodeAll(v.bytes);
      expect(got.length, v.name).toBe(96);
      got.forEach((samples, f) => expect(Buffer.from(samples.buffer).equals(Buffer.from(expected[f]!.buffer)), `${v.name}: frame ${f + 1}`).toBe(true));
    }
  });

  it('a table pointing mid-frame, and frames packed in one fragment, give each frame its original compressed bytes', () => {
    const ds0 = parseDicom(original);
    const info = readImageInfo(ds0);
    for (const v of variants.slice(2)) {
      const ds = parseDicom(v.bytes);
      const table = encapsulatedFrameTable(ds, info);
      expect(table.source, v.name).toBe(v.source);
      expect(table.frames).toHaveLength(96);
      table.frames.forEach((ranges, f) => expect(Buffer.from(frameBytes(ds.byteArray, ranges)).equals(Buffer.from(encapsulatedFrame(ds0, info, f))), `${v.name}: frame ${f + 1}`).toBe(true));
    }
  });

  it('is indexed on import with all its frames (the study stays listed)', async () => {
    for (const [i, v] of variants.entries()) {
      const path = join(tmp, `xa-${i}.dcm`);
      writeFileSync(path, v.bytes);
      const result = await indexFile(path);
      expect(result.kind, v.name).toBe('instance');
      if (result.kind === 'instance') expect(result.record.instance.info.frames).toBe(96);
    }
  });

  it("is served to the viewer rewritten so that Cornerstone's loader reads the original frames; a sound file is served as it is", () => {
    // What the renderer's loader does with a non-empty offset table (dicom-image-loader 5.14, wadouri/getEncapsulatedImageFrame.js).
    const frameOf = (b: Uint8Array, f: number) => {
      const ds = dicomParser.parseDicom(b);
      return Buffer.from(dicomParser.readEncapsulatedImageFrame(ds, ds.elements['x7fe00010']!, f));
    };
    expect(viewerReadyBytes(original)).toBeNull();
    // Without the rewrite the loader trusts the wrong table and fails (the "parser message").
    expect(() => frameOf(variants[0]!.bytes, 1)).toThrow(/unable to find fragment that matches basic offset table entry/);
    for (const v of variants) {
      const served = viewerReadyBytes(v.bytes);
      expect(served, v.name).not.toBeNull();
      for (const f of [0, 1, 47, 95]) expect(frameOf(served!, f).equals(frameOf(original, f)), `${v.name}: frame ${f + 1}`).toBe(true);
    }
  });
});

describe.skipIf(skipWithoutTestData)('a real fragmented file without an offset table', () => {
  it('the 2-frame enhanced CT in 11 fragments yields both frames by their SOI markers', async () => {
    const bytes = readFileSync(join(CT_MATRIX_DIR, 'CT0012.fragmented_no_bot_jpeg_baseline.51.dcm'));
    const ds = parseDicom(bytes);
    const info = readImageInfo(ds);
    const table = encapsulatedFrameTable(ds, info);
    expect(table).toMatchObject({ source: 'codestream markers' });
    expect(table.frames).toHaveLength(2);
    for (const f of [0, 1]) expect((await decodeFrame(ds, info, f)).samples.length).toBe(info.rows * info.columns);
  });
});

describe('frame boundaries from the codestream', () => {
  const J2K = '1.2.840.10008.1.2.4.90';
  /** Lays fragments out as items would be (8-byte header before each), returning the file bytes and the fragment list. */
  function layout(parts: number[][]): { bytes: Uint8Array; fragments: Fragment[] } {
    const chunks: number[] = [];
    const fragments: Fragment[] = [];
    for (const p of parts) {
      fragments.push({ offset: chunks.length, position: chunks.length + 8, length: p.length });
      chunks.push(...new Array<number>(8).fill(0xee), ...p);
    }
    return { bytes: Uint8Array.from(chunks), fragments };
  }
  const soc = [0xff, 0x4f, 0xff, 0x51];
  const eoc = [0xff, 0xd9];

  it('JPEG 2000: fragments opening with SOC SIZ start frames; the table is ignored when it points elsewhere', () => {
    const { bytes, fragments } = layout([[...soc, 1, 2], [3, 4, ...eoc], [...soc, 5, 6], [7, ...eoc, 0]]);
    const t = frameTable(bytes, fragments, [0, 8], 2, J2K);
    expect(t.source).toBe('codestream markers');
    expect(t.frames.map((r) => r.map(([s, e]) => Array.from(bytes.subarray(s, e))).flat())).toEqual([[...soc, 1, 2, 3, 4, ...eoc], [...soc, 5, 6, 7, ...eoc, 0]]);
  });

  it('a correct table is used as it stands', () => {
    const { bytes, fragments } = layout([[...soc, 1], [2, ...eoc], [...soc, 3], [4, ...eoc]]);
    const t = frameTable(bytes, fragments, [0, fragments[2]!.offset], 2, J2K);
    expect(t.source).toBe('offset table');
    expect(t.frames.map((r) => r.length)).toEqual([2, 2]);
  });

  it('a start marker inside a frame is not taken for a new frame when only those after an end marker give the declared count', () => {
    // The second fragment happens to begin with SOC SIZ bytes, but the first fragment did not end the codestream.
    const { bytes, fragments } = layout([[...soc, 1], [...soc, 2, ...eoc], [...soc, 3, ...eoc]]);
    const t = frameTable(bytes, fragments, [], 2, J2K);
    expect(t.frames.map((r) => r.length)).toEqual([2, 1]);
  });

  it('RLE: a fragment opening with a segment header starts a frame', () => {
    const rle = (n: number) => [1, 0, 0, 0, 64, 0, 0, 0, ...new Array<number>(56 + n).fill(0)];
    const { bytes, fragments } = layout([rle(2), [9, 9], rle(4)]);
    const t = frameTable(bytes, fragments, [], 2, '1.2.840.10008.1.2.5');
    expect(t.frames.map((r) => r.length)).toEqual([2, 1]);
  });

  it('a frame the data do not hold fails by itself, naming how many frames there are', () => {
    const jpeg = (x: number) => Uint8Array.of(0xff, 0xd8, 0xff, 0xc0, x, x, 0xff, 0xd9);
    // Three frames declared; the second fragment's start marker is damaged, so markers find two frames in three fragments.
    const file = dicomFile('1.2.840.10008.1.2.4.50', { rows: 8, columns: 8, bitsAllocated: 8, frames: 3 }, encapsulatedPixelData([jpeg(1), Uint8Array.of(0, 0, 0, 0), jpeg(3), Uint8Array.of(1, 2)]));
    const ds = parseDicom(file);
    const info = readImageInfo(ds);
    expect(Array.from(encapsulatedFrame(ds, info, 1).subarray(0, 2))).toEqual([0xff, 0xd8]);
    expect(() => encapsulatedFrame(ds, info, 2)).toThrow('frame 3 is missing: the header says 3 frames, the compressed pixel data holds 2 (found by codestream markers)');
    // Served to the viewer with a table of the 2 frames found: the loader reads those and fails on the third alone,
    // which the viewport then shows as that image's error.
    const served = dicomParser.parseDicom(viewerReadyBytes(file)!);
    const el = served.elements['x7fe00010']!;
    expect(el.basicOffsetTable).toHaveLength(2);
    expect(Buffer.from(dicomParser.readEncapsulatedImageFrame(served, el, 1)).equals(Buffer.from(encapsulatedFrame(ds, info, 1)))).toBe(true);
    expect(() => dicomParser.readEncapsulatedImageFrame(served, el, 2)).toThrow();
  });

  it('import refuses a file that declares more frames than its fragments and markers hold (NumberOfFrames stays bounded)', async () => {
    const path = join(tmp, 'many-frames.dcm');
    writeFileSync(path, dicomFile('1.2.840.10008.1.2.4.50', { rows: 8, columns: 8, bitsAllocated: 8, frames: 100_000 }, encapsulatedPixelData([Uint8Array.of(0xff, 0xd8, 0xff, 0xc0, 0, 0, 0xff, 0xd9)])));
    expect(await indexFile(path)).toEqual({ kind: 'failed', reason: 'NumberOfFrames says 100000 but the compressed pixel data holds only 1 frame(s)' });
  });
});
