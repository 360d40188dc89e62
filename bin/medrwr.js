#!/usr/bin/env node
// In a development checkout (sources and tsx present) runs the TypeScript sources, so the CLI is never stale;
// in an installed build it runs the compiled dist/.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'main', 'cli', 'index.ts');
const built = join(root, 'dist', 'main', 'cli', 'index.js');

function hasTsx() {
  try {
    createRequire(import.meta.url).resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

let cli;
if (existsSync(source) && hasTsx()) {
  const { tsImport } = await import('tsx/esm/api');
  cli = await tsImport(pathToFileURL(source).href, import.meta.url);
} else if (existsSync(built)) {
  cli = await import(pathToFileURL(built).href);
} else {
  process.stderr.write('medrwr: no build found; run "npm run build" first.\n');
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2));
