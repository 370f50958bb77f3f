// The test suites that also run in headless Chromium (vitest.config.ts's browser project):
// they need only WebGPU and fixtures, so the linter holds them to browser-safe imports too.
export const BROWSER_SUITES = [
  'gemm',
  'conv2d',
  'winograd',
  'kernels',
  'augment',
  'head',
  'resnet',
  'bundle',
  'batchnorm-train',
  'keras',
].map((s) => `test/${s}.test.ts`);
