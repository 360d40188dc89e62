/**
 * Splits a document into passages of at least `minWords` words (Med-RwR chunks "into pieces of at least 100 words"),
 * cutting at sentence ends; a short tail joins the previous passage rather than standing alone.
 */
export function chunkText(text: string, minWords: number): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length <= minWords) return words.length ? [words.join(' ')] : [];
  const sentences = text.split(/(?<=[.!?])\s+/).map((s) => s.split(/\s+/).filter(Boolean)).filter((s) => s.length > 0);
  const chunks: string[][] = [];
  let cur: string[] = [];
  for (const s of sentences) {
    cur.push(...s);
    if (cur.length >= minWords) {
      chunks.push(cur);
      cur = [];
    }
  }
  if (cur.length > 0) {
    if (chunks.length > 0 && cur.length < minWords / 2) chunks[chunks.length - 1]!.push(...cur);
    else chunks.push(cur);
  }
  return chunks.map((c) => c.join(' '));
}
