// Lint rules that hold the layers apart (DESIGN §2): nothing in main/ knows Electron; the renderer knows no Node
// and reaches main/ only through its contract (main/api).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

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
  {
    // Domains sit below the transports: they never call back up through the dispatcher, the CLI or the server (a
    // domain that needs another one imports that domain's functions or takes a port). test/import-graph.test.ts also
    // refuses any import cycle in main/.
    files: ['main/{cases,reports,dicom,kb,engine,reasoning,imaging,db,eval,pacs}/**/*.ts'],
    ignores: ['main/**/*.test.ts', 'main/**/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'main/ runs without Electron (CLI, web mode, tests); Electron code belongs in electron/.' }],
          patterns: [
            { group: ['**/electron/**', '../../electron/*'], message: 'main/ must not depend on electron/.' },
            // Each domain's handlers.ts may name the Handler type it implements; nothing may call the dispatcher.
            { group: ['**/app/dispatch*', '**/app/handlers*'], allowTypeImports: true, message: 'A domain must not call back up through the dispatcher: import the other domain\'s function instead.' },
            { group: ['**/cli/**', '**/server/**'], message: 'A domain must not depend on a transport (main/cli, main/server).' },
          ],
        },
      ],
    },
  },
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
