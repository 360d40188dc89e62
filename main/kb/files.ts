import { closeSync, fsyncSync, openSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { sha256File } from '../common/sha256.js';

export function fileDigest(path: string): { sha256: string; bytes: number } {
  return { sha256: sha256File(path), bytes: statSync(path).size };
}

/** Writes a file so that a crash leaves either the old content or the new, never half of it. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  const fd = openSync(tmp, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
