// npm start: the Electron app where its runtime is installed; otherwise says why and serves web mode.
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { runSteps } from './run-steps.mjs';

runSteps([['build', 'npm run --silent build']]);

const electronDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
const pathFile = join(electronDir, 'path.txt');
const binary = existsSync(pathFile) ? join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim()) : undefined;
const args = process.argv.slice(2);

if (binary && existsSync(binary) && !process.env.MEDRWR_WEB) {
  const child = spawn(binary, ['.', ...args], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  process.stdout.write(
    'Electron runtime unavailable (its binary is downloaded on first launch and this machine is offline); starting web mode instead.\n',
  );
  const child = spawn(process.execPath, ['bin/medrwr.js', 'serve', ...args], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
}
