// The browser pages in dist/browser/, driven in headless Chromium (WebGPU on SwiftShader).
// The predictions demo (index.html): a saved model, random:SEED backbone weights and PNG images
// chosen as files give captioned pictures whose probabilities equal `node dist/predict.js` on
// the same files (a JPEG and a PNG, which both decode exactly as PIL does in both, so only the
// adapters differ: SwiftShader there, lavapipe here), plus a bad-input message. The kernel
// benchmark (bench.html): rows for ours and TF.js with outputs that agree, and the results as JSON.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveTestModel } from './saved-model.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SITE = 'dist/browser';
const ready = existsSync(join(SITE, 'index.html')) && existsSync('dist/predict.js') && existsSync(CHROMIUM);
const IMAGES = ['jpeg/baseline-420.jpg', 'png/palette.png'].map((f) => join('test/fixtures', f));
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' };

describe.skipIf(!ready)('the browser pages', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-'));
  let server: Server;
  let browser: Browser;
  let page: Page;
  let origin: string;

  beforeAll(async () => {
    saveTestModel(dir, { features: 2048, hidden: 32, classes: 2 }, 3);
    server = createServer((request, response) => {
      const { pathname } = new URL(request.url!, 'http://localhost');
      const path = join(SITE, pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1)));
      if (!path.startsWith(SITE) || !existsSync(path)) return void response.writeHead(404).end();
      response
        .writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' })
        .end(readFileSync(path));
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--enable-unsafe-webgpu'] });
    page = await browser.newPage();
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    await page.goto(`${origin}/`);
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('demo: says what is missing', async () => {
    await page.click('#run');
    await expect.poll(() => page.textContent('#status')).toBe('choose some images');
    expect(await page.getAttribute('#status', 'class')).toBe('error');
  });

  it('demo: captions each image, with the probabilities of node dist/predict.js', async () => {
    await page.setInputFiles('#model', [join(dir, 'model.json'), join(dir, 'head.safetensors')]);
    await page.fill('#seed', '5');
    await page.setInputFiles('#images', IMAGES);
    await page.click('#run');
    await page.waitForFunction(
      () =>
        /images in|error/.test(
          `${document.querySelector('#status')?.textContent} ${document.querySelector('#status')?.className}`,
        ),
      null,
      { timeout: 300_000 },
    );
    expect(await page.getAttribute('#status', 'class')).not.toBe('error');
    expect(await page.textContent('#status')).toMatch(/^2 images in [\d.]+ s \(backbone loaded in [\d.]+ s before\)$/);
    expect(await page.textContent('#adapter')).toMatch(/^WebGPU: \S/);
    const figures = await page.$$eval('#results figure', (all) =>
      all.map((f) => ({
        caption: f.querySelector('figcaption')!.textContent!,
        probabilities: JSON.parse((f as HTMLElement).dataset.probabilities!) as number[],
      })),
    );
    expect(figures).toHaveLength(2);

    const cli = spawnSync(
      process.execPath,
      ['dist/predict.js', '--model', dir, '--json', join(dir, 'predictions.json'), ...IMAGES],
      { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } },
    );
    expect(cli.status, cli.stderr).toBe(0);
    const { predictions } = JSON.parse(readFileSync(join(dir, 'predictions.json'), 'utf8')) as {
      predictions: { caption: string; probabilities: Record<string, number> }[];
    };
    predictions.forEach((p, i) => {
      expect(figures[i].caption).toMatch(/^\d+% (alien|predator), \d+% (alien|predator)$/);
      expect(figures[i].caption).toBe(p.caption);
      const want = [p.probabilities.alien, p.probabilities.predator];
      figures[i].probabilities.forEach((got, k) => expect(Math.abs(got - want[k])).toBeLessThan(1e-5));
    });
    // A second run with the same files keeps the backbone and classifier: warm, same captions.
    await page.evaluate(() => (document.querySelector('#status')!.textContent = ''));
    await page.click('#run');
    await page.waitForFunction(() => /images in|error/.test(document.querySelector('#status')!.textContent!), null, {
      timeout: 300_000,
    });
    expect(await page.textContent('#status')).toMatch(/^2 images in [\d.]+ s \(backbone kept loaded: warm\)$/);
    expect(await page.$$eval('#results figcaption', (all) => all.map((f) => f.textContent))).toEqual(
      figures.map((f) => f.caption),
    );
  }, 600_000);

  it('bench: times our kernels beside TF.js and gives the results as JSON', async () => {
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
