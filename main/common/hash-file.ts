import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { fileKind } from './package-path.js';

export class FileCheckError extends Error {
  override name = 'FileCheckError';
}

export interface HashOptions {
  /** A read that returns nothing for this long fails the hash (a stalled disk or network share); default 60 s. */
  readonly stallMs?: number;
  readonly signal?: AbortSignal;
}

const CHUNK = 1 << 22;

/**
 * sha256 of a package file, read off the main thread in 4 MiB chunks. The file is opened non-blocking and checked to
 * be a regular file through its descriptor (so a FIFO or device swapped in after an earlier check is still refused, and
 * opening it cannot block), its size must not change while it is read, and a read that stalls fails instead of hanging.
 */
export async function hashPackageFile(path: string, opts: HashOptions = {}): Promise<{ sha256: string; bytes: number }> {
  const stallMs = opts.stallMs ?? 60_000;
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new FileCheckError((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `cannot be opened (${(err as Error).message})`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new FileCheckError(`is ${fileKind(st)}, not a regular file`);
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = 0;
    for (;;) {
      opts.signal?.throwIfAborted();
      const n = await withStall(fh.read(buf, 0, CHUNK, pos), stallMs, pos);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      pos += n;
      if (pos > st.size) throw new FileCheckError(`grew while it was read (${st.size} bytes at open)`);
    }
    if (pos !== st.size) throw new FileCheckError(`changed while it was read (${pos} of ${st.size} bytes)`);
    return { sha256: hash.digest('hex'), bytes: pos };
  } finally {
    await fh.close().catch(() => undefined);
  }
}

async function withStall(read: Promise<{ bytesRead: number }>, ms: number, at: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FileCheckError(`stopped answering: a read at byte ${at} took over ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return (await Promise.race([read, stalled])).bytesRead;
  } finally {
    clearTimeout(timer);
  }
}
