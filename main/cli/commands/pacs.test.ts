import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetrieveReport } from '../../api/pacs.js';
import { skipWithoutOrthanc, startOrthanc, type RunningOrthanc } from '../../../test/support/orthanc.js';
import { syntheticStudy } from '../../../test/support/synthetic-dicom.js';

const run = promisify(execFile);
type Ran = { code?: number; stdout: string; stderr: string };
const medrwr = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, ['bin/medrwr.js', 'pacs', ...args], { env: { ...process.env, ...env } }).catch((err: Ran) => err) as Promise<Ran>;

// Each step spawns the CLI (TypeScript through tsx): slow on a loaded machine, hence the generous per-test limit.
describe.skipIf(skipWithoutOrthanc)('medrwr pacs', { timeout: 240_000 }, () => {
  let orthanc: RunningOrthanc;
  const dataDir = mkdtempSync(join(tmpdir(), 'medrwr-cli-pacs-'));
  const study = syntheticStudy({ patientName: 'CLI^PATIENT', patientId: 'PID-CLI', birthDate: '19900303', accessionNumber: 'ACC-CLI', studyDate: '20250102', modality: 'CT', series: 1, instancesPerSeries: 4 });
  const dd = ['--data-dir', dataDir];
  beforeAll(async () => {
    orthanc = await startOrthanc({ auth: { username: 'cli', password: 'pw-from-env' } });
    await orthanc.store(study.files);
  });
  afterAll(async () => {
    await orthanc?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('adds a node with its password from the environment, verifies, queries and retrieves (twice: nothing fetched again)', async () => {
    const added = await medrwr(['add-node', '--name', 'archive', '--url', orthanc.dicomWeb, '--user', 'cli', '--password-env', 'PACS_PW', ...dd], { PACS_PW: 'pw-from-env' });
    expect(added.stdout).toMatch(/^Saved node archive \(pacs-/);
    expect((await medrwr(['nodes', ...dd])).stdout).toMatch(/archive {2}http:\/\/127\.0\.0\.1:\d+\/dicom-web {2}auth=basic/);
    expect((await medrwr(['verify', '--node', 'archive', ...dd])).stdout).toContain('answered QIDO-RS (HTTP 200');
    const q = await medrwr(['query', '--node', 'archive', '--patient-name', 'CLI^*', ...dd]);
    expect(q.stdout).toMatch(/^1 remote study:\n20250102 {2}CLI\^PATIENT/);
    expect(q.stdout).toContain(study.studyUid);
    const r = await medrwr(['retrieve', '--node', 'archive', '--study', study.studyUid, ...dd]);
    expect(r.stdout).toMatch(/^Retrieved: 4 of 4 instance\(s\) local \(4 fetched, [\d.]+ MB; 0 already here\), 4 newly indexed\./);
    const again = JSON.parse((await medrwr(['retrieve', '--node', 'archive', '--study', study.studyUid, '--json', ...dd])).stdout) as RetrieveReport;
    expect(again).toMatchObject({ state: 'completed', fetched: 0, alreadyLocal: 4 });
  });

  it('sends a DICOM file with STOW-RS; refuses a file that is not DICOM', async () => {
    const other = syntheticStudy({ patientName: 'SENT^BY^CLI', patientId: 'PID-SENT', birthDate: '19900303', accessionNumber: 'ACC-SENT', studyDate: '20250103', modality: 'OT', series: 1, instancesPerSeries: 1 });
    const file = join(dataDir, 'one.dcm');
    writeFileSync(file, other.files[0]!);
    expect((await medrwr(['send', '--node', 'archive', file, ...dd])).stdout).toBe('Stored 1 instance(s) on archive.\n');
    expect((await medrwr(['query', '--node', 'archive', '--accession', 'ACC-SENT', ...dd])).stdout).toContain(other.studyUid);
    const notDicom = join(dataDir, 'notes.txt');
    writeFileSync(notDicom, 'hello');
    const res = await medrwr(['send', '--node', 'archive', notDicom, ...dd]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${notDicom} is not a DICOM Part 10 file`);
  });

  it('exits 1 with the specific reason when the archive refuses, 2 on bad usage', async () => {
    await medrwr(['add-node', '--name', 'wrong', '--url', orthanc.dicomWeb, '--user', 'cli', '--password-env', 'PACS_PW', ...dd], { PACS_PW: 'nope' });
    const res = await medrwr(['query', '--node', 'wrong', '--patient-name', '*', ...dd]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/refused our credentials \(HTTP 401\)/);
    const usage = await medrwr(['query', '--node', 'nobody', ...dd]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/no PACS node "nobody"; configured: archive, wrong/);
  });
});
