/**
 * Exact inner-product search over all vectors, as FAISS's IndexFlatIP does: the dense index of knowledge bases imported
 * from a flat FAISS index (Med-RwR's reference searches its corpus exhaustively). No graph to build, so importing is
 * fast, and results are the exact top-k; a query costs n × d multiply-adds (58k × 1024 ≈ tens of ms).
 */
export interface DenseIndex {
  getCurrentCount(): number;
  /** hnswlib's shape: labels and distances (1 − inner product), nearest first. */
  searchKnn(query: number[], k: number, filter?: (label: number) => boolean): { neighbors: number[]; distances: number[] };
}

export class FlatIndex implements DenseIndex {
  private readonly count: number;

  constructor(
    private readonly vectors: Float32Array,
    private readonly dim: number,
  ) {
    this.count = vectors.length / dim;
  }

  getCurrentCount(): number {
    return this.count;
  }

  searchKnn(query: number[], k: number, filter?: (label: number) => boolean): { neighbors: number[]; distances: number[] } {
    const q = Float32Array.from(query);
    const d = this.dim;
    const v = this.vectors;
    // the k best so far, ascending by score, so the worst is at 0 and a better one is inserted in place
    const labels: number[] = [];
    const scores: number[] = [];
    for (let i = 0; i < this.count; i++) {
      if (filter && !filter(i)) continue;
      const s = dot(q, v, i * d, d);
      if (labels.length === k && s <= scores[0]!) continue;
      let at = 0;
      while (at < scores.length && scores[at]! < s) at++;
      labels.splice(at, 0, i);
      scores.splice(at, 0, s);
      if (labels.length > k) {
        labels.shift();
        scores.shift();
      }
    }
    labels.reverse();
    scores.reverse();
    return { neighbors: labels, distances: scores.map((s) => 1 - s) };
  }
}

/** Inner product of q with v[o … o + d); four running sums let the CPU overlap the multiply-adds. */
function dot(q: Float32Array, v: Float32Array, o: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 4 <= d; j += 4, o += 4) {
    s0 += q[j]! * v[o]!;
    s1 += q[j + 1]! * v[o + 1]!;
    s2 += q[j + 2]! * v[o + 2]!;
    s3 += q[j + 3]! * v[o + 3]!;
  }
  for (; j < d; j++, o++) s0 += q[j]! * v[o]!;
  return s0 + s1 + s2 + s3;
}
