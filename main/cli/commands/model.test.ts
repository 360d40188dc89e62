import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { bitRot } from '../../engine/testing/bit-rot.js';
import { projectRoot } from '../../app/paths.js';

const TINY = join(projectRoot(), 'models/medrwr-tiny');
const work = mkdtempSync(join(tmpdir(), 'medrwr-model-verify-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const medrwr = (...args: string[]) => spawnSync(process.execPath, [join(projectRoot(), 'bin/medrwr.js'), ...args], { encoding: 'utf8' });

it('medrwr model verify passes the demo model and names a bit-rotted file (size and mtime kept) or a path leaving the package', () => {
  const good = medrwr('model', 'verify', TINY);
  expect(good.status, good.stderr).toBe(0);
  expect(good.stdout).toMatch(/^OK: medrwr-tiny \S+: 4 files \([\d.]+ MB\) match the sha256s/);

  const dir = join(work, 'rot');
  cpSync(TINY, dir, { recursive: true });
  bitRot(join(dir, 'onnx', 'decoder_model_merged.onnx'));
  const rot = medrwr('model', 'verify', dir);
  expect(rot.status).toBe(1);
  expect(rot.stdout).toMatch(/^NOT OK: model file onnx\/decoder_model_merged\.onnx failed its integrity check/);

  const escape = join(work, 'escape');
  cpSync(TINY, escape, { recursive: true });
  const m = JSON.parse(readFileSync(join(escape, 'manifest.json'), 'utf8')) as { files: { tokenizer: { path: string } } };
  m.files.tokenizer.path = '../../../../dev/zero';
  writeFileSync(join(escape, 'manifest.json'), JSON.stringify(m));
  const refused = medrwr('model', 'verify', escape);
  expect(refused.status).toBe(1);
  expect(refused.stdout).toMatch(/^NOT OK: manifest file path "\.\.\/\.\.\/\.\.\/\.\.\/dev\/zero" points outside the package/);

  expect(medrwr('model', 'check', TINY).status).toBe(2);
});
