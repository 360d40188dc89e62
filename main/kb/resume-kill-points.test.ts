import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildKnowledgeBase, type BuildOptions, type BuildStep } from './build.js';
import { tempDir, TEXT_ENCODER } from './testing/fixtures.js';

// 11 passages in batches of 3: four batches, the last one partial (the case that used to pad vectors.f32).
const PASSAGES = 11;
const BATCH = 3;
const BATCHES = Math.ceil(PASSAGES / BATCH);
const STEPS: BuildStep[] = [
  'passages written',
  ...Array.from({ length: BATCHES }, (_, i) => [`batch ${i + 1} written`, `batch ${i + 1} checkpointed`] as BuildStep[]).flat(),
  'index written',
  'encoder copied',
  'manifest written',
  'checkpoint removed',
];

let source: string;
let reference: Map<string, Buffer>;

class Killed extends Error {}

/** What a kill at a step can leave besides the finished step: half of the next vector batch, a temporary file. */
interface KillPoint {
  readonly step: BuildStep;
  /** Fraction of the batch being written that reached the disk (only for `batch N written`: a torn write). */
  readonly torn?: number;
  /** A half-written temporary file of an atomic write. */
  readonly strayTemp?: boolean;
}

function options(out: string, onStep?: BuildOptions['onStep']): BuildOptions {
  return { sources: [source], encoderDir: TEXT_ENCODER, out, batchSize: BATCH, stderr: null, ...(onStep ? { onStep } : {}) };
}

async function killAt(out: string, k: KillPoint): Promise<void> {
  const partial = `${out}.partial`;
  const run = buildKnowledgeBase(
    options(out, (step) => {
      if (step !== k.step) return;
      if (k.torn !== undefined) {
        // The batch is on disk; cut it back to a torn write: the checkpoint before it plus part of its bytes.
        const vectors = join(partial, 'vectors.f32');
        const size = statSync(vectors).size;
        const batchBytes = (size / Math.min(PASSAGES, Number(/\d+/.exec(step)![0]) * BATCH)) * BATCH;
        const start = Math.floor(size / batchBytes - 1e-9) * batchBytes;
        truncateSync(vectors, start + Math.floor((size - start) * k.torn));
      }
      if (k.strayTemp && existsSync(partial)) writeFileSync(join(partial, 'build-progress.json.tmp-99999'), '{"fingerpr');
      throw new Killed(step);
    }),
  );
  await expect(run).rejects.toBeInstanceOf(Killed);
}

/** Every file of a knowledge-base folder, by relative path; the manifest without its build time. */
function contents(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  const m = JSON.parse(files.get('manifest.json')!.toString('utf8')) as { built?: string };
  delete m.built;
  files.set('manifest.json', Buffer.from(JSON.stringify(m)));
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function expectResumesIdentically(kills: readonly KillPoint[]): Promise<void> {
  const out = join(tempDir(), 'kb');
  for (const k of kills) await killAt(out, k);
  expect(existsSync(out)).toBe(false);
  await buildKnowledgeBase(options(out));
  expect(existsSync(`${out}.partial`)).toBe(false);
  const got = contents(out);
  expect([...got.keys()]).toEqual([...reference.keys()]);
  for (const [name, bytes] of reference) expect(got.get(name)!.equals(bytes), `${name} differs after kills at ${JSON.stringify(kills)}`).toBe(true);
}

beforeAll(async () => {
  const dir = tempDir();
  source = join(dir, 'k.tsv');
  writeFileSync(source, Array.from({ length: PASSAGES }, (_, i) => `${i}\tPassage ${i} on ${['pneumonia', 'effusion', 'fracture', 'cirrhosis'][i % 4]} and finding ${i}.`).join('\n'));
  const built = await buildKnowledgeBase(options(join(dir, 'kb')));
  expect(built.manifest.counts.passages).toBe(PASSAGES);
  reference = contents(built.dir);
});

describe('a knowledge-base build interrupted anywhere resumes to the files of an uninterrupted build', () => {
  it.each(STEPS)('killed after "%s"', { timeout: 60_000 }, async (step) => {
    await expectResumesIdentically([{ step, strayTemp: true }]);
  });

  it.each(Array.from({ length: BATCHES }, (_, i) => `batch ${i + 1} written` as BuildStep))('killed mid-write of %s (a torn batch)', { timeout: 60_000 }, async (step) => {
    await expectResumesIdentically([{ step, torn: 0.5 }]);
  });

  it('any sequence of kills, torn writes and stray temporaries (property)', { timeout: 180_000 }, async () => {
    // Each rerun reaches every later step (it resumes from the last checkpoint), so kills are at increasing steps.
    const kill = fc.record({ at: fc.nat({ max: STEPS.length - 1 }), torn: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), strayTemp: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(kill, { minLength: 1, maxLength: 3, selector: (k) => k.at }), async (kills) => {
        const points = [...kills]
          .sort((a, b) => a.at - b.at)
          .map((k): KillPoint => {
            const step = STEPS[k.at]!;
            return /^batch \d+ written$/.test(step) ? { step, torn: k.torn, strayTemp: k.strayTemp } : { step, strayTemp: k.strayTemp };
          });
        await expectResumesIdentically(points);
      }),
      { seed: 18, numRuns: 12 },
    );
  });
});
