// Lint: typescript-eslint's recommended rules, lines of at most 120 characters (Prettier
// formats, see .prettierrc.json), and import rules that encode the project's layers:
//
//   util  <-  gpu  <-  kernels  <-  model, autograd, data, check  <-  train  <-  api  <-  cli, browser
//   (image, weights, reference sit beside gpu: they need no GPU)
//
// The tools in cli/ reach kernels, models and the head only through the library's public API
// (src/index.ts, src/index.node.ts) and check/ (the self-check).
//
// and the line between browser-safe code and the Node edge: only `src/cli/` and files named
// `*.node.ts` may use Node's modules (node:fs, ...) or Node globals, and browser-safe code may
// not import them.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';
import { BROWSER_SUITES } from './test/support/browser-suites.mjs';

/** What each folder of src/ may import from the others (besides itself and src/errors.ts). */
const LAYERS = {
  util: [],
  gpu: ['util'],
  image: ['util'],
  weights: ['util'],
  reference: ['util'],
  kernels: ['gpu', 'util'],
  autograd: ['gpu', 'kernels', 'util'],
  model: ['gpu', 'kernels', 'image', 'weights', 'util'],
  data: ['kernels', 'image', 'util'],
  check: ['gpu', 'kernels', 'model', 'autograd', 'reference', 'image', 'weights', 'util'],
  train: ['gpu', 'kernels', 'model', 'autograd', 'data', 'image', 'weights', 'util'],
  render: ['train', 'image', 'util'],
  export: ['model', 'autograd', 'train', 'weights', 'util'],
  api: ['gpu', 'kernels', 'model', 'autograd', 'data', 'image', 'weights', 'train', 'util'],
  browser: ['gpu', 'kernels', 'model', 'autograd', 'data', 'image', 'weights', 'train', 'api', 'util'],
  cli: ['gpu', 'data', 'image', 'weights', 'train', 'api', 'export', 'render', 'check', 'util'],
};
const FOLDERS = Object.keys(LAYERS);

const NODE_EDGE = ['src/cli/**', 'src/**/*.node.ts'];
const NODE_MODULES = ['fs', 'fs/promises', 'path', 'os', 'url', 'util', 'crypto', 'child_process', 'worker_threads'];
const NODE_ONLY = 'Node modules belong to the Node edge (src/cli/ or a *.node.ts file).';
const browserSafe = {
  paths: NODE_MODULES.map((name) => ({ name, message: NODE_ONLY })),
  patterns: [
    { group: ['node:*'], message: NODE_ONLY },
    {
      group: ['**/*.node.js', '**/cli/**'],
      message: 'browser-safe code may not import the Node edge (src/cli/, *.node.ts).',
    },
  ],
};
const nodeGlobals = ['Buffer', 'process', '__dirname', '__filename', 'require'].map((name) => ({
  name,
  message: 'a Node global: only the Node edge (src/cli/, *.node.ts) may use it.',
}));

const layerRules = (folder, extra = { paths: [], patterns: [] }) => {
  const allowed = LAYERS[folder];
  const what = allowed.length ? allowed.map((l) => `src/${l}/`).join(', ') : 'src/errors.ts';
  const message = `src/${folder}/ may import only ${what} (layers: eslint.config.js).`;
  const below = (f) => f !== folder && !allowed.includes(f);
  const patterns = FOLDERS.filter(below).map((f) => ({ group: [`**/${f}/**`], message }));
  return { 'no-restricted-imports': ['error', { paths: extra.paths, patterns: [...patterns, ...extra.patterns] }] };
};

export default tseslint.config(
  { ignores: ['dist/', 'docs/api/', 'node_modules/', 'test/fixtures/', 'weights/', '.device*/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      'max-len': ['error', { code: 120, ignoreUrls: true, ignorePattern: '^import |^export \\{' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  // Each layer of src/ imports only from the layers below it; browser-safe ones nothing of Node.
  ...Object.keys(LAYERS).map((folder) => ({
    files: [`src/${folder}/**/*.ts`],
    ignores: NODE_EDGE,
    rules: { ...layerRules(folder, browserSafe), 'no-restricted-globals': ['error', ...nodeGlobals] },
  })),
  ...Object.keys(LAYERS).map((folder) => ({
    files: [`src/${folder}/**/*.node.ts`],
    rules: layerRules(folder),
  })),
  // The tools are all Node edge, and layered all the same.
  { files: ['src/cli/**/*.ts'], rules: layerRules('cli') },
  { files: ['**/*.mjs', '**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  {
    files: ['examples/browser.js'],
    languageOptions: {
      globals: Object.fromEntries(
        ['document', 'location', 'fetch', 'Blob', 'URLSearchParams'].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: [
      'src/index.ts',
      'src/errors.ts',
      'bench/kernel-cases.ts',
      'bench/measure.ts',
      'bench/browser.ts',
      'bench/tf-peer.ts',
      'test/support/helpers.ts',
      ...BROWSER_SUITES,
    ],
    rules: {
      'no-restricted-imports': ['error', browserSafe],
      'no-restricted-globals': ['error', ...nodeGlobals],
    },
  },
);
