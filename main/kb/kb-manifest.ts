import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ApiError } from '../api/errors.js';
import { confinedPath, fileKind, regularFile } from '../common/package-path.js';

export const KB_FORMAT = 'medrwr-kb/1';
export const FILES = { passages: 'passages.sqlite', index: 'index.hnsw', vectors: 'vectors.f32', images: 'images.sqlite', imageIndex: 'images.hnsw', encoder: 'encoder', imageEncoder: 'image-encoder' } as const;

const Digest = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() });
const Embedder = z.object({ id: z.string(), version: z.string(), sha256: z.string(), dimension: z.number().int().positive(), path: z.string() });
const Hnsw = z.object({ m: z.number().int().positive(), efConstruction: z.number().int().positive(), efSearch: z.number().int().positive(), seed: z.number().int() });

/** manifest.json of a knowledge-base folder (DESIGN §6). `files` lists every data file with its sha256, checked at open. */
export const KbManifest = z.object({
  format: z.literal(KB_FORMAT),
  id: z.string().min(1),
  version: z.string().min(1),
  built: z.string(),
  embedder: Embedder,
  dimension: z.number().int().positive(),
  metric: z.literal('cosine'),
  hnsw: Hnsw,
  /** The dense index: an HNSW graph (index.hnsw), or exact search over vectors.f32 (imported flat FAISS indexes). */
  index: z.enum(['hnsw', 'flat']).optional(),
  chunking: z.object({ words: z.number().int().positive() }),
  counts: z.object({ documents: z.number().int().nonnegative(), passages: z.number().int().nonnegative(), sources: z.record(z.string(), z.number().int()) }),
  files: z.record(z.string(), Digest),
  images: z
    .object({ embedder: Embedder, dimension: z.number().int().positive(), hnsw: Hnsw, count: z.number().int().nonnegative(), added: z.string() })
    .nullable(),
  /** Source lines that were not passages (bad TSV lines): the first 1,000 and the total. */
  skipped: z.object({ count: z.number().int().positive(), lines: z.array(z.object({ source: z.string(), line: z.number().int().positive(), reason: z.string() })) }).optional(),
  /** Set when the vectors were imported from a FAISS index rather than embedded here. */
  imported: z
    .object({
      from: z.literal('faiss'),
      file: z.string(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      fourcc: z.string(),
      type: z.string(),
      metric: z.enum(['ip', 'l2']),
      vectors: z.number().int().nonnegative(),
      /** Stored vectors re-embedded with the encoder and compared (cosine); 0 when the check was skipped. */
      checked: z.object({ sample: z.number().int().nonnegative(), minCosine: z.number().nullable() }),
    })
    .optional(),
});
export type KbManifest = z.infer<typeof KbManifest>;

/** A manifest lists a few files and source counts; a larger file is not one, and is not read into memory. */
const MAX_MANIFEST_BYTES = 1 << 24;

export function readKbManifest(dir: string): KbManifest {
  const path = join(dir, 'manifest.json');
  if (!existsSync(dir)) throw new ApiError('not_found', `No knowledge base at ${dir}: build one with "medrwr kb build SRC… --encoder DIR --out ${dir}".`);
  if (!existsSync(path)) throw new ApiError('unavailable', `${dir} is not a knowledge base (manifest.json missing): an interrupted build leaves its work in ${dir}.partial; rerun "medrwr kb build" to finish it.`);
  const kind = regularFile(path);
  if ('problem' in kind) throw new ApiError('unavailable', `The knowledge base manifest ${path} ${kind.problem}: restore the knowledge base folder.`);
  if (kind.size > MAX_MANIFEST_BYTES) throw new ApiError('unavailable', `The knowledge base manifest ${path} is ${kind.size} bytes, more than a manifest can be (${MAX_MANIFEST_BYTES}): restore the knowledge base folder.`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ApiError('unavailable', `The knowledge base manifest ${path} is not valid JSON (${(err as Error).message}): rebuild the knowledge base.`);
  }
  const parsed = KbManifest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ApiError('unavailable', `The knowledge base manifest ${path} is not a ${KB_FORMAT} manifest (${issue.path.join('.') || 'root'}: ${issue.message}): rebuild it with this version of medrwr.`);
  }
  checkPaths(dir, parsed.data);
  return parsed.data;
}

/**
 * Every path the manifest names stays inside the knowledge base (no `..`, no absolute path, no link out) and is what it
 * should be: its data files regular files (so a FIFO or device is refused by name, never read), its encoders folders.
 * The files a search opens must all be listed, so none escapes the integrity check.
 */
function checkPaths(dir: string, m: KbManifest): void {
  const refuse = (what: string, problem: string): never => {
    throw new ApiError('unavailable', `Knowledge base ${dir} is refused: its manifest names ${what} which ${problem}; a knowledge base holds only regular files inside its folder. Restore or rebuild it.`);
  };
  const confined = (rel: string, what: string) => {
    const r = confinedPath(dir, rel);
    return 'problem' in r ? refuse(`${what} "${rel}"`, r.problem) : r.path;
  };
  for (const name of Object.keys(m.files)) {
    const r = regularFile(confined(name, 'the file'));
    if ('problem' in r && r.problem !== 'is missing') refuse(`the file "${name}"`, r.problem); // missing: verifyFiles says so
  }
  // A flat dense index (an imported FAISS flat index) searches vectors.f32 itself and has no HNSW file.
  const required = [FILES.passages, ...(m.index === 'flat' ? [] : [FILES.index]), FILES.vectors, ...(m.images ? [FILES.images, FILES.imageIndex] : [])];
  for (const name of required) if (!m.files[name]) refuse(`no digest for "${name}"`, 'leaves it unverified');
  for (const [rel, what] of [[m.embedder.path, 'the text encoder'], ...(m.images ? [[m.images.embedder.path, 'the image encoder']] : [])] as const) {
    const abs = confined(rel, `${what} folder`);
    let st;
    try {
      st = statSync(abs);
    } catch {
      continue; // missing: checkEmbedder names it with what to do
    }
    if (!st.isDirectory()) refuse(`${what} folder "${rel}"`, `is ${fileKind(st)}`);
  }
}
