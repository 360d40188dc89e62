// npm test: the whole suite, in the order that fails fastest.
import { runSteps } from './run-steps.mjs';

runSteps([
  ['type-check', 'npm run --silent typecheck'],
  ['lint', 'npm run --silent lint'],
  ['build', 'npm run --silent build'],
  ['unit tests', 'node_modules/.bin/vitest run'],
  ['end-to-end tests', 'node_modules/.bin/playwright test'],
]);
