// npm run build: compiles main/ and electron/ (tsc), bundles the Electron preload as CommonJS (a sandboxed
// preload cannot be an ES module), and builds the renderer with Vite into dist/renderer.
import { rmSync } from 'node:fs';
import { runSteps } from './run-steps.mjs';

rmSync('dist', { recursive: true, force: true });
runSteps([
  ['compile main + electron', 'node_modules/.bin/tsc -p tsconfig.build.json'],
  ['bundle preload', 'node_modules/.bin/esbuild electron/preload.ts --bundle --platform=node --format=cjs --external:electron --outfile=dist/electron/preload.cjs --log-level=warning'],
  ['build renderer', 'node_modules/.bin/vite build --config renderer/vite.config.ts --logLevel warn'],
]);
