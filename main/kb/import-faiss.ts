import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ApiError } from '../api/errors.js';
import { copyEncoder, manifestHead, swapIn } from './build.js';
import { readFaissVectors, type FaissVectors } from './faiss-format.js';
import { fileDigest, writeFileAtomic } from './files.js';
import { buildHnsw, DEFAULT_HNSW, type HnswParams } from './hnsw.js';
import type { SourceProblem } from './ingest.js';
import { FILES, type KbManifest } from './kb-manifest.js';
import { createPassageDb } from './passage-store.js';
import { progressBar } from './progress.js';
import { describeProblem, reportSkipped, skippedRecord } from './skipped.js';
import { readEncoderManifest } from './encoder-manifest.js';
import { TextEncoder } from './text-encoder.js';
import { readKbTsv, type TsvRecord } from './tsv.js';

export interface ImportFaissOptions {
  /** knowledge_base.bin: a FAISS IndexFlatIP, IndexFlatL2 or IndexHNSWFlat. */
  readonly index: string;
  /** knowledge_base.tsv: line n holds the passage of FAISS id n - 1. */
  readonly passages: string;
  /** The encoder that made the vectors (queries are embedded with it). */
  readonly encoderDir: string;
  readonly out: string;
  readonly id?: string;
  readonly version?: string;
  /** Passages re-embedded and compared with their stored vectors (default 16; 0 skips the check). */
  readonly checkSample?: number;
  /**
   * The dense index: 'flat' (default) searches every vector exactly, as the reference's FAISS flat index does, and
   * needs no graph (fast to import); 'hnsw' builds a graph for sublinear search on much larger corpora.
   */
  readonly denseIndex?: 'flat' | 'hnsw';
  readonly hnsw?: Partial<HnswParams>;
  readonly force?: boolean;
  readonly stderr?: NodeJS.WriteStream | null;
}

export interface ImportFaissResult {
  readonly dir: string;
  readonly manifest: KbManifest;
  readonly skipped: readonly SourceProblem[];
}

/** A re-embedded passage must be this close (cosine) to its stored vector; fp32 vs fp16/int8 encoders stay above. */
export const MIN_SAMPLE_COSINE = 0.98;
/** Stored vectors must be unit length: the knowledge base ranks by inner product = cosine. */
const NORM_TOLERANCE = 1e-3;

/**
 * Makes a knowledge base from a published FAISS index and its TSV without re-embedding the corpus: the stored
 * vectors are copied bit for bit and the passages get FTS5 indexes; dense search is exact over the vectors (as the
 * reference's flat index) or, on request, through a new HNSW graph.
 */
export async function importFaiss(opts: ImportFaissOptions): Promise<ImportFaissResult> {
  const out = resolve(opts.out);
  const partial = `${out}.partial`;
  const hnsw = { ...DEFAULT_HNSW, ...opts.hnsw };
  const sample = opts.checkSample ?? 16;
  const denseIndex = opts.denseIndex ?? 'flat';
  const stderr = opts.stderr === undefined ? process.stderr : opts.stderr;
  const say = (line: string) => stderr?.write(line + '\n');
  if (!Number.isInteger(sample) || sample < 0) throw new ApiError('bad_request', `--check must be a whole number of passages (0 to skip), got ${sample}.`);
  if (existsSync(out) && !opts.force) throw new ApiError('conflict', `${out} already exists: choose another --out, or pass --force to replace it once the import is complete.`);

  const faiss = readFaissVectors(opts.index);
  const tsv = readKbTsv(opts.passages);
  if (faiss.count !== tsv.lines) {
    throw new ApiError(
      'bad_request',
      `${opts.index} holds ${faiss.count} vectors but ${opts.passages} has ${tsv.lines} lines: FAISS id n is line n + 1 of the TSV, so the counts must be equal. Are these the index and TSV published together?`,
    );
  }
  checkUnitLength(faiss, opts.index);
  const problems: SourceProblem[] = tsv.problems.map((p) => ({ path: opts.passages, line: p.line, reason: p.reason }));
  reportSkipped(problems, say);
  if (tsv.records.length === 0) throw new ApiError('bad_request', `${opts.passages} holds no passage${problems.length ? ` (the first bad line: ${describeProblem(problems[0]!)})` : ''}.`);

  // The stored vectors are imported as they are: the encoder's model is loaded only to re-embed the check's sample.
  const encoder = await readEncoderManifest(opts.encoderDir, 'text');
  try {
    if (encoder.dimension !== faiss.dimension) {
      throw new ApiError('bad_request', `${opts.index} holds ${faiss.dimension}-dimensional vectors but the encoder ${opts.encoderDir} makes ${encoder.dimension}-dimensional ones: give the encoder that made the index (BGE-M3 for Med-RwR's: 1024).`);
    }
    const minCosine = sample > 0 ? await checkSample(faiss, tsv.records, sample, opts) : null;
    if (minCosine !== null) say(`Re-embedded ${Math.min(sample, tsv.records.length)} passages: cosine with the stored vectors ≥ ${minCosine.toFixed(4)}.`);

    const d = faiss.dimension;
    const vectors = new Float32Array(tsv.records.length * d);
    tsv.records.forEach((r, label) => vectors.set(faiss.vectors.subarray((r.line - 1) * d, r.line * d), label * d));

    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    const source = basename(opts.passages);
    createPassageDb(
      join(partial, FILES.passages),
      tsv.records.map((r) => ({ id: r.id, docId: r.id, source, title: null, text: r.text })),
    );
    writeFileAtomic(join(partial, FILES.vectors), new Uint8Array(vectors.buffer));
    if (denseIndex === 'hnsw') {
      const bar = stderr ? progressBar('Indexing', tsv.records.length, 'vectors', stderr) : null;
      buildHnsw(vectors, d, hnsw, (n) => bar?.update(n)).writeIndexSync(join(partial, FILES.index));
      bar?.finish();
    }
    copyEncoder(opts.encoderDir, encoder, join(partial, FILES.encoder));

    const manifest: KbManifest = {
      ...manifestHead(opts, out, encoder, d, hnsw),
      index: denseIndex,
      // The published passages were chunked by their authors ("at least 100 words", the paper); none is cut here.
      chunking: { words: 100 },
      counts: { documents: tsv.records.length, passages: tsv.records.length, sources: { [source]: tsv.records.length } },
      files: Object.fromEntries([FILES.passages, ...(denseIndex === 'hnsw' ? [FILES.index] : []), FILES.vectors].map((f) => [f, fileDigest(join(partial, f))])),
      images: null,
      ...(problems.length ? { skipped: skippedRecord(problems) } : {}),
      imported: {
        from: 'faiss',
        file: basename(opts.index),
        sha256: fileDigest(opts.index).sha256,
        fourcc: faiss.type.fourcc,
        type: faiss.type.name,
        metric: faiss.metric,
        vectors: faiss.count,
        checked: { sample: minCosine === null ? 0 : Math.min(sample, tsv.records.length), minCosine },
      },
    };
    writeFileAtomic(join(partial, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    swapIn(partial, out);
    say(`Imported ${out}: ${tsv.records.length} passages from ${faiss.type.name} ${basename(opts.index)} (${faiss.count} × ${d}, ${faiss.metric}), ${denseIndex === 'flat' ? 'exact search' : 'HNSW'}${problems.length ? `; ${problems.length} bad lines skipped` : ''}.`);
    return { dir: out, manifest, skipped: problems };
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
}

function checkUnitLength(f: FaissVectors, path: string): void {
  const d = f.dimension;
  for (let i = 0; i < f.count; i++) {
    let s = 0;
    for (let j = i * d; j < (i + 1) * d; j++) s += f.vectors[j]! * f.vectors[j]!;
    const norm = Math.sqrt(s);
    if (!(Math.abs(norm - 1) <= NORM_TOLERANCE)) {
      throw new ApiError('bad_request', `${path}: vector ${i} has length ${norm.toPrecision(6)}, not 1. The knowledge base ranks by cosine, so only L2-normalised vectors (as BGE-M3 makes) can be imported as they are.`);
    }
  }
}

/** Re-embeds passages spread evenly over the corpus and compares each with its stored vector; returns the lowest cosine. */
async function checkSample(f: FaissVectors, records: readonly TsvRecord[], n: number, opts: ImportFaissOptions): Promise<number> {
  const encoder = await TextEncoder.open(opts.encoderDir);
  try {
    return await sampleCosine(encoder, f, records, n, opts);
  } finally {
    await encoder.close();
  }
}

async function sampleCosine(encoder: TextEncoder, f: FaissVectors, records: readonly TsvRecord[], n: number, opts: ImportFaissOptions): Promise<number> {
  const picks = [...new Set(Array.from({ length: Math.min(n, records.length) }, (_, i) => Math.floor((i * records.length) / Math.min(n, records.length))))].map((i) => records[i]!);
  const d = f.dimension;
  let min = Infinity;
  let worst: TsvRecord | null = null;
  for (let b = 0; b < picks.length; b += 8) {
    const batch = picks.slice(b, b + 8);
    const vecs = await encoder.embed(batch.map((r) => r.text));
    vecs.forEach((v, i) => {
      const stored = f.vectors.subarray((batch[i]!.line - 1) * d, batch[i]!.line * d);
      let dot = 0;
      for (let j = 0; j < d; j++) dot += v[j]! * stored[j]!;
      if (dot < min) [min, worst] = [dot, batch[i]!];
    });
  }
  if (min < MIN_SAMPLE_COSINE) {
    throw new ApiError(
      'bad_request',
      `The vectors in ${opts.index} were not made by the encoder ${opts.encoderDir}: re-embedding line ${worst!.line} (id ${worst!.id}) gives cosine ${min.toFixed(4)} with its stored vector (at least ${MIN_SAMPLE_COSINE} expected). Queries embedded by this encoder would search a space it did not make: give the encoder that built the index (--check 0 skips this check).`,
    );
  }
  return min;
}
