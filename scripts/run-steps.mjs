// Runs shell steps in order, each with a header, stopping at the first failure with its exit code.
import { spawnSync } from 'node:child_process';

export function runSteps(steps) {
  for (const [label, command] of steps) {
    process.stdout.write(`\n== ${label}: ${command}\n`);
    const started = Date.now();
    const result = spawnSync(command, { stdio: 'inherit', shell: true });
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (result.status !== 0) {
      process.stderr.write(`\n== ${label} FAILED (exit ${result.status ?? result.signal}) after ${secs}s\n`);
      process.exit(result.status ?? 1);
    }
    process.stdout.write(`== ${label} ok (${secs}s)\n`);
  }
}
