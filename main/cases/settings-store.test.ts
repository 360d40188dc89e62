import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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

  describe('a model or knowledge-base folder is checked on save', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'medrwr-settings-folders-'));
    const { paths } = testContext().services;
    const modelDir = resolveSettingPath(paths, DEFAULT_SETTINGS.modelDir);
    const kbDir = resolveSettingPath(paths, (DEFAULT_SETTINGS.kb as { dir: string }).dir);
    // a model package whose manifest is there but whose ONNX files are not
    const hollowModel = join(scratch, 'hollow-model');
    mkdirSync(hollowModel);
    copyFileSync(join(modelDir, 'manifest.json'), join(hollowModel, 'manifest.json'));
    const hollowKb = join(scratch, 'hollow-kb');
    mkdirSync(hollowKb);
    copyFileSync(join(kbDir, 'manifest.json'), join(hollowKb, 'manifest.json'));
    const emptyDir = join(scratch, 'empty');
    mkdirSync(emptyDir);
    const aFile = join(scratch, 'notes.txt');
    writeFileSync(aFile, 'hello');
    const fifoDir = join(scratch, 'fifo');
    mkdirSync(fifoDir);
    execFileSync('mkfifo', [join(fifoDir, 'manifest.json')]); // reading it would block the save forever

    it.each([
      [{ modelDir: join(scratch, 'nowhere') }, `The model folder ${join(scratch, 'nowhere')} does not exist.`],
      [{ modelDir: aFile }, `${aFile} is a file, not a model folder.`],
      [{ modelDir: emptyDir }, `${emptyDir} is not a model folder: it has no readable manifest.json.`],
      [{ modelDir: kbDir }, `${kbDir} holds a knowledge base, not a model folder.`],
      [{ modelDir: fifoDir }, `${fifoDir} is not a model folder: it has no readable manifest.json.`],
      [{ modelDir: hollowModel }, `model file onnx/vision_encoder.onnx is missing from ${hollowModel}`],
      [{ kb: { kind: 'local', dir: join(scratch, 'nowhere') } }, `The knowledge-base folder ${join(scratch, 'nowhere')} does not exist.`],
      [{ kb: { kind: 'local', dir: modelDir } }, `${modelDir} holds a model package, not a knowledge-base folder.`],
      [{ kb: { kind: 'local', dir: hollowKb } }, `The knowledge base in ${hollowKb} is incomplete: `],
    ])('refuse %j in plain words and save nothing', async (patch, reason) => {
      const ctx = testContext();
      const err = await dispatch(ctx, 'settings.set', { ...patch, rounds: 2 }).catch((e: unknown) => e as { code: string; message: string; details: unknown });
      expect(err).toMatchObject({ code: 'bad_request', message: expect.stringContaining(reason) });
      expect((err as { message: string }).message).toMatch(/^Settings not saved\. /);
      expect(err).toMatchObject({ details: [{ path: 'modelDir' in patch ? 'modelDir' : 'kb.dir', message: expect.stringContaining(reason) }] });
      expect(readSettings(ctx.dataDir)).toEqual(DEFAULT_SETTINGS);
    });

    it('accept the bundled model and knowledge base, by relative or absolute path', async () => {
      const ctx = testContext();
      await dispatch(ctx, 'settings.set', { modelDir, kb: { kind: 'local', dir: kbDir } });
      expect(readSettings(ctx.dataDir)).toMatchObject({ modelDir, kb: { kind: 'local', dir: kbDir } });
      await dispatch(ctx, 'settings.set', { modelDir: DEFAULT_SETTINGS.modelDir, kb: DEFAULT_SETTINGS.kb });
      expect(readSettings(ctx.dataDir)).toEqual(DEFAULT_SETTINGS);
    });

    it('leave a folder that was not changed alone, even when sent again (other settings still save)', async () => {
      const ctx = testContext();
      writeFileSync(join(ctx.dataDir, SETTINGS_FILE), JSON.stringify({ modelDir: join(scratch, 'moved-away') }));
      await dispatch(ctx, 'settings.set', { modelDir: join(scratch, 'moved-away'), kb: DEFAULT_SETTINGS.kb, rounds: 1 });
      expect(readSettings(ctx.dataDir)).toMatchObject({ modelDir: join(scratch, 'moved-away'), rounds: 1 });
    });

    afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  });
});
