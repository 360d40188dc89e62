import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatch } from '../app/dispatch.js';
import { DEFAULT_SETTINGS, SETTINGS_FILE, readSettings, resolveSettingPath } from './settings-store.js';
import { testContext } from './testing/fixtures.js';

describe('settings', () => {
  it('start on the bundled demo model and knowledge base, persist a change, and survive a restart', async () => {
    const ctx = testContext();
    expect(await dispatch(ctx, 'settings.get', {})).toEqual(DEFAULT_SETTINGS);
    expect(resolveSettingPath(ctx.services.paths, DEFAULT_SETTINGS.modelDir)).toMatch(/\/models\/medrwr-tiny$/);
    expect(resolveSettingPath({ installDir: '/opt/medrwr' }, 'kb/demo/index')).toBe('/opt/medrwr/kb/demo/index');
    expect(resolveSettingPath({ installDir: '/opt/medrwr' }, '/data/kb')).toBe('/data/kb');
    await dispatch(ctx, 'settings.set', { kb: { kind: 'remote', url: 'http://127.0.0.1:8000' }, executionProvider: 'cpu', rounds: 2 });
    expect(readSettings(ctx.dataDir)).toMatchObject({ kb: { kind: 'remote', url: 'http://127.0.0.1:8000' }, executionProvider: 'cpu', rounds: 2, k: 3 });
  });

  it.each([
    [{ rounds: 0 }, /rounds must be 1 to 3/],
    [{ k: 11 }, /k \(passages per query\) must be 1 to 10/],
    [{ cdirThreshold: -0.1 }, /CDIR threshold is a probability/],
    [{ maxImagePixels: 100 }, /max image pixels must be at least 3136/],
    [{ executionProvider: 'tpu' }, /executionProvider/],
    [{ kb: { kind: 'remote', url: 'ftp://example.org/kb' } }, /http\(s\) URL/],
    [{ kb: { kind: 'local', dir: '' } }, /knowledge-base folder must not be empty/],
    [{ modelDir: 'models/x', colour: 'red' }, /colour/],
  ])('refuse %j with the reason and save nothing', async (patch, reason) => {
    const ctx = testContext();
    await expect(dispatch(ctx, 'settings.set', patch)).rejects.toThrow(reason);
    expect(readSettings(ctx.dataDir)).toEqual(DEFAULT_SETTINGS);
  });

  it('name a damaged settings file instead of silently using defaults', () => {
    const ctx = testContext();
    writeFileSync(join(ctx.dataDir, SETTINGS_FILE), '{"rounds": 9}');
    expect(() => readSettings(ctx.dataDir)).toThrow(/settings\.json holds invalid values: rounds: rounds must be 1 to 3/);
    writeFileSync(join(ctx.dataDir, SETTINGS_FILE), '{rounds');
    expect(() => readSettings(ctx.dataDir)).toThrow(/not valid JSON/);
  });
});
