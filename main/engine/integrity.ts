import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { sha256File } from '../common/sha256.js';
import { dirname } from 'node:path';
import { allFiles, ModelPackageError, packagePath, type ModelPackage } from './manifest.js';

interface CacheEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/**
 * Checks every file of a package against its manifest sha256 and refuses the package naming the first file that differs.
 * Hashing a 7B model takes many seconds, so results are cached by (absolute path, size, mtime) in a small JSON file
 * (the app keeps it in `<dataDir>/cache/model-hashes.json`); a changed file has a new size or mtime and is hashed again.
 */
export function verifyPackage(pkg: ModelPackage, cacheFile?: string): { hashed: number; cached: number } {
  const cache = cacheFile ? readCache(cacheFile) : {};
  let hashed = 0;
  let cached = 0;
  for (const ref of allFiles(pkg.manifest)) {
    const abs = packagePath(pkg.dir, ref.path);
    let st;
    try {
      st = statSync(abs);
    } catch {
      throw new ModelPackageError(`model file ${ref.path} is missing from ${pkg.dir}`);
    }
    const hit = cache[abs];
    let actual: string;
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) {
      actual = hit.sha256;
      cached++;
    } else {
      actual = sha256File(abs);
      cache[abs] = { size: st.size, mtimeMs: st.mtimeMs, sha256: actual };
      hashed++;
    }
    if (actual !== ref.sha256) {
      throw new ModelPackageError(`model file ${ref.path} failed its integrity check: sha256 is ${actual}, the manifest says ${ref.sha256}. Re-install the model package.`);
    }
  }
  if (cacheFile && hashed > 0) writeCache(cacheFile, cache);
  return { hashed, cached };
}

function readCache(file: string): Record<string, CacheEntry> {
  try {
    const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return data && typeof data === 'object' ? (data as Record<string, CacheEntry>) : {};
  } catch {
    return {}; // absent or damaged: re-hash, which is always safe
  }
}

function writeCache(file: string, cache: Record<string, CacheEntry>): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(cache));
  renameSync(tmp, file);
}
