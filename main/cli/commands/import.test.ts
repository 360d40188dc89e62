import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ImportReport } from '../../api/studies.js';
import { PYDICOM, skipWithoutTestData } from '../../dicom/testing/corpus.js';

const run = promisify(execFile);
const medrwr = (args: string[]) => run(process.execPath, ['bin/medrwr.js', ...args]).catch((err: { code: number; stdout: string; stderr: string }) => err);

describe.skipIf(skipWithoutTestData)('medrwr import', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'medrwr-cli-import-'));
  const files = ['CT_small.dcm', 'MR_truncated.dcm', 'test-SR.dcm'].map((f) => join(PYDICOM, f));

  it('prints a summary and every failure with its reason', async () => {
    const { stdout } = (await medrwr(['import', ...files, '--data-dir', dataDir])) as { stdout: string };
    // The structured report is counted as not an image, and indexed as a document of its study (read with instances.sr).
    expect(stdout).toMatch(/^Examined 3 of 3 file\(s\): 1 imported, 0 already present, 1 not an image, 1 failed\. Not images: 1 structured report\./);
    expect(stdout).toContain(`FAILED  ${files[1]}: truncated or corrupt`);
    expect(stdout).toContain('files are referenced in place, not copied');
  });

  it('--json prints the report object', async () => {
    const { stdout } = (await medrwr(['import', files[0]!, '--json', '--data-dir', dataDir])) as { stdout: string };
    const report = JSON.parse(stdout) as ImportReport;
    expect(report).toMatchObject({ state: 'completed', imported: 0, duplicates: 1, failures: [], cancelled: false });
  });

  it('exits 2 with usage when given no path', async () => {
    const res = (await medrwr(['import', '--data-dir', dataDir])) as { code: number; stderr: string };
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/give at least one file or folder to import/);
  });
});
