import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { bitRot } from '../../engine/testing/bit-rot.js';
import { projectRoot } from '../../app/paths.js';
import { hasPythonModule } from '../python.js';

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

const FIXTURE = join(projectRoot(), 'models/fixtures/tiny-random');

it('medrwr model quantize adds q4 to a copy, info lists each variant with its size and what auto runs, verify hashes every file', () => {
  const dir = join(work, 'quant');
  cpSync(FIXTURE, dir, { recursive: true });
  const q = spawnSync(process.execPath, [join(projectRoot(), 'bin/medrwr.js'), 'model', 'quantize', dir, '--dtype', 'q4'], { encoding: 'utf8', env: { ...process.env, MEDRWR_PYTHON: '/usr/bin/python3' } });
  expect(q.status, q.stdout + q.stderr).toBe(0);
  expect(q.stdout).toMatch(/^q4: [\d.]+ MB \(0\.\d\d× fp32\)$/m);
  expect(q.stdout).toMatch(/OK: medrwr-tiny-random now has fp32, q4; auto runs q4 on the CPU, q4 on a GPU provider\./);

  const info = medrwr('model', 'info', dir);
  expect(info.status).toBe(0);
  expect(info.stdout).toMatch(/^ {4}fp32 +[\d.]+ MB$/m);
  expect(info.stdout).toMatch(/^ {4}q4 +[\d.]+ MB, 0\.\d\d× fp32 \(activations fp32, weights MatMulNBits 4-bit, block_size 32/m);
  expect(info.stdout).toMatch(/licence +MIT/);
  expect(info.stdout).toMatch(/protocol +3 rounds, k 3, CDIR below 0\.8/);
  const json = JSON.parse(medrwr('model', 'info', dir, '--json').stdout) as { variants: { dtype: string; bytes: number }[]; auto: { cpu: string } };
  expect(json.variants.map((v) => v.dtype)).toEqual(['fp32', 'q4']);
  expect(json.auto.cpu).toBe('q4');

  expect(medrwr('model', 'verify', dir).stdout).toMatch(/^OK: medrwr-tiny-random \S+: 7 files/);
  bitRot(join(dir, 'onnx', 'decoder_model_merged_q4.onnx'));
  expect(medrwr('model', 'verify', dir).stdout).toMatch(/^NOT OK: model file onnx\/decoder_model_merged_q4\.onnx failed its integrity check/);
});

it('medrwr model quantize refuses bad options and names what Python lacks (a python3 on the PATH without numpy and onnx)', () => {
  expect(medrwr('model', 'quantize', FIXTURE, '--dtype', 'q3').status).toBe(2);
  expect(medrwr('model', 'quantize', FIXTURE, '--dtype', 'q4', '--block-size', '24').stderr).toMatch(/--block-size must be a power of 2/);
  expect(medrwr('model', 'quantize', join(work, 'none'), '--dtype', 'q4').stdout).toMatch(/^NOT OK: no model package at .*manifest\.json is missing/);

  const bin = join(work, 'bin');
  mkdirSync(bin);
  // -S: no site-packages, so this python3 has neither numpy nor onnx
  writeFileSync(join(bin, 'python3'), '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n', { mode: 0o755 });
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, MEDRWR_PYTHON: '' };
  const bare = spawnSync(process.execPath, [join(projectRoot(), 'bin/medrwr.js'), 'model', 'quantize', FIXTURE, '--dtype', 'q4'], { encoding: 'utf8', env });
  expect(bare.status).toBe(1);
  expect(bare.stdout).toMatch(/python3 lacks the Python modules numpy, onnx\. Install python3-numpy \(Debian\/Ubuntu: apt install python3-numpy; elsewhere: pip install numpy\); python3-onnx/);

  const none = spawnSync(process.execPath, [join(projectRoot(), 'bin/medrwr.js'), 'model', 'quantize', FIXTURE, '--dtype', 'q4'], { encoding: 'utf8', env: { ...process.env, MEDRWR_PYTHON: join(work, 'no-python') } });
  expect(none.stdout).toMatch(/^NOT OK: Python 3 is needed and ".*no-python" cannot be run \(ENOENT\)\. Install Python 3/);
});

it('medrwr model convert refuses a missing folder, and says so when the converter is not in this install', () => {
  expect(medrwr('model', 'convert', join(work, 'no-such-hf'), '--out', join(work, 'out')).stdout).toMatch(/^NOT OK: .*no-such-hf is not a folder/);
  expect(medrwr('model', 'convert', work).status).toBe(2); // --out is required
  // The converter needs torch and onnx: Debian's python3 (the one these models are built with), not whatever is first on the PATH.
  const debianPython = { ...process.env, MEDRWR_PYTHON: process.env.MEDRWR_PYTHON ?? '/usr/bin/python3' };
  const r = spawnSync(process.execPath, [join(projectRoot(), 'bin/medrwr.js'), 'model', 'convert', FIXTURE, '--out', join(work, 'converted')], { encoding: 'utf8', env: debianPython });
  expect(r.status).toBe(1);
  if (hasPythonModule('models.convert.qwen25vl')) expect(r.stdout).toMatch(/^NOT OK: converting .* failed/m); // not a Hugging Face folder
  else expect(r.stdout).toMatch(/^NOT OK: the Qwen2\.5-VL converter \(Python module models\.convert\.qwen25vl\) is not in this install, so nothing was converted/);
  expect(existsSync(join(work, 'converted', 'manifest.json'))).toBe(false);
});
