// The kernel benchmark page (bench.html) in headless Chromium (WebGPU on SwiftShader): rows for
// ours and TF.js with outputs that agree, and the results as JSON. The training page has its
// own test (train-page.test.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, SITE, serveSite } from '../support/site.js';

const ready = existsSync(join(SITE, 'bench.html')) && existsSync(CHROMIUM);

describe.skipIf(!ready)('the kernel benchmark page', () => {
  let site: Awaited<ReturnType<typeof serveSite>>;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    site = await serveSite();
    origin = site.origin;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--enable-unsafe-webgpu'] });
  });

  afterAll(async () => {
    await browser?.close();
    site?.close();
  });

  it('times our kernels beside TF.js and gives the results as JSON', async () => {
    const bench = await browser.newPage();
    const rows = async (only: string) => {
      await bench.goto(`${origin}/bench.html?batch=1&runs=1&gemm=96&only=${encodeURIComponent(only)}`);
      await bench.click('#run');
      await bench.waitForFunction(
        () =>
          /^done|error/.test(
            `${document.querySelector('#status')?.textContent} ${document.querySelector('#status')?.className}`,
          ),
        null,
        { timeout: 300_000 },
      );
      expect(await bench.getAttribute('#status', 'class'), (await bench.textContent('#status'))!).not.toBe('error');
      return bench.$$eval('#results tbody tr', (trs) =>
        trs.map((tr) => Array.from(tr.children, (td) => td.textContent!)),
      );
    };
    const gemm = await rows('gemm');
    expect(gemm.map((r) => r[0])).toEqual(['gemm']);
    const convs = await rows('layer4.1.conv2');
    expect(convs.map((r) => r[0])).toEqual([
      'conv layer4.1.conv2',
      'conv layer4.1.conv2 winograd',
      'conv layer4.1.conv2 winograd F4',
    ]);
    const rowsSeen = [...gemm, ...convs];
    for (const [, shape, oursMs, oursGflops, gpuMs, gpuGflops, peerMs, peerGflops, ratio, difference] of rowsSeen) {
      expect(shape).toMatch(/^(96x96x96|1x7x7x512 k3\/1 -> 512)$/);
      for (const n of [oursMs, oursGflops, peerMs, peerGflops]) expect(Number(n)).toBeGreaterThan(0);
      // GPU time where the page's adapter has timestamp queries, '-' where not.
      for (const n of [gpuMs, gpuGflops]) expect(n === '-' || Number(n) > 0, n).toBe(true);
      expect(ratio).toMatch(/^\d+\.\d\dx$/);
      expect(Number(difference)).toBeLessThan(1e-5);
    }
    const json = JSON.parse((await bench.textContent('#json'))!);
    expect(json.adapter.architecture).toBe('swiftshader');
    expect(json.results).toHaveLength(3);
    expect(json.results[0]).toMatchObject({
      name: 'conv layer4.1.conv2',
      peer: { name: expect.stringMatching(/^tfjs-webgpu 4\.22/) },
    });
    await bench.close();
  }, 600_000);
});
