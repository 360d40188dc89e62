import { basename } from 'node:path';
import type { SourceProblem } from './ingest.js';
import type { KbManifest } from './kb-manifest.js';

/** How skipped source lines are told (stderr, errors) and kept (the manifest), the same for build and import. */
export const describeProblem = (p: SourceProblem) => `${p.path}:${p.line}: ${p.reason}`;

export function reportSkipped(problems: readonly SourceProblem[], say: (line: string) => void): void {
  for (const p of problems) say(`Skipped ${describeProblem(p)}.`);
}

/** The manifest keeps the first 1,000 in full and the total, so a KB says what it lacks without growing unbounded. */
export function skippedRecord(problems: readonly SourceProblem[]): NonNullable<KbManifest['skipped']> {
  return { count: problems.length, lines: problems.slice(0, 1000).map((p) => ({ source: basename(p.path), line: p.line, reason: p.reason })) };
}
