import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileCheckError, hashPackageFile } from './hash-file.js';
import { confinedPath, regularFile } from './package-path.js';

const root = mkdtempSync(join(tmpdir(), 'medrwr-pkgpath-'));
mkdirSync(join(root, 'sub'));
writeFileSync(join(root, 'sub', 'a.bin'), 'abc');
symlinkSync('a.bin', join(root, 'sub', 'inside'));
symlinkSync('/etc', join(root, 'out'));
execFileSync('mkfifo', [join(root, 'pipe')]);

describe('paths named by a package manifest', () => {
  it.each([
    ['sub/a.bin', null],
    ['sub/inside', null],
    ['./sub/../sub/a.bin', null],
    ['../x', 'points outside the package'],
    ['sub/../../x', 'points outside the package'],
    ['.', 'points outside the package'],
    ['/dev/zero', 'is absolute'],
    ['C:/Windows/win.ini', 'is absolute'],
    ['out/passwd', 'is a link to /etc/passwd, outside the package'],
    ['a\0b', 'contains a NUL byte'],
  ])('%j → %s', (rel, problem) => {
    const r = confinedPath(root, rel);
    if (problem === null) expect(r).toEqual({ path: expect.stringContaining(root) as string });
    else expect(r).toEqual({ problem: expect.stringContaining(problem) as string });
  });

  it('names what is not a regular file without opening it', () => {
    expect(regularFile(join(root, 'sub', 'a.bin'))).toEqual({ size: 3 });
    expect(regularFile(join(root, 'pipe'))).toEqual({ problem: 'is a FIFO (named pipe), not a regular file' });
    expect(regularFile('/dev/zero')).toEqual({ problem: 'is a character device, not a regular file' });
    expect(regularFile(join(root, 'sub'))).toEqual({ problem: 'is a folder, not a regular file' });
    expect(regularFile(join(root, 'none'))).toEqual({ problem: 'is missing' });
  });
});

describe('hashing a package file', () => {
  it('hashes a regular file in full', async () => {
    expect(await hashPackageFile(join(root, 'sub', 'a.bin'))).toEqual({ sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', bytes: 3 });
  });

  it('refuses a FIFO or a device through its descriptor, so one swapped in after a check cannot block or flood it', async () => {
    await expect(hashPackageFile(join(root, 'pipe'))).rejects.toThrow(new FileCheckError('is a FIFO (named pipe), not a regular file'));
    await expect(hashPackageFile('/dev/zero')).rejects.toThrow(new FileCheckError('is a character device, not a regular file'));
    await expect(hashPackageFile(join(root, 'none'))).rejects.toThrow(new FileCheckError('is missing'));
  });
});
