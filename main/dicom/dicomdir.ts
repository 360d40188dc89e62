import type { DataSet } from 'dicom-parser';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { str } from './dataset.js';

const MEDIA_DIRECTORY_STORAGE = '1.2.840.10008.1.3.10';

export function isDicomdir(ds: DataSet): boolean {
  return str(ds, 'x00020002') === MEDIA_DIRECTORY_STORAGE || ds.elements['x00041220'] !== undefined;
}

/**
 * The files a DICOMDIR references (ReferencedFileID (0004,1500) of its directory records), as paths beside it.
 * Media file IDs are upper case by the standard but copies often are not, so a missing path is looked up again
 * case-insensitively, component by component. Returns `missing` for references that resolve to nothing.
 */
export async function dicomdirFiles(ds: DataSet, dicomdirPath: string): Promise<{ found: string[]; missing: string[] }> {
  const root = dirname(dicomdirPath);
  const found: string[] = [];
  const missing: string[] = [];
  const listings = new Map<string, Promise<string[]>>(); // one readdir per folder however many records point into it
  const list = (dir: string) => {
    let l = listings.get(dir);
    if (!l) listings.set(dir, (l = readdir(dir).catch(() => [])));
    return l;
  };
  for (const item of ds.elements['x00041220']?.items ?? []) {
    const raw = item.dataSet?.string('x00041500');
    if (!raw) continue;
    const parts = raw.split('\\').map((p) => p.trim()).filter(Boolean);
    const resolved = await resolveCaseInsensitive(root, parts, list);
    if (resolved) found.push(resolved);
    else missing.push(join(root, ...parts));
  }
  return { found, missing };
}

async function resolveCaseInsensitive(root: string, parts: string[], list: (dir: string) => Promise<string[]>): Promise<string | null> {
  let dir = root;
  for (const part of parts) {
    const names = await list(dir);
    const hit = names.includes(part) ? part : names.find((n) => n.toUpperCase() === part.toUpperCase());
    if (!hit) return null;
    dir = join(dir, hit);
  }
  return dir;
}
