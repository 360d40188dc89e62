import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's dicom3tools validator. */
export const DCIODVFY = '/usr/bin/dciodvfy';
// Under CI the validator must be there (dicom3tools): a missing one fails the test instead of skipping it.
export const skipWithoutDciodvfy = !existsSync(DCIODVFY) && process.env.CI !== 'true';

/**
 * dciodvfy's findings on a Part 10 file: the IOD it recognised and its "Error" lines (warnings, e.g. for our private
 * coding scheme, are not errors).
 */
export function dciodvfy(bytes: Uint8Array): { iod: string | null; errors: string[]; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'medrwr-dciodvfy-'));
  try {
    const file = join(dir, 'object.dcm');
    writeFileSync(file, bytes);
    const run = spawnSync(DCIODVFY, [file], { encoding: 'utf8' }); // it reports on stderr
    if (run.error) throw run.error;
    const output = `${run.stdout}${run.stderr}`;
    return { iod: /^([A-Za-z]+)$/m.exec(output)?.[1] ?? null, errors: output.split('\n').filter((l) => l.startsWith('Error')), output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
