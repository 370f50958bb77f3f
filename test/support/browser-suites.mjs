// The test suites that also run in headless Chromium (vitest.config.ts's browser project):
// they need only WebGPU and fixtures, so the linter holds them to browser-safe imports too.
export const BROWSER_SUITES = [
  'kernels/catalogue',
  'kernels/gemm',
  'kernels/conv2d',
  'kernels/winograd',
  'kernels/kernels',
  'data/augment',
  'autograd/head',
  'model/resnet',
  'browser/bundle',
  'kernels/batchnorm-train',
  'model/keras',
].map((s) => `test/${s}.test.ts`);
