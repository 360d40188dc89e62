import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ApiError } from '../api/errors.js';
import { FlatIndex, type DenseIndex } from './flat-index.js';
import { hnswFileProblem, loadHnsw } from './hnsw.js';
import { openImageLibrary } from './image-library.js';
import { checkEmbedder, rebuild, verifyFiles } from './integrity.js';
import { FILES, readKbManifest, type KbManifest } from './kb-manifest.js';
import { DEFAULT_FUSION, LocalTextRetriever, type FusionParams, type SearchMode, type SearchOptions } from './local-retriever.js';
import type { ImageRetriever, Passage } from './retriever.js';
import { TextEncoder } from './text-encoder.js';

export interface OpenOptions {
  /** Use this text encoder instead of the copy inside the knowledge base (it must be the one the KB was built with). */
  readonly encoderDir?: string;
  readonly mode?: SearchMode;
  readonly fusion?: Partial<FusionParams>;
}

export interface KnowledgeBase {
  readonly dir: string;
  readonly manifest: KbManifest;
  readonly retriever: LocalTextRetriever;
  readonly images: ImageRetriever | null;
  search(query: string, opts?: SearchOptions): Promise<Passage[]>;
  close(): Promise<void>;
}

/** Opens a knowledge base after checking it end to end; a KB that cannot be trusted is refused, never searched. */
export async function openKnowledgeBase(dir: string, opts: OpenOptions = {}): Promise<KnowledgeBase> {
  const manifest = readKbManifest(dir);
  await verifyFiles(dir, manifest);
  const encoderDir = opts.encoderDir ?? join(dir, manifest.embedder.path);
  await checkEmbedder(dir, encoderDir, manifest.embedder, manifest.dimension, 'text');
  const encoder = await TextEncoder.open(encoderDir);
  let db: Database.Database | null = null;
  try {
    db = new Database(join(dir, FILES.passages), { readonly: true, fileMustExist: true });
    const count = (db.prepare('SELECT count(*) AS n FROM passages').get() as { n: number }).n;
    if (count !== manifest.counts.passages) throw new ApiError('unavailable', `Knowledge base ${dir} holds ${count} passages but its manifest says ${manifest.counts.passages}: ${rebuild(dir)}.`);
    const index = manifest.index === 'flat' ? openFlat(dir, manifest, count) : openHnsw(dir, manifest, count);
    const retriever = new LocalTextRetriever(db, index, encoder, manifest, opts.mode, { ...DEFAULT_FUSION, ...opts.fusion });
    const images = manifest.images ? await openImageLibrary(dir, manifest) : null;
    const database = db;
    return {
      dir,
      manifest,
      retriever,
      images,
      search: (query, o) => retriever.searchWith(query, o),
      async close() {
        database.close();
        await encoder.close();
        await images?.close();
      },
    };
  } catch (err) {
    db?.close();
    await encoder.close();
    if (err instanceof ApiError) throw err;
    throw new ApiError('unavailable', `Knowledge base ${dir} cannot be opened (${(err as Error).message}): ${rebuild(dir)}.`);
  }
}

function openHnsw(dir: string, manifest: KbManifest, count: number): DenseIndex {
  const problem = hnswFileProblem(join(dir, FILES.index), manifest.dimension, count);
  if (problem) throw new ApiError('unavailable', `The HNSW index of knowledge base ${dir} does not match its manifest (${problem}): ${rebuild(dir)}.`);
  const index = loadHnsw(join(dir, FILES.index), manifest.dimension, manifest.hnsw.efSearch);
  if (index.getNumDimensions() !== manifest.dimension || index.getCurrentCount() !== count) {
    throw new ApiError('unavailable', `Dimension mismatch in knowledge base ${dir}: the HNSW index holds ${index.getCurrentCount()} vectors of dimension ${index.getNumDimensions()}, the manifest says ${count} of ${manifest.dimension}: ${rebuild(dir)}.`);
  }
  return index;
}

/** Exact search over vectors.f32 (already checked against the manifest's sha256 by verifyFiles). */
function openFlat(dir: string, manifest: KbManifest, count: number): DenseIndex {
  const bytes = readFileSync(join(dir, FILES.vectors));
  if (bytes.length !== count * manifest.dimension * 4) {
    throw new ApiError('unavailable', `Knowledge base ${dir}: vectors.f32 holds ${bytes.length / 4 / manifest.dimension} vectors of dimension ${manifest.dimension}, the passages are ${count}: ${rebuild(dir)}.`);
  }
  return new FlatIndex(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)), manifest.dimension);
}
