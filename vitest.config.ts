import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { BROWSER_SUITES } from './test/support/browser-suites.mjs';
import { wgslModule } from './tools/wgsl-include.mjs';

// The browser project runs the GPU suites in headless Chromium (Dawn + SwiftShader), through
// navigator.gpu as a browser demo would. CI installs Debian's chromium; elsewhere the project
// runs when a Chromium is found (CHROMIUM overrides the path) and is left out with a note otherwise.
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(chromium);
if (!haveChromium) {
  if (process.env.CI)
    throw new Error(`vitest: no Chromium at ${chromium}; the browser project needs it (apt-get install chromium)`);
  console.warn(
    `vitest: no Chromium at ${chromium}, so the browser project is left out (set CHROMIUM or apt-get install chromium)`,
  );
}

// The tools' feature cache (~/.cache/webgpu-transfer) stays out of tests: each run gets its own.
process.env.WEBGPU_TRANSFER_CACHE = mkdtempSync(join(tmpdir(), 'webgpu-transfer-test-cache-'));

export default defineConfig({
  plugins: [
    {
      // The same include step as the esbuild build.
      name: 'wgsl-include',
      load(id: string) {
        return id.endsWith('.wgsl') ? wgslModule(id) : null;
      },
    },
  ],
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // One GPU device per test file; software adapters are slow, so files run one at a time.
    fileParallelism: false,
    projects: [
      { extends: true as const, test: { name: 'node', include: ['test/**/*.test.ts'], pool: 'forks' } },
      ...(haveChromium
        ? [
            {
              extends: true as const,
              test: {
                name: 'browser',
                include: BROWSER_SUITES,
                env: process.env.TEST_SEED ? { TEST_SEED: process.env.TEST_SEED } : {},
                browser: {
                  enabled: true,
                  headless: true,
                  screenshotFailures: false,
                  provider: playwright({
                    launchOptions: { executablePath: chromium, args: ['--enable-unsafe-webgpu'] },
                  }),
                  instances: [{ browser: 'chromium' as const }],
                },
              },
            },
          ]
        : []),
    ],
  },
});
