import dicomParser from 'dicom-parser';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { CaseOption } from '../api/cases.js';
import { ApiError } from '../api/errors.js';
import type { AppContext } from '../app/context.js';
import type { PathsPort } from './ports.js';

export const DEMO_MARKER = 'demo-seeded.json';

/**
 * `demo/cases.json`: the demo cases a fresh install opens on. Images are named by file (relative to the JSON) so the
 * spec survives a regeneration of the demo studies; the SOP Instance UID is read from the file itself.
 */
export const DemoCaseSpec = z.object({
  title: z.string().min(1),
  question: z.string().min(1),
  options: z.array(CaseOption),
  images: z
    .array(
      z.object({
        file: z.string().min(1),
        frame: z.number().int().nonnegative().default(0),
        /** Defaults to the file's own WindowCenter/WindowWidth (else the 8-bit range). */
        window: z.object({ center: z.number(), width: z.number().positive() }).optional(),
        invert: z.boolean().default(false),
        label: z.string().optional(),
      }),
    )
    .min(1),
});
export const DemoCases = z.array(DemoCaseSpec);

export function demoCasesFile(paths: PathsPort): string {
  return join(paths.installDir, 'demo', 'cases.json');
}

/**
 * On a fresh data directory: imports the demo studies and creates the demo cases (marked synthetic), once. A data
 * directory that already holds cases is left as it is; without demo assets nothing happens (and it tries again later).
 */
export async function ensureDemo(ctx: AppContext, specFile = demoCasesFile(ctx.services.paths)): Promise<{ created: string[] }> {
  if (!ctx.demo) return { created: [] };
  const marker = join(ctx.dataDir, DEMO_MARKER);
  const store = ctx.services.cases;
  if (existsSync(marker)) return { created: [] };
  if (store.listCases().length > 0 || !existsSync(specFile)) {
    if (store.listCases().length > 0) writeFileSync(marker, JSON.stringify({ skipped: 'cases already present', at: new Date().toISOString() }) + '\n');
    return { created: [] };
  }
  const parsed = DemoCases.safeParse(JSON.parse(readFileSync(specFile, 'utf8')));
  if (!parsed.success) throw new ApiError('unavailable', `The demo cases in ${specFile} are invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const base = dirname(specFile);
  // All of demo/studies (the newcomer sees every demo study in the browser), plus any case image kept elsewhere.
  const studiesDir = join(base, 'studies');
  const files = [...new Set(parsed.data.flatMap((c) => c.images.map((i) => resolve(base, i.file))))].filter((f) => !f.startsWith(studiesDir + '/'));
  await importAndWait(ctx, existsSync(studiesDir) ? [studiesDir, ...files] : files);
  const created: string[] = [];
  // Newest first in the history: create in reverse so the first spec is the case the workspace opens on.
  for (const spec of [...parsed.data].reverse()) {
    const keyImages = spec.images.map((img) => {
      const header = readHeader(resolve(base, img.file));
      return {
        sopInstanceUid: header.sop,
        studyInstanceUid: header.study,
        seriesInstanceUid: header.series,
        frame: img.frame,
        window: img.window ?? header.window,
        invert: img.invert,
        label: img.label ?? `${header.modality} demo image`,
      };
    });
    created.unshift(store.createCase({ title: spec.title, question: spec.question, options: spec.options, keyImages, synthetic: true }).id);
  }
  writeFileSync(marker, JSON.stringify({ created, at: new Date().toISOString() }) + '\n');
  return { created };
}

async function importAndWait(ctx: AppContext, paths: string[]): Promise<void> {
  const report = await ctx.services.studies.importFiles(paths);
  if (report.failures.length) throw new ApiError('unavailable', `The demo studies did not import: ${report.failures.map((f) => `${f.path}: ${f.reason}`).join('; ')}`);
}

function readHeader(file: string) {
  const ds = dicomParser.parseDicom(new Uint8Array(readFileSync(file)), { untilTag: 'x7fe00010' });
  const str = (tag: string) => ds.string(tag)?.trim() ?? '';
  const centre = ds.floatString('x00281050');
  const width = ds.floatString('x00281051');
  return {
    sop: str('x00080018'),
    study: str('x0020000d'),
    series: str('x0020000e'),
    modality: str('x00080060') || 'DICOM',
    window: centre !== undefined && width !== undefined && width > 0 ? { center: centre, width } : { center: 127.5, width: 256 },
  };
}
