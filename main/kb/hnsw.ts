import { readFileSync } from 'node:fs';
import hnswlib from 'hnswlib-node';

const { HierarchicalNSW } = hnswlib;
export type Hnsw = InstanceType<typeof HierarchicalNSW>;

export interface HnswParams {
  readonly m: number;
  readonly efConstruction: number;
  readonly efSearch: number;
  readonly seed: number;
}

export const DEFAULT_HNSW: HnswParams = { m: 16, efConstruction: 200, efSearch: 128, seed: 100 };

/** Builds an inner-product HNSW index over unit vectors (so distance = 1 - cosine); labels are 0..n-1 in order. */
export function buildHnsw(vectors: Float32Array, dim: number, params: HnswParams, onAdded?: (n: number) => void): Hnsw {
  const n = vectors.length / dim;
  const index = new HierarchicalNSW('ip', dim);
  index.initIndex({ maxElements: Math.max(1, n), m: params.m, efConstruction: params.efConstruction, randomSeed: params.seed });
  for (let i = 0; i < n; i++) {
    index.addPoint(Array.from(vectors.subarray(i * dim, (i + 1) * dim)), i);
    if (onAdded && i % 256 === 255) onAdded(i + 1);
  }
  index.setEf(params.efSearch);
  return index;
}

export function loadHnsw(path: string, dim: number, efSearch: number): Hnsw {
  const index = new HierarchicalNSW('ip', dim);
  index.readIndexSync(path);
  index.setEf(efSearch);
  return index;
}

/**
 * Checks an hnswlib index file's structure before hnswlib reads it (its loader and search trust sizes and neighbour
 * ids, and can crash on a damaged file): the header's element count and record size match the expected dimension and
 * count, every neighbour list is within bounds and names existing elements, and the lists account for the file's
 * length exactly. Returns a reason when it does not, else null.
 */
export function hnswFileProblem(path: string, dim: number, count: number): string | null {
  const buf = readFileSync(path);
  const HEADER = 96;
  if (buf.length < HEADER) return `${buf.length} bytes is shorter than an HNSW header`;
  const u64 = (o: number) => Number(buf.readBigUInt64LE(o));
  const current = u64(16);
  const perElement = u64(24);
  const offsetData = u64(40);
  const enterpoint = buf.readUInt32LE(52);
  const maxM = u64(56);
  const maxM0 = u64(64);
  if (current !== count) return `it holds ${current} vectors, expected ${count}`;
  if (offsetData !== maxM0 * 4 + 4 || perElement !== offsetData + dim * 4 + 8) return `its records are not ${dim}-dimensional`;
  if (count > 0 && enterpoint >= count) return 'its entry point is out of range';
  if (buf.length < HEADER + count * perElement) return 'it is truncated';
  const badList = (at: number, max: number) => {
    const n = buf.readUInt16LE(at);
    if (n > max) return true;
    for (let j = 0; j < n; j++) if (buf.readUInt32LE(at + 4 + 4 * j) >= count) return true;
    return false;
  };
  for (let i = 0; i < count; i++) if (badList(HEADER + i * perElement, maxM0)) return `element ${i} has a damaged neighbour list`;
  const upper = maxM * 4 + 4;
  let pos = HEADER + count * perElement;
  for (let i = 0; i < count; i++) {
    if (pos + 4 > buf.length) return 'it is truncated';
    const size = buf.readUInt32LE(pos);
    pos += 4;
    if (size % upper !== 0 || pos + size > buf.length) return pos + size > buf.length ? 'it is truncated' : `element ${i} has a damaged neighbour list`;
    for (let at = pos; at < pos + size; at += upper) if (badList(at, maxM)) return `element ${i} has a damaged neighbour list`;
    pos += size;
  }
  return pos === buf.length ? null : 'it has trailing bytes';
}
