import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { PYTHON, ROOT } from './hf-fixture.js';

/** Runs a Python unittest module of the project (Debian's python3) and expects it to pass with every named test run. */
export function expectPythonTestsPass(module: string, expected: readonly string[], timeoutMs: number): void {
  const r = spawnSync(PYTHON, ['-m', 'unittest', '-v', module], {
    cwd: ROOT,
    env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  const log = `${r.stdout}${r.stderr}`;
  expect(r.status, log).toBe(0);
  for (const name of expected) expect(log, `${name} did not run`).toMatch(new RegExp(`^${name} \\(.*\\) \\.\\.\\. ok$`, 'm'));
}
