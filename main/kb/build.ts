import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ApiError } from '../api/errors.js';
import { chunkText } from './chunk.js';
import { sha256File } from '../common/sha256.js';
import { fileDigest, writeFileAtomic } from './files.js';
import { buildHnsw, DEFAULT_HNSW, type HnswParams } from './hnsw.js';
import { readSources, type SourceProblem } from './ingest.js';
import { FILES, KB_FORMAT, type KbManifest } from './kb-manifest.js';
import { createPassageDb, embeddingText, rowToPassage } from './passage-store.js';
import { describeProblem, reportSkipped, skippedRecord } from './skipped.js';
import { progressBar } from './progress.js';
import { TextEncoder } from './text-encoder.js';
import type { TextEncoderManifest } from './encoder-manifest.js';

export interface BuildOptions {
  readonly sources: readonly string[];
  readonly encoderDir: string;
  readonly out: string;
  readonly id?: string;
  readonly version?: string;
  /** Minimum words per passage (default 100, as the paper). */
  readonly chunkWords?: number;
  readonly batchSize?: number;
  readonly hnsw?: Partial<HnswParams>;
  /** Replace an existing knowledge base at `out` (only once the new one is complete). */
  readonly force?: boolean;
  /** Where the progress bar and notices go; null for silence. */
  readonly stderr?: NodeJS.WriteStream | null;
  readonly signal?: AbortSignal;
  /** Called after each step whose files are on disk, before the next begins (see BuildStep); the resume tests throw
   * from it to stop the build exactly there, as a kill would. */
  readonly onStep?: (step: BuildStep) => void;
}

/** The points between which a build can be interrupted; `batch N …` counts from 1. */
export type BuildStep = 'passages written' | `batch ${number} written` | `batch ${number} checkpointed` | 'index written' | 'encoder copied' | 'manifest written' | 'checkpoint removed';

export interface BuildResult {
  readonly dir: string;
  readonly manifest: KbManifest;
  /** The batch an interrupted build was resumed from, or null for a fresh build. */
  readonly resumedAtBatch: number | null;
  /** Source lines that were not passages (bad TSV lines), each with its line number and why. */
  readonly skipped: readonly SourceProblem[];
}

interface Checkpoint {
  readonly fingerprint: string;
  readonly passages: number;
  readonly batches: number;
  readonly batchesDone: number;
}

const CHECKPOINT = 'build-progress.json';

/**
 * Builds a knowledge base into `<out>.partial` and renames it to `out` when complete. Finished embedding batches are
 * checkpointed, so rerunning the same build after an interruption (a kill, a crash) continues where it stopped and
 * gives byte-identical files.
 */
export async function buildKnowledgeBase(opts: BuildOptions): Promise<BuildResult> {
  const out = resolve(opts.out);
  const partial = `${out}.partial`;
  const chunkWords = opts.chunkWords ?? 100;
  const batchSize = opts.batchSize ?? 64;
  const hnsw = { ...DEFAULT_HNSW, ...opts.hnsw };
  const stderr = opts.stderr === undefined ? process.stderr : opts.stderr;
  const say = (line: string) => stderr?.write(line + '\n');
  if (!Number.isInteger(chunkWords) || chunkWords < 1) throw new ApiError('bad_request', `--chunk-words must be a positive integer, got ${chunkWords}.`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ApiError('bad_request', `--batch-size must be a positive integer, got ${batchSize}.`);
  if (existsSync(out) && !opts.force) throw new ApiError('conflict', `${out} already exists: choose another --out, or pass --force to replace it once the new build is complete.`);

  const encoder = await TextEncoder.open(opts.encoderDir);
  try {
    const problems: SourceProblem[] = [];
    const docs = readSources(opts.sources, problems);
    reportSkipped(problems, say);
    const passages = docs.flatMap((d) => {
      const chunks = chunkText(d.text, chunkWords);
      return chunks.map((text, i) => ({ id: chunks.length > 1 ? `${d.id}#${i + 1}` : d.id, docId: d.id, source: d.source, title: d.title ?? null, text }));
    });
    if (passages.length === 0) throw new ApiError('bad_request', `The sources hold no text to index${problems.length ? ` (${problems.length} lines skipped, the first: ${describeProblem(problems[0]!)})` : ''}.`);
    const fingerprint = hashJson({ format: KB_FORMAT, sources: opts.sources.map(sourceDigest), chunkWords, batchSize, hnsw, encoder: encoder.manifest.onnx.sha256 });
    const batches = Math.ceil(passages.length / batchSize);

    let checkpoint = readCheckpoint(partial);
    let resumedAtBatch: number | null = null;
    const step = opts.onStep ?? (() => undefined);
    if (checkpoint?.fingerprint === fingerprint) {
      resumedAtBatch = checkpoint.batchesDone;
      removeTemporaries(partial);
      say(`Resuming the interrupted build in ${partial} at batch ${checkpoint.batchesDone + 1} of ${checkpoint.batches}.`);
    } else {
      if (existsSync(partial)) say(`Discarding ${partial}: it is an interrupted build of different inputs.`);
      rmSync(partial, { recursive: true, force: true });
      mkdirSync(partial, { recursive: true });
      createPassageDb(join(partial, FILES.passages), passages);
      step('passages written');
      checkpoint = { fingerprint, passages: passages.length, batches, batchesDone: 0 };
      writeFileAtomic(join(partial, CHECKPOINT), JSON.stringify(checkpoint));
    }

    await embedBatches(encoder, partial, checkpoint, batchSize, stderr, opts.signal, step);

    const dim = encoder.dimension;
    const vectors = new Float32Array(new Uint8Array(readFileSync(join(partial, FILES.vectors))).buffer);
    if (vectors.length !== passages.length * dim) throw new ApiError('internal', `The embedding checkpoint in ${partial} is inconsistent: delete ${partial} and rebuild.`);
    say(`Indexing ${passages.length} vectors (HNSW M=${hnsw.m}, efConstruction=${hnsw.efConstruction})…`);
    buildHnsw(vectors, dim, hnsw).writeIndexSync(join(partial, FILES.index));
    step('index written');
    copyEncoder(opts.encoderDir, encoder.manifest, join(partial, FILES.encoder));
    step('encoder copied');

    const sources: Record<string, number> = {};
    for (const p of passages) sources[p.source] = (sources[p.source] ?? 0) + 1;
    const manifest: KbManifest = {
      ...manifestHead(opts, out, encoder.manifest, dim, hnsw),
      chunking: { words: chunkWords },
      counts: { documents: docs.length, passages: passages.length, sources },
      files: Object.fromEntries([FILES.passages, FILES.index, FILES.vectors].map((f) => [f, fileDigest(join(partial, f))])),
      images: null,
      ...(problems.length ? { skipped: skippedRecord(problems) } : {}),
    };
    writeFileAtomic(join(partial, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    step('manifest written');
    rmSync(join(partial, CHECKPOINT));
    step('checkpoint removed'); // a rerun from here finds no checkpoint and builds afresh: slower, still correct
    swapIn(partial, out);
    say(`Built ${out}: ${docs.length} documents, ${passages.length} passages, dimension ${dim}${problems.length ? `; ${problems.length} bad lines skipped (listed above and in the manifest)` : ''}.`);
    return { dir: out, manifest, resumedAtBatch, skipped: problems };
  } finally {
    await encoder.close();
  }
}

async function embedBatches(
  encoder: TextEncoder,
  partial: string,
  cp: Checkpoint,
  batchSize: number,
  stderr: NodeJS.WriteStream | null,
  signal: AbortSignal | undefined,
  step: (s: BuildStep) => void,
): Promise<void> {
  const dim = encoder.dimension;
  const fd = openSync(join(partial, FILES.vectors), existsSync(join(partial, FILES.vectors)) ? 'r+' : 'w+');
  const db = new Database(join(partial, FILES.passages), { readonly: true });
  try {
    // Anything written after the last checkpoint is discarded and redone. The last batch may be partial, so the
    // checkpointed length is counted in passages, not batches (counting batches padded the file with zeros).
    // A file shorter than its checkpoint (lost writes) is never padded: the embedding restarts from what it holds.
    const have = fstatSync(fd).size;
    let from = cp.batchesDone;
    if (have < Math.min(cp.passages, from * batchSize) * dim * 4) from = Math.floor(have / (batchSize * dim * 4));
    const done = Math.min(cp.passages, from * batchSize);
    ftruncateSync(fd, done * dim * 4);
    const select = db.prepare('SELECT * FROM passages WHERE label >= ? AND label < ? ORDER BY label');
    const bar = stderr ? progressBar('Embedding', cp.passages, 'passages', stderr, done) : null;
    let position = done * dim * 4;
    for (let b = from; b < cp.batches; b++) {
      if (signal?.aborted) throw new ApiError('cancelled', `Build cancelled; rerun the same command to resume from batch ${b + 1}.`);
      const rows = (select.all(b * batchSize, (b + 1) * batchSize) as Parameters<typeof rowToPassage>[0][]).map(rowToPassage);
      const vecs = await encoder.embed(rows.map(embeddingText));
      const buf = new Float32Array(vecs.length * dim);
      vecs.forEach((v, i) => buf.set(v, i * dim));
      position += writeSync(fd, new Uint8Array(buf.buffer), 0, buf.byteLength, position);
      fsyncSync(fd);
      step(`batch ${b + 1} written`);
      writeFileAtomic(join(partial, CHECKPOINT), JSON.stringify({ ...cp, batchesDone: b + 1 }));
      step(`batch ${b + 1} checkpointed`);
      bar?.update(Math.min(cp.passages, (b + 1) * batchSize));
    }
    bar?.finish();
  } finally {
    db.close();
    closeSync(fd);
  }
}

/** A kill during an atomic write leaves its temporary file behind; it must not end up in the finished folder. */
function removeTemporaries(partial: string): void {
  for (const name of readdirSync(partial)) if (/\.tmp-\d+$/.test(name)) rmSync(join(partial, name), { force: true });
}

/** The checkpoint of an interrupted build, or null when there is none or it is not one (the build then starts afresh). */
function readCheckpoint(partial: string): Checkpoint | null {
  try {
    const cp = JSON.parse(readFileSync(join(partial, CHECKPOINT), 'utf8')) as Checkpoint;
    const whole = (n: unknown) => Number.isInteger(n) && (n as number) >= 0;
    if (typeof cp.fingerprint !== 'string' || !whole(cp.passages) || !whole(cp.batches) || !whole(cp.batchesDone) || cp.batchesDone > cp.batches) return null;
    return cp;
  } catch {
    return null;
  }
}

/** The encoder travels inside the knowledge base, so a KB folder is searchable on its own. */
/** What every knowledge base's manifest starts with, built or imported: its identity and the embedder that made it. */
export function manifestHead(
  opts: { readonly id?: string; readonly version?: string },
  out: string,
  m: TextEncoderManifest,
  dimension: number,
  hnsw: KbManifest['hnsw'],
): Pick<KbManifest, 'format' | 'id' | 'version' | 'built' | 'embedder' | 'dimension' | 'metric' | 'hnsw'> {
  return {
    format: KB_FORMAT,
    id: opts.id ?? basename(out),
    version: opts.version ?? '1',
    built: new Date().toISOString(),
    embedder: { id: m.id, version: m.version, sha256: m.onnx.sha256, dimension, path: FILES.encoder },
    dimension,
    metric: 'cosine',
    hnsw,
  };
}

export function copyEncoder(from: string, m: { onnx: { path: string }; tokenizer?: { path: string }; onnx_data?: { path: string } | undefined }, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of ['manifest.json', m.onnx.path, ...(m.tokenizer ? [m.tokenizer.path] : []), ...(m.onnx_data ? [m.onnx_data.path] : [])]) {
    mkdirSync(dirname(join(to, f)), { recursive: true });
    copyFileSync(join(from, f), join(to, f));
  }
}

/** Renames the finished build into place; an existing KB is moved aside first and removed only after. */
export function swapIn(partial: string, out: string): void {
  const old = `${out}.old-${process.pid}`;
  const had = existsSync(out);
  if (had) renameSync(out, old);
  renameSync(partial, out);
  if (had) rmSync(old, { recursive: true, force: true });
}

function sourceDigest(path: string): unknown {
  const st = statSync(path);
  if (!st.isDirectory()) return [resolve(path), sha256File(path)];
  const files: unknown[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) walk(join(d, e.name));
      else files.push([join(d, e.name), sha256File(join(d, e.name))]);
    }
  };
  walk(path);
  return [resolve(path), files];
}

function hashJson(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v)).digest('hex');
}
