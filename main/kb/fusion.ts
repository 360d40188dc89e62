/** Reciprocal rank fusion: each list adds weight / (k + rank) for the items it ranks (ranks from 1). */
export function reciprocalRankFusion(lists: readonly (readonly number[])[], k: number, weights: readonly number[] = lists.map(() => 1)): Map<number, number> {
  const fused = new Map<number, number>();
  lists.forEach((list, l) => list.forEach((item, i) => fused.set(item, (fused.get(item) ?? 0) + (weights[l] ?? 1) / (k + i + 1))));
  return fused;
}
