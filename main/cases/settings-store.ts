import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ApiError } from '../api/errors.js';
import { Settings, SettingsPatch } from '../api/settings.js';
import type { PathsPort } from './ports.js';

export const SETTINGS_FILE = 'settings.json';

/** First launch runs on the bundled demo: the demo model and the demo knowledge base, on the CPU. */
export const DEFAULT_SETTINGS: Settings = {
  modelDir: 'models/medrwr-tiny',
  kb: { kind: 'local', dir: 'kb/demo/index' },
  executionProvider: 'auto',
  modelDtype: 'auto',
  cdirThreshold: 0.8,
  rounds: 3,
  k: 3,
  maxImagePixels: 448 * 448,
};

/** Settings live in `<dataDir>/settings.json`, readable and editable by hand; a damaged file is named, not ignored. */
export function readSettings(dataDir: string): Settings {
  const path = join(dataDir, SETTINGS_FILE);
  if (!existsSync(path)) return DEFAULT_SETTINGS;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ApiError('unavailable', `The settings file ${path} is not valid JSON (${(err as Error).message}). Fix it or delete it to return to the defaults.`);
  }
  const parsed = Settings.safeParse({ ...DEFAULT_SETTINGS, ...(raw as object) });
  if (!parsed.success) throw new ApiError('unavailable', `The settings file ${path} holds invalid values: ${reasons(parsed.error.issues)}. Fix it or delete it to return to the defaults.`);
  return parsed.data;
}

/** Checks the patch against the whole schema and writes atomically; nothing is saved when any value is refused. */
export function writeSettings(dataDir: string, patch: unknown): Settings {
  return checkedMerge(readSettings(dataDir), patch, (next) => {
    const path = join(dataDir, SETTINGS_FILE);
    writeFileSync(path + '.tmp', JSON.stringify(next, null, 2) + '\n');
    renameSync(path + '.tmp', path);
  });
}

/** The settings of one run: the saved ones with this run's overrides, checked the same way. */
export function withOverrides(base: Settings, patch: unknown): Settings {
  return checkedMerge(base, patch ?? {}, () => undefined);
}

function checkedMerge(base: Settings, patch: unknown, save: (s: Settings) => void): Settings {
  const p = SettingsPatch.safeParse(patch);
  if (!p.success) throw new ApiError('bad_request', `Settings refused: ${reasons(p.error.issues)}.`, p.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  const next = Settings.parse({ ...base, ...p.data });
  save(next);
  return next;
}

/** A model or KB folder as given in settings: relative paths are taken from the app's install folder. */
export function resolveSettingPath(paths: PathsPort, p: string): string {
  return isAbsolute(p) ? p : join(paths.installDir, p);
}

function reasons(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || 'settings'}: ${i.message}`).join('; ');
}
