// Electronegativity (Doyensec's Electron security linter) over a directory, as one JSON line on stdout:
// { atomicChecks, globalChecks, errors, findings: [{ id, file, line, severity, confidence }] }; exit 1 on any HIGH.
//   node scripts/electronegativity.mjs electron
// Its command line does not parse options with the commander this tree resolves, so this calls its runner. Offline:
// the runner's fetch of updated translations fails fast and it falls back to the bundled ones; the check that
// downloads Electron's release list is left out (Electron is pinned in package.json, upgrades are reviewed there).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);
const run = require('@doyensec/electronegativity/dist/runner.js');

const input = process.argv[2];
if (!input) {
  process.stderr.write('usage: node scripts/electronegativity.mjs <directory>\n');
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const result = await run(
  {
    input: resolve(input),
    customScan: [],
    excludeFromScan: ['availablesecurityfixesglobalcheck'],
    isRelative: true,
    isVerbose: false,
    parserPlugins: [],
    // The scanned sources carry no package.json; without the version it judges against Electron 0.1's defaults.
    electronVersionOverride: pkg.devDependencies.electron,
  },
  false,
);
const findings = result.issues.map((i) => ({ id: i.id, file: i.file, line: i.location.line, severity: i.severity.name, confidence: i.confidence.name }));
process.stdout.write(`${JSON.stringify({ atomicChecks: result.atomicChecks, globalChecks: result.globalChecks, errors: result.errors, findings })}\n`);
process.exit(findings.some((f) => f.severity === 'HIGH') ? 1 : 0);
