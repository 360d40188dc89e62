import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { ApiError } from '../api/errors.js';
import { decodeImage, encodePng, ImageDecodeError } from '../imaging/decode.js';
import { resizeBicubic } from '../imaging/resize.js';
import type { RgbImage } from '../imaging/rgb.js';
import { fileDigest, writeFileAtomic } from './files.js';
import { buildHnsw, DEFAULT_HNSW, hnswFileProblem, loadHnsw, type Hnsw } from './hnsw.js';
import { ImageEncoder } from './image-encoder.js';
import { checkEmbedder } from './integrity.js';
import { FILES, readKbManifest, type KbManifest } from './kb-manifest.js';
import { progressBar } from './progress.js';
import type { ImageRetriever, SimilarImage } from './retriever.js';

/** Stored image sizes: what CDIR shows the model (longest side) and the evidence card's thumbnail. */
const IMAGE_MAX_SIDE = 512;
const THUMB_MAX_SIDE = 128;

export interface AddImagesOptions {
  readonly kbDir: string;
  /** Image files (PNG/JPEG) or folders of them. */
  readonly images: readonly string[];
  /** JSONL `{image, caption, source?}` or TSV `image<TAB>caption`; `image` is the file name or path relative to its folder. */
  readonly captions: string;
  readonly encoderDir: string;
  readonly stderr?: NodeJS.WriteStream | null;
}

interface Caption {
  readonly caption: string;
  readonly source?: string;
}

const bad = (msg: string) => new ApiError('bad_request', msg);

/**
 * Builds the knowledge base's image library for CDIR (replacing any earlier one): every image is embedded by the image
 * encoder into its own HNSW index; captions, source, a 512-px copy and a thumbnail go to images.sqlite. The data files
 * are written under temporary names and the manifest last, so an interruption leaves the old library intact.
 */
export async function addImages(opts: AddImagesOptions): Promise<KbManifest> {
  const dir = resolve(opts.kbDir);
  const manifest = readKbManifest(dir);
  const stderr = opts.stderr === undefined ? process.stderr : opts.stderr;
  const captions = readCaptions(opts.captions);
  const files = listImages(opts.images);
  const missing = files.filter((f) => !captionFor(captions, f));
  if (missing.length) throw bad(`No caption for ${missing.length} image(s) in ${opts.captions}: ${missing.slice(0, 5).map((f) => f.key).join(', ')}${missing.length > 5 ? ', …' : ''}.`);

  const encoder = await ImageEncoder.open(opts.encoderDir);
  const tmpDb = join(dir, `${FILES.images}.tmp-${process.pid}`);
  const tmpIndex = join(dir, `${FILES.imageIndex}.tmp-${process.pid}`);
  const tmpEncoder = join(dir, `${FILES.imageEncoder}.tmp-${process.pid}`);
  try {
    rmSync(tmpDb, { force: true });
    const db = new Database(tmpDb);
    db.exec('CREATE TABLE images (label INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, file TEXT NOT NULL, caption TEXT NOT NULL, source TEXT, width INTEGER NOT NULL, height INTEGER NOT NULL, png BLOB NOT NULL, thumbnail BLOB NOT NULL)');
    const ins = db.prepare('INSERT INTO images VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const vectors = new Float32Array(files.length * encoder.dimension);
    const bar = stderr ? progressBar('Embedding', files.length, 'images', stderr) : null;
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      let img: RgbImage;
      try {
        img = decodeImage(readFileSync(f.path), f.path);
      } catch (err) {
        db.close();
        throw bad(`${f.path}: ${err instanceof ImageDecodeError ? err.message : `cannot be decoded (${(err as Error).message})`}; only PNG and JPEG images are accepted.`);
      }
      const [vec] = await encoder.embed([img]);
      vectors.set(vec!, i * encoder.dimension);
      const c = captionFor(captions, f)!;
      ins.run(i, f.key, f.key, c.caption, c.source ?? null, img.width, img.height, encodePng(fit(img, IMAGE_MAX_SIDE)), encodePng(fit(img, THUMB_MAX_SIDE)));
      bar?.update(i + 1);
    }
    bar?.finish();
    db.close();
    const hnsw = { ...DEFAULT_HNSW };
    buildHnsw(vectors, encoder.dimension, hnsw).writeIndexSync(tmpIndex);
    rmSync(tmpEncoder, { recursive: true, force: true });
    mkdirSync(tmpEncoder);
    for (const name of ['manifest.json', encoder.manifest.onnx.path]) copyFileSync(join(opts.encoderDir, name), join(tmpEncoder, name));

    rmSync(join(dir, FILES.imageEncoder), { recursive: true, force: true });
    renameSync(tmpEncoder, join(dir, FILES.imageEncoder));
    renameSync(tmpDb, join(dir, FILES.images));
    renameSync(tmpIndex, join(dir, FILES.imageIndex));
    const m = encoder.manifest;
    const next: KbManifest = {
      ...manifest,
      files: { ...manifest.files, [FILES.images]: fileDigest(join(dir, FILES.images)), [FILES.imageIndex]: fileDigest(join(dir, FILES.imageIndex)) },
      images: {
        embedder: { id: m.id, version: m.version, sha256: m.onnx.sha256, dimension: m.dimension, path: FILES.imageEncoder },
        dimension: m.dimension,
        hnsw,
        count: files.length,
        added: new Date().toISOString(),
      },
    };
    writeFileAtomic(join(dir, 'manifest.json'), JSON.stringify(next, null, 2) + '\n');
    stderr?.write(`Image library of ${dir}: ${files.length} images, dimension ${m.dimension}.\n`);
    return next;
  } finally {
    rmSync(tmpDb, { force: true });
    rmSync(tmpIndex, { force: true });
    rmSync(tmpEncoder, { recursive: true, force: true });
    await encoder.close();
  }
}

/** The library of an opened knowledge base; its files were already checked against the manifest. */
export async function openImageLibrary(dir: string, manifest: KbManifest): Promise<LocalImageRetriever> {
  const lib = manifest.images!;
  await checkEmbedder(dir, join(dir, lib.embedder.path), lib.embedder, lib.dimension, 'image');
  const problem = hnswFileProblem(join(dir, FILES.imageIndex), lib.dimension, lib.count);
  if (problem) throw new ApiError('unavailable', `The image index of knowledge base ${dir} does not match its manifest (${problem}); run "medrwr kb add-images" again.`);
  const db = openImageDb(dir, lib.count);
  const encoder = await ImageEncoder.open(join(dir, lib.embedder.path)).catch((err: unknown) => {
    db.close();
    throw err;
  });
  const index = loadHnsw(join(dir, FILES.imageIndex), lib.dimension, lib.hnsw.efSearch);
  if (index.getNumDimensions() !== lib.dimension || index.getCurrentCount() !== lib.count) {
    db.close();
    await encoder.close();
    throw new ApiError('unavailable', `Dimension mismatch in the image library of ${dir}: its index holds ${index.getCurrentCount()} vectors of dimension ${index.getNumDimensions()}, the manifest says ${lib.count} of ${lib.dimension}; run "medrwr kb add-images" again.`);
  }
  return new LocalImageRetriever(db, index, encoder, { id: manifest.id, version: manifest.version });
}

/**
 * images.sqlite opened read-only, after checking it is an SQLite database with the images table and as many rows as the
 * manifest says (SQLite opens any file lazily; without this a file that is not a database passed until the first CDIR).
 */
function openImageDb(dir: string, count: number): Database.Database {
  let db: Database.Database | null = null;
  try {
    db = new Database(join(dir, FILES.images), { readonly: true, fileMustExist: true });
    const n = (db.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n;
    if (n !== count) throw new Error(`it holds ${n} images, the manifest says ${count}`);
    return db;
  } catch (err) {
    db?.close();
    throw new ApiError('unavailable', `The image database ${FILES.images} of knowledge base ${dir} is not usable (${(err as Error).message}); run "medrwr kb add-images" again.`);
  }
}

export class LocalImageRetriever implements ImageRetriever {
  readonly description: ImageRetriever['description'];
  constructor(
    private readonly db: Database.Database,
    private readonly index: Hnsw,
    private readonly encoder: ImageEncoder,
    meta: { id: string; version: string },
  ) {
    this.description = { id: meta.id, version: meta.version };
  }

  async mostSimilar(image: RgbImage, signal?: AbortSignal): Promise<SimilarImage | null> {
    if (signal?.aborted) throw new ApiError('cancelled', 'The image search was cancelled.');
    if (this.index.getCurrentCount() === 0) return null;
    const [vec] = await this.encoder.embed([image]);
    const res = this.index.searchKnn(Array.from(vec!), 1);
    const label = res.neighbors[0];
    if (label === undefined) return null;
    const row = this.db.prepare('SELECT id, caption, source, png, thumbnail FROM images WHERE label = ?').get(label) as { id: string; caption: string; source: string | null; png: Buffer; thumbnail: Buffer };
    return {
      id: row.id,
      caption: row.caption,
      ...(row.source ? { source: row.source } : {}),
      score: 1 - res.distances[0]!,
      image: decodeImage(row.png),
      thumbnailPng: new Uint8Array(row.thumbnail),
    };
  }

  async close(): Promise<void> {
    this.db.close();
    await this.encoder.close();
  }
}

function fit(img: RgbImage, maxSide: number): RgbImage {
  const scale = maxSide / Math.max(img.width, img.height);
  if (scale >= 1) return img;
  return resizeBicubic(img, Math.max(1, Math.round(img.width * scale)), Math.max(1, Math.round(img.height * scale)));
}

interface ImageFile {
  readonly path: string;
  /** File name relative to the folder it was found in (or its base name). */
  readonly key: string;
}

function listImages(paths: readonly string[]): ImageFile[] {
  const out: ImageFile[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw bad(`Image source ${p} does not exist.`);
    if (statSync(p).isDirectory()) {
      const walk = (d: string) => {
        for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
          const full = join(d, e.name);
          if (e.isDirectory()) walk(full);
          else if (/\.(png|jpe?g)$/i.test(e.name)) out.push({ path: full, key: relative(p, full).split('\\').join('/') });
        }
      };
      walk(p);
    } else out.push({ path: p, key: basename(p) });
  }
  if (out.length === 0) throw bad('No PNG or JPEG images found in the given sources.');
  return out;
}

function readCaptions(path: string): Map<string, Caption> {
  if (!existsSync(path)) throw bad(`Captions file ${path} does not exist.`);
  const map = new Map<string, Caption>();
  const jsonl = extname(path).toLowerCase() === '.jsonl';
  readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (!line.trim()) return;
      if (jsonl) {
        let r: Record<string, unknown>;
        try {
          r = JSON.parse(line) as Record<string, unknown>;
        } catch (err) {
          throw bad(`${path}:${i + 1}: not valid JSON (${(err as Error).message}).`);
        }
        if (typeof r.image !== 'string' || typeof r.caption !== 'string' || !r.caption.trim()) throw bad(`${path}:${i + 1}: each line needs string "image" and non-empty "caption".`);
        map.set(r.image, { caption: r.caption, ...(typeof r.source === 'string' ? { source: r.source } : {}) });
      } else {
        const [image, caption, source] = line.split('\t');
        if (!image || !caption?.trim()) throw bad(`${path}:${i + 1}: expected "image<TAB>caption[<TAB>source]".`);
        map.set(image, { caption: caption.trim(), ...(source ? { source } : {}) });
      }
    });
  return map;
}

function captionFor(captions: Map<string, Caption>, f: ImageFile): Caption | undefined {
  return captions.get(f.key) ?? captions.get(basename(f.path));
}
