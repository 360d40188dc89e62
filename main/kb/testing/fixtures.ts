import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Fixtures shared by the knowledge-base tests and benchmark. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const TEXT_ENCODER = join(ROOT, 'models/encoders/wordnet-med');
export const IMAGE_ENCODER = join(ROOT, 'models/encoders/thumbnail-image');
export const WORDNET_JSONL = join(ROOT, 'kb/wordnet/medical.jsonl');
export const WORDNET_HELDOUT = join(ROOT, 'kb/wordnet/heldout-queries.jsonl');

export function tempDir(prefix = 'medrwr-kb-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}
