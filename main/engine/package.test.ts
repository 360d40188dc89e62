import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { floatTensor, toFloat32 } from './dtype.js';
import { verifyPackage } from './integrity.js';
import { loadModelPackage, ModelPackageError } from './manifest.js';
import { providerPlan } from './providers.js';
import { bitRot } from './testing/bit-rot.js';
import { FIXTURE_DIR } from './testing/fixture.js';

const work = mkdtempSync(join(tmpdir(), 'medrwr-pkgtest-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function copyFixture(name: string): string {
  const dir = join(work, name);
  cpSync(FIXTURE_DIR, dir, { recursive: true });
  return dir;
}

describe('model package manifest', () => {
  it('loads the fixture and names the package by the sha256 of its manifest', () => {
    const pkg = loadModelPackage(FIXTURE_DIR);
    expect(pkg.manifest.id).toBe('medrwr-tiny-random');
    expect(pkg.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('says exactly what is wrong with a bad manifest', () => {
    const dir = copyFixture('bad-manifest');
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    m.format = 'medrwr-model/2';
    delete m.protocol.cdir_threshold;
    m.files.tokenizer.path = '../../etc/passwd';
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    expect(() => loadModelPackage(dir)).toThrow(/format: .*medrwr-model\/1.*protocol\.cdir_threshold/s);
    m.format = 'medrwr-model/1';
    m.protocol.cdir_threshold = 0.8;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    expect(() => loadModelPackage(dir)).toThrow(/"\.\.\/\.\.\/etc\/passwd" points outside the package/);
    expect(() => loadModelPackage(join(work, 'nowhere'))).toThrow(/no model package at .*manifest\.json is missing/);
    writeFileSync(join(dir, 'manifest.json'), '{ nope');
    expect(() => loadModelPackage(dir)).toThrow(ModelPackageError);
  });
});

describe('package paths', () => {
  const retarget = (dir: string, path: string) => {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    m.files.embed_tokens.fp32.path = path;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  };

  it('refuses a FIFO, /dev/zero, ../ and links leaving the package by name, without opening them', () => {
    const dir = copyFixture('paths');
    const file = join(dir, 'onnx', 'embed_tokens.onnx');
    const good = readFileSync(file);
    rmSync(file);
    execFileSync('mkfifo', [file]);
    expect(() => loadModelPackage(dir)).toThrow(/model file onnx\/embed_tokens\.onnx is a FIFO \(named pipe\), not a regular file/);
    rmSync(file);
    symlinkSync('/dev/zero', file);
    expect(() => loadModelPackage(dir)).toThrow(/"onnx\/embed_tokens\.onnx" is a link to \/dev\/zero, outside the package/);
    rmSync(file);
    writeFileSync(file, good);
    retarget(dir, '/dev/zero');
    expect(() => loadModelPackage(dir)).toThrow(/"\/dev\/zero" is absolute/);
    retarget(dir, '../../../../dev/zero');
    expect(() => loadModelPackage(dir)).toThrow(/"\.\.\/\.\.\/\.\.\/\.\.\/dev\/zero" points outside the package/);
    retarget(dir, 'onnx');
    expect(() => loadModelPackage(dir)).toThrow(/model file onnx is a folder, not a regular file/);
    symlinkSync('embed_tokens.onnx', join(dir, 'onnx', 'alias.onnx'));
    retarget(dir, 'onnx/alias.onnx');
    expect(loadModelPackage(dir).manifest.files.embed_tokens.fp32!.path).toBe('onnx/alias.onnx'); // a link inside the package is fine
  });

  it('refuses a manifest.json that is a FIFO or far too large instead of reading it', () => {
    const dir = copyFixture('fifo-manifest');
    rmSync(join(dir, 'manifest.json'));
    execFileSync('mkfifo', [join(dir, 'manifest.json')]);
    expect(() => loadModelPackage(dir)).toThrow(/manifest\.json is a FIFO \(named pipe\), not a regular file/);
    rmSync(join(dir, 'manifest.json'));
    writeFileSync(join(dir, 'manifest.json'), '');
    truncateSync(join(dir, 'manifest.json'), 1 << 30); // sparse: never read
    expect(() => loadModelPackage(dir)).toThrow(/manifest\.json is 1073741824 bytes, more than a manifest can be/);
  });
});

describe('sha256 verification', () => {
  it('hashes every file every time: bytes flipped with size and mtime restored are caught, naming the file', async () => {
    const dir = copyFixture('bitrot');
    const pkg = loadModelPackage(dir);
    expect(await verifyPackage(pkg)).toMatchObject({ files: 4 });
    bitRot(join(dir, 'onnx', 'embed_tokens.onnx'));
    await expect(verifyPackage(pkg)).rejects.toThrow(/model file onnx\/embed_tokens\.onnx failed its integrity check.*re-install the model package/);
  });

  it('names a missing file', () => {
    const dir = copyFixture('missing');
    rmSync(join(dir, 'onnx', 'vision_encoder.onnx'));
    expect(() => loadModelPackage(dir)).toThrow(/model file onnx\/vision_encoder\.onnx is missing/);
  });
});

describe('execution providers', () => {
  it('plans the requested provider then CPU; auto picks what this build has here', () => {
    expect(providerPlan('cpu')).toEqual(['cpu']);
    expect(providerPlan('cuda')).toEqual(['cuda', 'cpu']);
    expect(providerPlan('dml')).toEqual(['dml', 'cpu']);
    expect(providerPlan('auto').at(-1)).toBe('cpu');
    if (process.platform === 'linux') expect(providerPlan('auto')).not.toContain('dml');
  });
});

describe('float16 graphs', () => {
  it('converts float16 tensors to and from float32 (round to nearest even, subnormals, infinities)', () => {
    const values = [0, -0, 1, -2.5, 65504, 1e-7, 6.1e-5, 3.14159, 1e6, -Infinity];
    const half = floatTensor('float16', Float32Array.from(values), [values.length]);
    expect(half.type).toBe('float16');
    const back = toFloat32(half);
    expect(Array.from(back.subarray(0, 5))).toEqual([0, -0, 1, -2.5, 65504]);
    expect(back[5]).toBeCloseTo(1.19e-7, 8); // nearest subnormal
    expect(back[7]).toBeCloseTo(3.140625, 6);
    expect(back[8]).toBe(Infinity);
    expect(back[9]).toBe(-Infinity);
    expect(toFloat32(new ort.Tensor('float32', Float32Array.from([1.5]), [1]))[0]).toBe(1.5);
  });
});
