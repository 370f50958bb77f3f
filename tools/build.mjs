// Bundles every entry point into dist/ as ESM. WGSL is inlined as text; only `webgpu`
// (a native addon) stays external, so dist/ plus node_modules/webgpu is enough to run.
import { build } from 'esbuild';

const entryPoints = {
  bench: 'bench/kernels.ts',
  'convert-weights': 'src/cli/convert-weights.ts',
  'fetch-weights': 'src/cli/fetch-weights.ts',
  embed: 'src/cli/embed.ts',
  'bench-resnet': 'bench/resnet.ts',
  'bench-train': 'bench/train.ts',
  train: 'src/cli/train.ts',
  predict: 'src/cli/predict.ts',
  'decode-worker': 'src/data/decode-worker.ts',
};

await build({
  entryPoints,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  external: ['webgpu'],
  loader: { '.wgsl': 'text' },
  outExtension: { '.js': '.js' },
  // Bundled CommonJS dependencies (pngjs, tfjs) call require(); give ESM output one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
