// Bundles every entry point into dist/ as ESM. WGSL is inlined with its #includes expanded
// (tools/wgsl-include.mjs, the same step vitest runs); only `webgpu` (a native addon), h5wasm
// (export.js --keras loads it on demand) and playwright (bench:predict's page) stay external,
// so dist/ plus those in node_modules is enough to run the tools.
// The library (src/index.ts) is also bundled for browsers as dist/browser/webgpu-transfer.js:
// platform 'browser' makes any Node built-in that creeps into it a build error.
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';
import { wgslModule } from './wgsl-include.mjs';

/** `.wgsl` imports: the shader with its includes expanded and its line map. */
const wgsl = {
  name: 'wgsl-include',
  setup(b) {
    b.onLoad({ filter: /\.wgsl$/ }, (args) => ({ contents: wgslModule(args.path), loader: 'js' }));
  },
};

const entryPoints = {
  bench: 'bench/kernels.ts',
  'convert-weights': 'src/cli/convert-weights.ts',
  'fetch-weights': 'src/cli/fetch-weights.ts',
  embed: 'src/cli/embed.ts',
  'bench-resnet': 'bench/resnet.ts',
  'bench-train': 'bench/train.ts',
  'bench-predict': 'bench/predict.ts',
  'bench-precision': 'bench/precision.ts',
  'bench-page': 'bench/page.ts',
  'bench-features': 'bench/features.ts',
  train: 'src/cli/train.ts',
  predict: 'src/cli/predict.ts',
  evaluate: 'src/cli/evaluate.ts',
  export: 'src/cli/export.ts',
  import: 'src/cli/import.ts',
  'decode-worker': 'src/data/decode-worker.node.ts',
  selfcheck: 'src/cli/selfcheck.ts',
  serve: 'src/cli/serve.ts',
  // The library's Node entries (package.json's exports): the public API, and its internals.
  index: 'src/index.node.ts',
  internals: 'src/internals.node.ts',
};

await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  external: ['webgpu', 'playwright', 'h5wasm'],
  plugins: [wgsl],
  outExtension: { '.js': '.js' },
  // Bundled CommonJS dependencies (pngjs, tfjs) call require(); give ESM output one.
  banner: {
    js: [
      "import { createRequire as __createRequire } from 'node:module';",
      'const require = __createRequire(import.meta.url);',
    ].join(' '),
  },
  logLevel: 'warning',
});

// The package's command (bin): `webgpu-transfer COMMAND`, loading the bundles above.
await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});

// libwebp's WebAssembly, beside the bundles that decode WebP (src/image/webp.node.ts finds it there).
copyFileSync('node_modules/@jsquash/webp/codec/dec/webp_dec.wasm', 'dist/webp_dec.wasm');

// The goldens selfcheck compares against, beside it, so the installed package can run it.
mkdirSync('dist/fixtures', { recursive: true });
for (const f of [
  'resnet50-golden.safetensors',
  'head-golden.safetensors',
  'adam-golden.json',
  'pytorch-recipe-golden.safetensors',
])
  copyFileSync(`test/fixtures/${f}`, `dist/fixtures/${f}`);

const browser = {
  outdir: 'dist/browser',
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  sourcemap: 'linked',
  logLevel: 'warning',
  plugins: [wgsl],
};
await build({ ...browser, entryPoints: { 'webgpu-transfer': 'src/index.ts' } });
await build({ ...browser, entryPoints: { 'webgpu-transfer-internals': 'src/internals.ts' } });
// The training page imports the internals bundle by name (an import map in its page), as a page embedding it would.
await build({
  ...browser,
  entryPoints: { train: 'src/browser/train-page.ts' },
  external: ['webgpu-transfer', 'webgpu-transfer/internals'],
});
copyFileSync('src/browser/train.html', 'dist/browser/index.html');
// The kernel benchmark as a page, TF.js included as its peer.
await build({ ...browser, entryPoints: { bench: 'bench/browser.ts' } });
copyFileSync('bench/browser.html', 'dist/browser/bench.html');
