// ESLint flat config. Besides correctness rules it enforces the import direction of STYLE.md rule 1:
// every file gets exactly one `no-restricted-imports` layer below (later layers replace earlier ones
// for the files they match, they do not merge), and each message starts with "Bad layering".
import { builtinModules } from 'node:module';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';

const nodeBuiltins = [...new Set(builtinModules.filter((name) => !name.startsWith('_')))];

/** A restriction layer: `paths` are exact module names, `patterns` are regular expressions on the import string. */
function layer(paths, patterns) {
  return ['error', { paths, patterns }];
}

const electronOnlyInShell = {
  name: 'electron',
  message: 'Bad layering: only src-main/app and src-main/preload import electron; the engine must run in plain Node.',
};
const noRendererFromNode = {
  regex: '(^|/)src-renderer(/|$)',
  message: 'Bad layering: Node-side code never imports the renderer; share types through src-main/contract.',
};
const noNodeBuiltins = (who) =>
  nodeBuiltins.map((name) => ({
    name,
    message: `Bad layering: ${who} runs without Node; Node built-ins are not available there.`,
  }));
const noNodePrefixed = (who) => ({
  regex: '^node:',
  message: `Bad layering: ${who} runs without Node; Node built-ins are not available there.`,
});
const noElectron = (who, instead = '') => ({
  name: 'electron',
  message: `Bad layering: ${who} never imports electron${instead}.`,
});
const noSqlite = (who) => ({
  name: 'better-sqlite3',
  message: `Bad layering: ${who} never touches SQLite; go through LabService.`,
});

// Relative imports that leave src-main/contract for another src-main area. The model floor
// (src-main/model: no Node, no Electron, no DOM) is the only one it may reach.
const contractReachesIntoMain =
  '^\\.{1,2}/(?:[^/]*/)*?(?:store|export|cli|service|serve|lessons|bench|net|engine|app|preload)(?:/|$)';

// Relative imports that leave src-main/net for the areas above it: the network lab stands on the model
// floor (and Node) only, so the engine can load it lazily and nothing in it reaches back up.
const netReachesUp =
  '^\\.{1,2}/(?:[^/]*/)*?(?:engine|store|export|cli|service|serve|lessons|bench|contract|app|preload)(?:/|$)';

export default defineConfig(
  {
    ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'coverage/**', 'test/e2e/screenshots/**'],
  },

  ...tseslint.configs.recommended,

  ...pluginVue.configs['flat/recommended'].map((config) => ({ ...config, files: ['src-renderer/**/*.vue'] })),
  {
    name: 'conlab/vue-parser',
    files: ['src-renderer/**/*.vue'],
    languageOptions: {
      parser: vueParser,
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
  },
  // Layout is not linted (no formatter runs in CI); the remaining Vue rules are about correctness.
  { name: 'conlab/vue-no-layout', files: ['src-renderer/**/*.vue'], rules: pluginVue.configs['no-layout-rules'].rules },

  {
    name: 'conlab/project-rules',
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },

  // Layer: everything by default (engine, store, export, cli, service, serve, lessons, bench, net,
  // tests, scripts, tooling).
  {
    name: 'conlab/layering/default',
    rules: { 'no-restricted-imports': layer([electronOnlyInShell], [noRendererFromNode]) },
  },

  // Layer: the Electron shell.
  {
    name: 'conlab/layering/app',
    files: ['src-main/app/**'],
    rules: { 'no-restricted-imports': layer([], [noRendererFromNode]) },
  },

  // Layer: the preload. It runs sandboxed (only `electron` and a few polyfills can be required) and
  // exposes the contract, nothing more.
  {
    name: 'conlab/layering/preload',
    files: ['src-main/preload/**'],
    rules: {
      'no-restricted-imports': layer(
        [...noNodeBuiltins('the sandboxed preload'), noSqlite('the preload')],
        [
          noNodePrefixed('the sandboxed preload'),
          noRendererFromNode,
          {
            regex: '^\\.{1,2}/(?:[^/]*/)*?(?:engine|store|export|cli|service|serve|lessons|bench|net|app)(?:/|$)',
            message: 'Bad layering: the preload imports src-main/contract only; the engine runs in the main process.',
          },
        ],
      ),
    },
  },

  // Layer: the model floor. Pure data and schemas shared by everything above it (engine, net, store,
  // contract, renderer): zod and other pure packages only, nothing of Node, Electron or the DOM, and
  // nothing outside its own (flat) folder.
  {
    name: 'conlab/layering/model',
    files: ['src-main/model/**'],
    rules: {
      'no-restricted-imports': layer(
        [...noNodeBuiltins('the model floor'), noElectron('the model floor'), noSqlite('the model floor')],
        [
          noNodePrefixed('the model floor'),
          noRendererFromNode,
          {
            regex: '^\\.\\.(/|$)',
            message: 'Bad layering: src-main/model is the ground floor; it imports only its own files and pure packages such as zod.',
          },
        ],
      ),
    },
  },

  // Layer: the contract, the renderer's door to the model floor.
  {
    name: 'conlab/layering/contract',
    files: ['src-main/contract/**'],
    rules: {
      'no-restricted-imports': layer(
        [...noNodeBuiltins('the contract'), noElectron('the contract'), noSqlite('the contract')],
        [
          noNodePrefixed('the contract'),
          noRendererFromNode,
          {
            regex: contractReachesIntoMain,
            message: 'Bad layering: the contract imports only src-main/model (the pure floor); engine internals may use Node.',
          },
        ],
      ),
    },
  },

  // Layer: the network lab. Node, yes; the engine and the areas above it, no (the engine loads it).
  {
    name: 'conlab/layering/net',
    files: ['src-main/net/**'],
    rules: {
      'no-restricted-imports': layer(
        [electronOnlyInShell],
        [
          noRendererFromNode,
          {
            regex: netReachesUp,
            message: 'Bad layering: src-main/net imports only src-main/model besides Node; move what it needs from the engine down.',
          },
        ],
      ),
    },
  },

  // Layer: the renderer. It imports the contract (relative path or `@contract/*`) and nothing else of src-main.
  {
    name: 'conlab/layering/renderer',
    files: ['src-renderer/**'],
    rules: {
      'no-restricted-imports': layer(
        [...noNodeBuiltins('the renderer'), noElectron('the renderer', '; the desktop app reaches it through window.conlab'), noSqlite('the renderer')],
        [
          noNodePrefixed('the renderer'),
          {
            regex: '(^|/)src-main(/(?!contract(/|$))|$)',
            message: 'Bad layering: the renderer imports src-main/contract only (or @contract/*), never engine internals.',
          },
        ],
      ),
    },
  },

  // Layer: component and store tests of the renderer (happy-dom). They import the renderer and the
  // contract, like the renderer itself; never electron or SQLite.
  {
    name: 'conlab/layering/renderer-tests',
    files: ['test/renderer/**'],
    rules: {
      'no-restricted-imports': layer(
        [noElectron('renderer tests'), noSqlite('renderer tests')],
        [
          {
            regex: '(^|/)src-main/(?!contract(/|$))',
            message: 'Bad layering: renderer tests import the renderer and src-main/contract only, as the renderer does.',
          },
        ],
      ),
    },
  },

  // Layer: tests that drive the real Electron app (skipped where the binary is missing) may resolve it.
  {
    name: 'conlab/layering/electron-tests',
    files: ['test/electron/**'],
    rules: { 'no-restricted-imports': layer([], [noRendererFromNode]) },
  },
);
