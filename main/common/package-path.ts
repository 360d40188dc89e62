import { realpathSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * Confines a path named in a package manifest (model or knowledge base) to its package folder: relative, no `..`
 * escape, and its real path (symlinks followed) inside the folder's real path. Returns the absolute path, or the reason
 * it is refused. Nothing is opened, so a FIFO or device named here cannot block.
 */
export function confinedPath(root: string, rel: string): { path: string } | { problem: string } {
  if (rel.includes('\0')) return { problem: 'contains a NUL byte' };
  if (isAbsolute(rel) || /^[a-zA-Z]:/.test(rel)) return { problem: 'is absolute; a package may name only files inside itself' };
  const abs = resolve(root, rel);
  if (!inside(resolve(root), abs)) return { problem: 'points outside the package' };
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    return { path: abs }; // missing: the caller names it as missing
  }
  if (!inside(realpathSync(root), real)) return { problem: `is a link to ${real}, outside the package` };
  return { path: abs };
}

function inside(root: string, abs: string): boolean {
  const r = relative(root, abs);
  return r !== '' && !r.startsWith(`..${sep}`) && r !== '..' && !isAbsolute(r);
}

/** What kind of non-regular file a stat describes, for messages ("a FIFO", "a character device", …). */
export function fileKind(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The file's stat when it is a regular file; otherwise the reason (missing, a FIFO, a device, …). Never opens it. */
export function regularFile(path: string): { size: number } | { problem: string } {
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    return { problem: 'is missing' };
  }
  return st.isFile() ? { size: st.size } : { problem: `is ${fileKind(st)}, not a regular file` };
}
