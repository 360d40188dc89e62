// Lint rules that hold the layers apart (DESIGN §2): nothing in main/ knows Electron; the renderer knows no Node
// and reaches main/ only through its contract (main/api).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import { readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import mainLayers from './main/layers.json' with { type: 'json' };

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

// The folders of main/: the per-folder rules below refuse those main/layers.json does not list for a folder.
const { appKernel, layers } = mainLayers;
const MAIN_FOLDERS = readdirSync(new URL('./main/', import.meta.url), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
/** The other folders a folder may not import (main/app has its own rule: its kernel only). */
const refused = (folder, allowed) => MAIN_FOLDERS.filter((f) => f !== folder && f !== 'app' && !allowed.includes(f));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-data/**', '.cache/**', 'test-results/**', 'playwright-report/**', 'models/**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['main/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'main/ runs without Electron (CLI, web mode, tests); Electron code belongs in electron/.' }], patterns: [{ group: ['**/electron/**', '../../electron/*'], message: 'main/ must not depend on electron/.' }] }],
    },
  },
  // Which folders of main/ each folder may import (main/layers.json; VS Code's code-import-patterns is the model).
  // main/app is the composition root (it builds the services and wires each domain's ports) and main/cli the command
  // line: both may import anything. Every other folder imports only the folders listed for it and, of main/app, only
  // the process context and its kernel (event bus, logger, task registry, the Handler type): never the dispatcher,
  // the root or a transport. test/import-graph.test.ts checks the real import graph against the same table and
  // refuses any import cycle.
  ...Object.entries(layers).map(([folder, allowed]) => ({
    files: [`main/${folder}/**/*.ts`],
    ignores: ['main/**/*.test.ts', 'main/**/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'main/ runs without Electron (CLI, web mode, tests); Electron code belongs in electron/.' }],
          patterns: [
            { group: ['**/electron/**', '../../electron/*'], message: 'main/ must not depend on electron/.' },
            ...(allowed.includes('app')
              ? []
              : [
                  // Each domain's handlers.ts may name the Handler type it implements; nothing may call the dispatcher.
                  { group: ['**/app/dispatch*', '**/app/handlers*'], allowTypeImports: true, message: 'A domain must not call back up through the dispatcher: it takes a port that the composition root (main/app/compose.ts) wires.' },
                  {
                    regex: `^(\\.\\./)+app/(?!(${appKernel.join('|')})\\.js$)`,
                    message: `Of main/app, main/${folder} may import only ${appKernel.join(', ')}: the composition root builds the services and passes them in.`,
                  },
                ]),
            ...(refused(folder, allowed).length
              ? [
                  {
                    regex: `^(\\.\\./)+(${refused(folder, allowed).join('|')})/`,
                    message: `main/${folder} may import only ${allowed.length ? `main/${allowed.join(', main/')}` : 'nothing else in main/'} (and main/app's kernel): anything else reaches it through a port that main/app/compose.ts wires.`,
                  },
                ]
              : []),
          ],
        },
      ],
    },
  })),
  {
    // The contract is bundled into the renderer: it may use only zod and its own files.
    files: ['main/api/**/*.ts'],
    ignores: ['main/api/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins.map((name) => ({ name, message: 'main/api runs in the renderer too: no Node built-ins.' })), { name: 'electron', message: 'main/api is shared by every transport.' }],
          patterns: [{ group: ['../*'], message: 'main/api depends on nothing else in main/: the renderer bundles it.' }],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    ignores: ['renderer/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      // The rules of hooks and the React Compiler's checks; exhaustive deps as an error, not a warning.
      ...reactHooks.configs.flat.recommended.rules,
      'react-hooks/exhaustive-deps': 'error',
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'The renderer runs in a sandboxed browser page: no Node built-ins.' })),
            { name: 'electron', message: 'The renderer talks to the app only through the contract client.' },
          ],
          patterns: [
            {
              regex: '^(\\.\\./)+main/(?!api/)',
              message: 'The renderer may import only main/api (the contract), never main/ services.',
            },
          ],
        },
      ],
    },
  },
);
