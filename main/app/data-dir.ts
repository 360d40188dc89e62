import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';

/** Where cases, imported studies and logs live: `--data-dir`, else MEDRWR_DATA_DIR, else the platform's app-data folder. */
export function resolveDataDir(explicit?: string): string {
  const chosen = explicit ?? process.env.MEDRWR_DATA_DIR ?? defaultDataDir();
  const dir = resolve(chosen);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function defaultDataDir(): string {
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'MedRwR Workstation');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'MedRwR Workstation');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'medrwr-workstation');
}
