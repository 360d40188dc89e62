import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';

/**
 * Flips one bit in the middle of a file and puts back its size and its mtime to the nanosecond (as bit rot leaves a
 * file: nothing a size + mtime check could notice). `touch -r` copies the timestamps of a `cp -p` copy exactly.
 */
export function bitRot(file: string): void {
  const ref = `${file}.timestamps`;
  execFileSync('cp', ['-p', file, ref]);
  const before = statSync(file, { bigint: true });
  const bytes = readFileSync(file);
  const at = bytes.length >> 1;
  bytes[at] = bytes[at]! ^ 0x40;
  writeFileSync(file, bytes);
  execFileSync('touch', ['-r', ref, file]);
  rmSync(ref);
  const after = statSync(file, { bigint: true });
  if (after.size !== before.size || after.mtimeNs !== before.mtimeNs) throw new Error(`could not restore the size and mtime of ${file}`);
}
