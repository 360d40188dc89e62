import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The version a package declares, read from its own package.json (works from source and from dist/). */
export function packageVersion(name: string): string {
  try {
    const pkgPath = require.resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
  } catch {
    return findOwnPackage(name);
  }
}

function findOwnPackage(name: string): string {
  // Packages without an exported package.json: walk up from their entry point.
  let dir = dirname(require.resolve(name));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version: string };
      if (pkg.name === name) return pkg.version;
    } catch {
      /* keep walking */
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

/** This app's own version, from the project's package.json. */
export function appVersion(): string {
  let dir = dirname(new URL(import.meta.url).pathname);
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'medrwr-workstation') return pkg.version;
    } catch {
      /* keep walking */
    }
    dir = dirname(dir);
  }
  throw new Error('medrwr-workstation package.json not found above ' + import.meta.url);
}
