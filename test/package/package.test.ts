// The package as a user gets it: `npm pack`, installed into a fresh project that cannot see
// this repository's sources, where TypeScript compiles a consumer against the shipped
// declarations, the command runs, the Node example trains, saves and loads, and the browser
// entry predicts in headless Chromium through an import map.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { chromium } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_ENV, startServer } from '../support/tools.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const DATA = resolve('../shared/datasets/alien-vs-predator');
const ready = existsSync('dist/index.js') && existsSync('dist/types/index.d.ts') && existsSync(DATA);

function run(command: string, args: string[], cwd: string, timeout = 300_000) {
  const r = spawnSync(command, args, { cwd, env: TOOL_ENV, encoding: 'utf8', timeout });
  return { ...r, output: `${r.stdout}\n${r.stderr}` };
}

describe.skipIf(!ready)('the npm package, installed outside the repo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'package-'));
  const project = join(dir, 'consumer');
  let packed: { filename: string; size: number; unpackedSize: number; files: { path: string }[] };

  beforeAll(() => {
    const pack = run('npm', ['pack', '--json', '--pack-destination', dir], process.cwd());
    expect(pack.status, pack.output).toBe(0);
    packed = JSON.parse(pack.stdout)[0];
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const install = run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, packed.filename)],
      project,
    );
    expect(install.status, install.output).toBe(0);
  }, 600_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds what runs and nothing else', () => {
    const files = packed.files.map((f) => f.path);
    for (const f of [
      'package.json',
      'LICENSE',
      'README.md',
      'dist/index.js',
      'dist/cli.js',
      'dist/train.js',
      'dist/decode-worker.js',
      'dist/fixtures/resnet50-golden.safetensors',
      'dist/browser/webgpu-transfer.js',
      'dist/browser/webgpu-transfer-internals.js',
      'dist/browser/index.html',
      'dist/browser/train.js',
      'dist/types/index.d.ts',
      'dist/types/index.node.d.ts',
      'dist/internals.js',
      'dist/types/internals.d.ts',
    ])
      expect(files).toContain(f);
    expect(files.filter((f) => /^(src|test|bench|tools|shaders)\/|\.map$|^dist\/bench/.test(f))).toEqual([]);
    expect(packed.size).toBeLessThan(4 * 2 ** 20);
  });

  it('compiles a strict TypeScript consumer against the shipped declarations, and runs the command', () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      [
        "import { Backbone, Classifier, type Prediction, LabelError } from 'webgpu-transfer';",
        "import { KERNEL_VARIANTS } from 'webgpu-transfer/internals';",
        'console.log(KERNEL_VARIANTS.length);',
        "const backbone: Backbone = await Backbone.load('random:1');",
        "const classifier = Classifier.create(backbone, ['alien', 'predator'], { recipe: 'frozen', hidden: 64 });",
        "await classifier.fit('data', { epochs: 1, onEpoch: (e) => console.log(e.train.loss.toFixed(3)) });",
        "const p: Prediction[] = await classifier.predict(['a.jpg', new Uint8Array(4)]);",
        'console.log(p[0].probabilities.alien, new LabelError("x").name);',
        'const { modelJson, head } = await classifier.toBytes();',
        'await Classifier.fromBytes(backbone, modelJson, head);',
        '// @ts-expect-error: predict takes images, not numbers',
        'await classifier.predict(42);',
        'classifier.dispose();',
      ].join('\n'),
    );
    // The shipped declarations as a strict consumer sees them: no skipLibCheck, no types of its
    // own (@webgpu/types comes with them), under Node's resolution and a bundler's.
    for (const [module, moduleResolution] of [
      ['NodeNext', 'NodeNext'],
      ['ESNext', 'Bundler'],
    ]) {
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module,
            moduleResolution,
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            lib: ['ES2022', 'DOM'],
          },
          files: ['consumer.ts'],
        }),
      );
      const tsc = run(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', project], project);
      expect(tsc.status, `${moduleResolution}: ${tsc.output}`).toBe(0);
    }
    const version = run(join(project, 'node_modules/.bin/webgpu-transfer'), ['--version'], project);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    const help = run(join(project, 'node_modules/.bin/webgpu-transfer'), ['train', '--help'], project);
    expect(help.status, help.output).toBe(0);
    expect(help.stdout).toMatch(/--data DIR/);
    // The installed command names itself, not a clone's dist/.
    expect(help.stdout).toMatch(/^usage: npx webgpu-transfer train \[options\]/);
    const noWeights = run(join(project, 'node_modules/.bin/webgpu-transfer'), ['train', '--data', 'data'], project);
    expect(noWeights.status).toBe(2);
    expect(noWeights.stderr).toMatch(/run 'npx webgpu-transfer fetch-weights' to download/);
  });

  it('serves the training page from the install', async () => {
    const bin = join(project, 'node_modules/.bin/webgpu-transfer');
    const { url, server } = await startServer(bin, ['serve', '--port', '0'], project);
    try {
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/webgpu-transfer-internals\.js/);
      for (const file of ['train.js', 'webgpu-transfer-internals.js'])
        expect((await fetch(`${url}${file}`)).status, file).toBe(200);
    } finally {
      server.kill();
    }
  });

  it('runs the Node example (fit, predict, save, load: same probabilities), then the page in Chromium', async () => {
    copyFileSync('examples/node.mjs', join(project, 'node.mjs'));
    const example = run(
      process.execPath,
      ['node.mjs', DATA, '--weights', 'random:1', '--limit', '1', '--epochs', '2', '--out', 'model'],
      project,
      600_000,
    );
    expect(example.status, example.output).toBe(0);
    expect(example.stdout).toMatch(/^epoch 2: /m);
    expect(example.stdout).toMatch(/the loaded model predicts the same probabilities/);
    expect(existsSync(join(project, 'model/model.json'))).toBe(true);

    // The command predicts the image the page will.
    const image = join(DATA, 'validation/alien/0.jpg');
    copyFileSync(image, join(project, 'image.jpg'));
    const cli = run(
      join(project, 'node_modules/.bin/webgpu-transfer'),
      ['predict', '--model', 'model', 'image.jpg'],
      project,
    );
    expect(cli.status, cli.output).toBe(0);
    const want = /^image\.jpg: (.*)$/m.exec(cli.stdout)![1];

    if (!existsSync(CHROMIUM)) return;
    copyFileSync('examples/browser.html', join(project, 'browser.html'));
    copyFileSync('examples/browser.js', join(project, 'browser.js'));
    const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };
    const server: Server = createServer((request, response) => {
      const path = join(project, decodeURIComponent(new URL(request.url!, 'http://localhost').pathname));
      if (!path.startsWith(project) || !existsSync(path)) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' });
      response.end(readFileSync(path));
    }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--enable-unsafe-webgpu'] });
    try {
      const page = await browser.newPage();
      const port = (server.address() as { port: number }).port;
      await page.goto(`http://127.0.0.1:${port}/browser.html?model=model&weights=random:1&image=image.jpg`);
      await page.waitForFunction(() => !/loading/.test(document.querySelector('#caption')!.textContent!), null, {
        timeout: 300_000,
      });
      expect(await page.textContent('#caption')).toBe(want);
    } finally {
      await browser.close();
      server.close();
    }
  }, 900_000);
});
