import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../app/context.js';
import { createAppContext } from '../app/create.js';
import { closeServices } from '../app/services.js';
import { DicomError } from './dataset.js';
import { CT_MATRIX_DIR, PYDICOM, corpus, skipWithoutTestData } from './testing/corpus.js';
import { importPaths } from './testing/import.js';
import { MUTATORS, random, seed, type MutatorName, type Seed } from './testing/mutate.js';
import { DicomWorker } from './worker/client.js';

/**
 * Issue 18: a deterministic fuzz suite. Mutants of real files (one or more per codec) go through what import and the
 * viewer run (index, the tag list, then render of the first and last frame) in the DICOM worker, with its time and
 * memory caps. Nothing may crash or hang, and every failure must be a DicomError whose reason says what is wrong.
 */
const SEEDS = [
  join(PYDICOM, 'MR_small.dcm'),
  join(PYDICOM, 'MR_small_bigendian.dcm'),
  join(PYDICOM, 'MR_small_implicit.dcm'),
  join(PYDICOM, 'MR_small_RLE.dcm'),
  join(PYDICOM, 'MR_small_jpeg_ls_lossless.dcm'),
  join(PYDICOM, 'MR_small_jp2klossless.dcm'),
  join(PYDICOM, 'JPGExtended.dcm'),
  join(PYDICOM, 'SC_rgb_jpeg_dcmtk.dcm'),
  join(PYDICOM, 'SC_rgb_rle_16bit_2frame.dcm'),
  join(PYDICOM, 'SC_ybr_full_422_uncompressed.dcm'),
  join(PYDICOM, 'image_dfl.dcm'),
  join(CT_MATRIX_DIR, 'CTImage.dcm_JPEGProcess14SV1TransferSyntax_1.2.840.10008.1.2.4.70.dcm'),
  join(CT_MATRIX_DIR, 'CT0012.fragmented_no_bot_jpeg_baseline.51.dcm'),
  corpus.xaCine96,
];
const MUTANTS_PER_SEED_AND_MUTATOR = 4;
const TIME_CAP_MS = 10_000;

/** Reasons that say nothing a person can act on: a codec's bare error number, a JavaScript slip, a bare string. */
const VAGUE = /decoder error -?\d+|undefined|NaN|\[object|is not a function|Cannot read prop|Invalid typed array|out of memory|Maximum call stack|Offset is outside|^\S*$/;

interface Outcome {
  mutant: string;
  step: string;
  error: string;
}


describe.skipIf(skipWithoutTestData)('DICOM fuzz: mutants of the real corpus through index, decode and render', () => {
  let dir: string;
  let worker: DicomWorker;
  const bad: Outcome[] = [];
  const reasons = new Map<string, number>();
  let mutants = 0;
  let refused = 0;
  let rssBefore = 0;

  beforeAll(() => {
    rssBefore = process.memoryUsage().rss;
    dir = mkdtempSync(join(tmpdir(), 'medrwr-fuzz-'));
    worker = new DicomWorker({ timeoutMs: TIME_CAP_MS, heapMb: 512, niceness: 0 });
  });
  afterAll(async () => {
    await worker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const failure = (mutant: string, step: string, err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (!(err instanceof DicomError) || VAGUE.test(message) || /took longer than|needed more than/.test(message)) bad.push({ mutant, step, error: `${(err as Error).name}: ${message}` });
    reasons.set(message.replace(/\d+/g, 'N').slice(0, 90), (reasons.get(message.replace(/\d+/g, 'N').slice(0, 90)) ?? 0) + 1);
  };

  async function exercise(s: Seed, mutator: MutatorName, index: number): Promise<void> {
    const bytes = MUTATORS[mutator](s, random(hash(`${basename(s.name)}:${mutator}:${index}`)));
    const name = `${basename(s.name)}~${mutator}#${index}`;
    const path = join(dir, `${mutants % 8}.dcm`);
    writeFileSync(path, bytes);
    mutants++;
    const result = await worker.run('index', { path });
    if (result.kind === 'failed') {
      refused++;
      return failure(name, 'index', new DicomError(result.reason));
    }
    if (result.kind !== 'instance') return;
    await worker.run('tags', { path }).catch((err: unknown) => failure(name, 'tags', err));
    const last = result.record.instance.info.frames - 1;
    for (const frame of new Set([0, last])) {
      await worker.run('render', { path, frame }).catch((err: unknown) => failure(name, `render frame ${frame}`, err));
    }
  }

  for (const mutator of Object.keys(MUTATORS) as MutatorName[]) {
    it(`${mutator}: no crash, no hang, every failure a specific reason`, async () => {
      bad.length = 0;
      for (const file of SEEDS) {
        const s = seed(file, new Uint8Array(readFileSync(file)));
        for (let i = 0; i < MUTANTS_PER_SEED_AND_MUTATOR; i++) await exercise(s, mutator, i);
      }
      expect(bad, JSON.stringify(bad.slice(0, 10), null, 1)).toEqual([]);
    });
  }

  it('the mutants were hostile: most were refused or failed to render, for many different reasons', () => {
    expect(mutants).toBe(Object.keys(MUTATORS).length * SEEDS.length * MUTANTS_PER_SEED_AND_MUTATOR);
    expect(refused).toBeGreaterThan(mutants / 4);
    expect(reasons.size).toBeGreaterThan(25);
    // The memory cap of the whole run: no mutant made this process (the worker is a thread of it) grow by a gigabyte.
    expect((process.resourceUsage().maxRSS * 1024 - rssBefore) / 2 ** 20).toBeLessThan(1024);
    if (process.env.FUZZ_REASONS) console.log([...reasons].sort((a, b) => b[1] - a[1]));
  });
});

describe.skipIf(skipWithoutTestData)('DICOM fuzz through the importer', () => {
  let ctx: AppContext;
  beforeAll(() => {
    ctx = createAppContext({ dataDir: mkdtempSync(join(tmpdir(), 'medrwr-fuzz-import-')), transport: 'web' });
  });
  afterAll(async () => {
    await closeServices(ctx);
    rmSync(ctx.dataDir, { recursive: true, force: true });
  });

  it('a folder of mutants imports to completion; each file is imported, a duplicate, not an image or listed with its reason', async () => {
    const folder = join(ctx.dataDir, 'mutants');
    const names = Object.keys(MUTATORS) as MutatorName[];
    const files: string[] = [];
    mkdir(folder);
    SEEDS.forEach((file, i) => {
      const s = seed(file, new Uint8Array(readFileSync(file)));
      for (const mutator of names) {
        const path = join(folder, `${i}-${mutator}.dcm`);
        writeFileSync(path, MUTATORS[mutator](s, random(hash(`import:${i}:${mutator}`))));
        files.push(path);
      }
    });
    const { report } = await importPaths(ctx, [folder]);
    expect(report).toMatchObject({ state: 'completed', done: files.length, total: files.length });
    expect(report.imported + report.duplicates + report.notImages.length + report.failures.length).toBe(files.length);
    for (const f of report.failures) expect(f.reason, basename(f.path)).not.toMatch(VAGUE);
    expect(report.failures.length).toBeGreaterThan(10);
  });
});

function mkdir(path: string): void {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
}

/** FNV-1a: a mutant's seed from its name, so adding a seed file or mutator does not reshuffle the others. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
