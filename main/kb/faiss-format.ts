import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ApiError } from '../api/errors.js';

/**
 * Reads the stored vectors of a FAISS index file (faiss/impl/index_write.cpp layout, little-endian): a fourcc, the
 * common header (d int32, ntotal int64, two int64 placeholders, is_trained byte, metric int32, metric_arg float32 when
 * the metric is neither IP nor L2), then the index's own data. Only indexes that keep every vector exactly are read:
 * flat IP/L2 and HNSW over flat storage; the HNSW graph is skipped (our knowledge base builds its own).
 */
export type FaissMetric = 'ip' | 'l2';

export interface FaissVectors {
  /** fourcc and class of the outer index, e.g. "IHNf" IndexHNSWFlat. */
  readonly type: { readonly fourcc: string; readonly name: string };
  readonly metric: FaissMetric;
  readonly dimension: number;
  readonly count: number;
  /** count × dimension float32 values, row i = FAISS id i, exactly as stored. */
  readonly vectors: Float32Array;
}

/** Known FAISS fourccs, so a refusal names the index type the user has. */
const NAMES: Record<string, string> = {
  IxFI: 'IndexFlatIP',
  IxF2: 'IndexFlatL2',
  IxFl: 'IndexFlat (other metric)',
  IHNf: 'IndexHNSWFlat',
  IHNp: 'IndexHNSWPQ',
  IHNs: 'IndexHNSWSQ',
  IHN2: 'IndexHNSW2Level',
  IHc2: 'IndexHNSWCagra',
  INSf: 'IndexNSGFlat',
  INSp: 'IndexNSGPQ',
  INSs: 'IndexNSGSQ',
  IwFl: 'IndexIVFFlat',
  IvFl: 'IndexIVFFlat (old format)',
  IwFd: 'IndexIVFFlatDedup',
  IwPQ: 'IndexIVFPQ',
  IvPQ: 'IndexIVFPQ (old format)',
  IwQR: 'IndexIVFPQR',
  IwSq: 'IndexIVFScalarQuantizer',
  IwSQ: 'IndexIVFScalarQuantizer',
  IvSQ: 'IndexIVFScalarQuantizer (old format)',
  IwSh: 'IndexIVFSpectralHash',
  IwPf: 'IndexIVFPQFastScan',
  IwRQ: 'IndexIVFResidualQuantizer',
  IwLS: 'IndexIVFLocalSearchQuantizer',
  IwIQ: 'IndexIVFIndependentQuantizer',
  IxPQ: 'IndexPQ',
  IxPo: 'IndexPQ (old format)',
  IPfs: 'IndexPQFastScan',
  IxSQ: 'IndexScalarQuantizer',
  IxLS: 'IndexLocalSearchQuantizer',
  IxRQ: 'IndexResidualQuantizer',
  IxHE: 'IndexLSH',
  IxMp: 'IndexIDMap',
  IxM2: 'IndexIDMap2',
  IxPT: 'IndexPreTransform',
  IxRF: 'IndexRefine',
  IxRC: 'IndexRefineFlat',
  IxLa: 'IndexLattice',
  Imiq: 'MultiIndexQuantizer',
  IBxF: 'IndexBinaryFlat',
  IBwF: 'IndexBinaryIVF',
  IBHf: 'IndexBinaryHNSW',
};

export function faissTypeName(fourcc: string): string {
  return NAMES[fourcc] ?? 'unknown index type';
}

const bad = (path: string, why: string) => new ApiError('bad_request', `${path} is not a readable FAISS index: ${why}.`);

/** Sequential reads over a file descriptor with the file's length known, so every size is checked before use. */
class Cursor {
  pos = 0;
  constructor(
    private readonly fd: number,
    readonly length: number,
    private readonly path: string,
  ) {}

  bytes(n: number): Buffer {
    this.need(n);
    const buf = Buffer.alloc(n);
    let got = 0;
    while (got < n) got += readSync(this.fd, buf, got, n - got, this.pos + got);
    this.pos += n;
    return buf;
  }
  need(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0 || this.pos + n > this.length) throw bad(this.path, `it is truncated at byte ${this.pos} (needs ${n} more)`);
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
  fourcc(): string {
    return this.bytes(4).toString('latin1');
  }
  i32(): number {
    return this.bytes(4).readInt32LE(0);
  }
  i64(): number {
    const v = this.bytes(8).readBigInt64LE(0);
    if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(this.path, `a size field holds ${v}`);
    return Number(v);
  }
  /** A std::vector as FAISS writes it: uint64 element count, then the elements; returns the count. */
  skipVector(elementBytes: number): number {
    const n = this.i64();
    this.skip(n * elementBytes);
    return n;
  }
  /** `count` float32 values into a fresh, aligned array. */
  floats(count: number): Float32Array {
    this.need(count * 4);
    const out = new Float32Array(count);
    const view = new Uint8Array(out.buffer);
    let got = 0;
    while (got < view.length) got += readSync(this.fd, view, got, Math.min(view.length - got, 1 << 30), this.pos + got);
    this.pos += view.length;
    return out;
  }
}

interface Header {
  readonly fourcc: string;
  readonly d: number;
  readonly ntotal: number;
  readonly metric: FaissMetric;
}

function readHeader(c: Cursor, path: string, allowed: readonly string[]): Header {
  const at = c.pos;
  if (c.length - at < 4) throw bad(path, `it is ${c.length} bytes long, shorter than a FAISS header`);
  const fourcc = c.fourcc();
  if (!allowed.includes(fourcc)) {
    const known = fourcc in NAMES;
    if (!known && !/^[\x20-\x7e]{4}$/.test(fourcc)) throw bad(path, `it does not start with a FAISS type code (first bytes ${Buffer.from(fourcc, 'latin1').toString('hex')})`);
    throw new ApiError(
      'bad_request',
      `${path} is a FAISS ${fourcc} (${faissTypeName(fourcc)}) index${at > 0 ? ` inside the outer index` : ''}: only IndexFlatIP, IndexFlatL2 and IndexHNSWFlat keep every vector exactly and can be imported. Re-export the vectors into an IndexFlatIP (faiss.IndexFlatIP(d).add(index.reconstruct_n(0, index.ntotal))) or build the knowledge base from the passages with "medrwr kb build".`,
    );
  }
  const d = c.i32();
  const ntotal = c.i64();
  c.skip(16); // two placeholders (1 << 20), written for compatibility
  c.skip(1); // is_trained
  const metricType = c.i32();
  if (metricType > 1) c.skip(4);
  if (metricType !== 0 && metricType !== 1) throw bad(path, `its metric type ${metricType} is neither inner product (0) nor L2 (1)`);
  if (d < 1 || d > 65536) throw bad(path, `its dimension ${d} is out of range`);
  return { fourcc, d, ntotal, metric: metricType === 0 ? 'ip' : 'l2' };
}

/** The flat storage's codes: uint64 count of floats (ntotal × d), then the floats. */
function readFlatCodes(c: Cursor, path: string, h: Header): Float32Array {
  const n = c.i64();
  if (n !== h.ntotal * h.d) throw bad(path, `its flat storage holds ${n} values, expected ${h.ntotal} vectors × ${h.d} = ${h.ntotal * h.d}`);
  return c.floats(n);
}

/** Reads a flat or HNSW-flat FAISS file; any other type is refused with its fourcc and class name. */
export function readFaissVectors(path: string): FaissVectors {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new ApiError('bad_request', `Cannot read the FAISS index ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
  try {
    const c = new Cursor(fd, fstatSync(fd).size, path);
    const outer = readHeader(c, path, ['IxFI', 'IxF2', 'IHNf']);
    let vectors: Float32Array;
    if (outer.fourcc === 'IHNf') {
      // HNSW graph: assign_probas (f64), cum_nneighbor_per_level (i32), levels (i32), offsets (u64), neighbors (i32),
      // then entry_point, max_level, efConstruction, efSearch, upper_beam (i32 each); then the storage index.
      c.skipVector(8);
      c.skipVector(4);
      const levels = c.skipVector(4);
      if (levels !== outer.ntotal) throw bad(path, `its HNSW graph has ${levels} nodes for ${outer.ntotal} vectors`);
      c.skipVector(8);
      c.skipVector(4);
      c.skip(5 * 4);
      const inner = readHeader(c, path, ['IxFI', 'IxF2']);
      if (inner.d !== outer.d || inner.ntotal !== outer.ntotal || inner.metric !== outer.metric) {
        throw bad(path, `its storage (${inner.ntotal} × ${inner.d}, ${inner.metric}) disagrees with the HNSW header (${outer.ntotal} × ${outer.d}, ${outer.metric})`);
      }
      vectors = readFlatCodes(c, path, inner);
    } else vectors = readFlatCodes(c, path, outer);
    if (c.pos !== c.length) throw bad(path, `${c.length - c.pos} bytes follow the index`);
    return { type: { fourcc: outer.fourcc, name: faissTypeName(outer.fourcc) }, metric: outer.metric, dimension: outer.d, count: outer.ntotal, vectors };
  } finally {
    closeSync(fd);
  }
}
