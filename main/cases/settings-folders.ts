import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { regularFile } from '../common/package-path.js';
import { loadModelPackage } from '../engine/manifest.js';
import { KB_FORMAT, readKbManifest } from '../kb/kb-manifest.js';

/**
 * Checks a model or knowledge-base folder before settings name it: it exists, is a folder, holds a manifest of its
 * own kind, and every file that manifest lists is there. Returns the problem in plain words, or null when it will
 * do. Contents are not hashed here: the full integrity check runs when the folder is opened.
 */
const MODEL_FORMAT = 'medrwr-model/1';
const MAX_MANIFEST_BYTES = 1 << 24;
const KIND_OF_FORMAT: Record<string, string> = { [MODEL_FORMAT]: 'a model package', [KB_FORMAT]: 'a knowledge base' };

/** `path` is absolute (settings-store resolves a relative setting first). */
export function modelFolderProblem(path: string): string | null {
  return folderProblem(path, 'model', MODEL_FORMAT) ?? problemOf(() => loadModelPackage(path), (m) => m.replace(/: re-install the model package\.?$/, ''));
}

export function kbFolderProblem(path: string): string | null {
  return (
    folderProblem(path, 'knowledge-base', KB_FORMAT) ??
    problemOf(() => {
      const manifest = readKbManifest(path);
      const absent = Object.keys(manifest.files).filter((name) => 'problem' in regularFile(join(path, name)));
      if (absent.length > 0) throw new Error(`The knowledge base in ${path} is incomplete: ${absent.join(', ')} ${absent.length === 1 ? 'is' : 'are'} missing.`);
    })
  );
}

/** The folder is there and its manifest.json names the expected format (not the other kind of package). */
function folderProblem(path: string, what: string, format: string): string | null {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    return `The ${what} folder ${path} does not exist.`;
  }
  if (!isDir) return `${path} is a file, not a ${what} folder.`;
  // Only a regular file of a manifest's size is read: a FIFO or device named manifest.json must not block the save.
  const manifest = join(path, 'manifest.json');
  const file = regularFile(manifest);
  if ('problem' in file || file.size > MAX_MANIFEST_BYTES) return `${path} is not a ${what} folder: it has no readable manifest.json.`;
  let found: unknown;
  try {
    found = (JSON.parse(readFileSync(manifest, 'utf8')) as { format?: unknown }).format;
  } catch {
    return `${path} is not a ${what} folder: it has no readable manifest.json.`;
  }
  if (found === format) return null;
  const other = typeof found === 'string' ? KIND_OF_FORMAT[found] : undefined;
  return other ? `${path} holds ${other}, not a ${what} folder.` : `${path} is not a ${what} folder: its manifest.json is not a ${format} manifest.`;
}

function problemOf(check: () => unknown, tidy: (message: string) => string = (m) => m): string | null {
  try {
    check();
    return null;
  } catch (err) {
    return tidy((err as Error).message);
  }
}
