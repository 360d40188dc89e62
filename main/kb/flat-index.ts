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
      let s = 0;
      for (let j = 0, o = i * d; j < d; j++, o++) s += q[j]! * v[o]!;
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
