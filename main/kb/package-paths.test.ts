import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import { sha256File } from '../common/sha256.js';
import { openKnowledgeBase } from './open.js';
import { ROOT, tempDir } from './testing/fixtures.js';
import { verifyKnowledgeBase } from './verify.js';

// The demo knowledge base (passages and an image library), copied and damaged one way per test.
const DEMO = join(ROOT, 'kb/demo/index');

function copy(): string {
  const to = join(tempDir(), 'kb');
  cpSync(DEMO, to, { recursive: true });
  return to;
}

function editManifest(dir: string, edit: (m: { files: Record<string, unknown>; embedder: { path: string } }) => void): void {
  const path = join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(path, 'utf8')) as Parameters<typeof edit>[0];
  edit(m);
  writeFileSync(path, JSON.stringify(m));
}

async function refusal(dir: string): Promise<string> {
  const err = await openKnowledgeBase(dir).then(
    async (kb) => (await kb.close(), null),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return (err as ApiError).message;
}

describe('a knowledge base manifest may name only regular files inside its folder', () => {
  it.each([
    ['../../../../dev/zero', /names the file "\.\.\/\.\.\/\.\.\/\.\.\/dev\/zero" which points outside the package/],
    ['/dev/zero', /names the file "\/dev\/zero" which is absolute/],
  ])('a files entry %s is refused by name, never read', async (name, message) => {
    const dir = copy();
    editManifest(dir, (m) => (m.files[name] = { sha256: '0'.repeat(64), bytes: 0 }));
    expect(await refusal(dir)).toMatch(message);
  });

  it('a data file that is a FIFO, or a link to /dev/zero, is refused by name', async () => {
    const dir = copy();
    rmSync(join(dir, 'vectors.f32'));
    execFileSync('mkfifo', [join(dir, 'vectors.f32')]);
    expect(await refusal(dir)).toMatch(/names the file "vectors\.f32" which is a FIFO \(named pipe\), not a regular file/);
    rmSync(join(dir, 'vectors.f32'));
    symlinkSync('/dev/zero', join(dir, 'vectors.f32'));
    expect(await refusal(dir)).toMatch(/names the file "vectors\.f32" which is a link to \/dev\/zero, outside the package/);
  });

  it('an encoder path leaving the folder, or a data file left out of the digests, is refused', async () => {
    const dir = copy();
    editManifest(dir, (m) => (m.embedder.path = '../../encoder'));
    expect(await refusal(dir)).toMatch(/the text encoder folder "\.\.\/\.\.\/encoder" which points outside the package/);
    const dir2 = copy();
    editManifest(dir2, (m) => delete m.files['images.sqlite']);
    expect(await refusal(dir2)).toMatch(/no digest for "images\.sqlite" which leaves it unverified/);
  });
});

describe('the image library is checked, not just hashed', () => {
  it('an image database that is not a database is refused at open and by "medrwr kb verify", even with a forged digest', async () => {
    const dir = copy();
    const db = join(dir, 'images.sqlite');
    writeFileSync(db, Buffer.alloc(statSync(db).size, 0x5a));
    editManifest(dir, (m) => (m.files['images.sqlite'] = { sha256: sha256File(db), bytes: statSync(db).size }));
    expect(await refusal(dir)).toMatch(/image database images\.sqlite of knowledge base .* is not usable \(file is not a database\)/);
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/medrwr.js'), 'kb', 'verify', dir], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^NOT OK: .*images\.sqlite/);
  });

  it('verify decodes every stored image of the demo library', async () => {
    const r = await verifyKnowledgeBase(DEMO);
    expect(r.images).toBe(r.manifest.images!.count);
    expect(r.images).toBeGreaterThan(0);
  });
});
