// Speed in a web page, in headless Chromium on its adapter (SwiftShader where there is no GPU):
// - ResNet-50 feature extraction: the bench page's whole-network case, ours beside TF.js's
//   WebGPU backend running the same topology and weights in the same page;
// - the training page driven as a person would: a folder of N images per class, a quarter held
//   out, feature images/s (frozen recipe, no augmentation: one backbone pass per image) and the
//   time of one epoch of the article's pytorch recipe (augmented, batch statistics).
//   node dist/bench-page.js --data DIR [options] (see --help)
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { UsageError, type Values } from '../src/cli/args.js';
import { compareFileNames } from '../src/data/split.js';
import type { CaseResult } from './kernel-cases.js';
import { serveDirectory } from './site.js';
import { printTable, runBench, writeJsonAtomic } from './util.js';

const COMMAND = {
  command: 'node dist/bench-page.js',
  summary:
    "ResNet-50 feature extraction in a page, ours beside TensorFlow.js's WebGPU backend, and the training " +
    "page's feature images/s and epoch time, in headless Chromium.",
  options: {
    data: {
      type: 'string',
      value: 'DIR',
      description: 'dataset folder with train/<class>/ images (e.g. ../shared/datasets/alien-vs-predator) (required)',
    },
    images: { type: 'integer', min: 2, default: 8, description: 'images per class the training page gets' },
    batch: { type: 'integer', min: 1, default: 2, description: 'batch of the ResNet-50 forward case' },
    runs: { type: 'integer', min: 1, default: 1, description: 'timed forwards per side (the median is reported)' },
    chromium: { type: 'string', value: 'FILE', default: '/usr/bin/chromium', description: 'Chromium to run' },
    json: { type: 'string', value: 'FILE', description: 'write the results as JSON' },
  },
} as const;

const HOUR = 3_600_000;

async function forwardInPage(page: Page, origin: string, batch: number, runs: number): Promise<CaseResult> {
  await page.goto(`${origin}/bench.html?batch=${batch}&runs=${runs}&resnet=1&only=resnet50`);
  await page.click('#run');
  await page.waitForFunction(() => /^done|error/.test(document.querySelector('#status')!.textContent!), null, {
    timeout: HOUR,
  });
  const status = (await page.textContent('#status'))!;
  if (!status.startsWith('done')) throw new Error(`the bench page says: ${status}`);
  const json = JSON.parse((await page.textContent('#json'))!) as { results: CaseResult[] };
  return json.results[0];
}

/** One training run on the page; returns its status line and the epochs' records. */
async function trainOnPage(page: Page, settings: Record<string, string>) {
  for (const [id, value] of Object.entries(settings)) {
    if (id === 'recipe' || id === 'augment') await page.selectOption(`#${id}`, value);
    else await page.fill(`#${id}`, value);
  }
  const start = performance.now();
  await page.click('#train');
  await page.waitForFunction(() => !(document.querySelector('#train') as HTMLButtonElement).disabled, null, {
    timeout: HOUR,
    polling: 500,
  });
  const seconds = (performance.now() - start) / 1000;
  const status = (await page.textContent('#train-status'))!;
  if (!status.startsWith('trained'))
    throw new Error(`the training page says: ${status} ${await page.textContent('#status')}`);
  const records = await page.$$eval('#history tr[data-epoch]', (trs) =>
    trs.map((tr) => JSON.parse((tr as HTMLElement).dataset.record!) as { seconds: number; imagesPerSecond: number }),
  );
  const last = records.at(-1)!;
  return { seconds, epochSeconds: last.seconds, epochImagesPerSecond: last.imagesPerSecond };
}

async function main(v: Values<typeof COMMAND.options>): Promise<void> {
  if (!v.data) throw new UsageError('--data DIR is required');
  const classes = readdirSync(join(v.data, 'train')).sort();
  const folder = mkdtempSync(join(tmpdir(), 'bench-page-'));
  for (const c of classes) {
    const files = readdirSync(join(v.data, 'train', c))
      .sort(compareFileNames)
      .slice(0, v.images);
    mkdirSync(join(folder, 'train', c), { recursive: true });
    for (const f of files) copyFileSync(join(v.data, 'train', c, f), join(folder, 'train', c, f));
  }
  const { chromium } = await import('playwright');
  const site = await serveDirectory();
  const browser = await chromium.launch({ executablePath: v.chromium, args: ['--enable-unsafe-webgpu'] });
  try {
    const page = await browser.newPage();
    const forward = await forwardInPage(page, site.origin, v.batch, v.runs);
    process.stderr.write('forward done\n');

    await page.goto(`${site.origin}/`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: HOUR });
    await page.fill('#weights-seed', '1');
    await page.click('#weights-random');
    await page.waitForFunction(() => /^backbone ready/.test(document.querySelector('#status')!.textContent!));
    await page.setInputFiles('#folder', folder);
    await page.waitForFunction(() => /images in \d+ classes$/.test(document.querySelector('#status')!.textContent!));
    const total = classes.length * v.images;
    const frozen = await trainOnPage(page, { recipe: 'frozen', augment: 'none', epochs: '1', 'val-share': '0.25' });
    process.stderr.write('frozen done\n');
    const pytorch = await trainOnPage(page, { recipe: 'pytorch', augment: 'full', epochs: '1', 'val-share': '0.25' });
    const adapter = (await page.textContent('#adapter'))!.replace(/^WebGPU: /, '');
    const result = {
      date: new Date().toISOString(),
      command: `node dist/bench-page.js ${process.argv.slice(2).join(' ')}`,
      adapter,
      userAgent: await page.evaluate(() => navigator.userAgent),
      forward: {
        batch: v.batch,
        runs: v.runs,
        ours: { ms: forward.ours.ms, imagesPerSecond: (v.batch * 1000) / forward.ours.ms, gflops: forward.ours.gflops },
        peer: forward.peer && {
          name: forward.peer.name,
          ms: forward.peer.ms,
          imagesPerSecond: (v.batch * 1000) / forward.peer.ms,
          gflops: forward.peer.gflops,
        },
        ratio: forward.ratio,
        logitsRelativeDifference: forward.relativeDifference,
      },
      trainingPage: {
        images: total,
        heldOutShare: 0.25,
        featuresPerSecond: total / frozen.seconds,
        frozenRunSeconds: frozen.seconds,
        pytorchEpochSeconds: pytorch.epochSeconds,
        pytorchEpochImagesPerSecond: pytorch.epochImagesPerSecond,
        pytorchRunSeconds: pytorch.seconds,
      },
    };
    const f = result.forward;
    printTable(
      ['ResNet-50 forward', 'batch', 'ms', 'images/s', 'GFLOP/s'],
      [
        ['ours', String(v.batch), f.ours.ms.toFixed(0), f.ours.imagesPerSecond.toFixed(3), f.ours.gflops.toFixed(2)],
        f.peer
          ? [
              f.peer.name,
              String(v.batch),
              f.peer.ms.toFixed(0),
              f.peer.imagesPerSecond.toFixed(3),
              f.peer.gflops.toFixed(2),
            ]
          : ['tfjs', '-', '-', '-', '-'],
      ],
    );
    console.log(
      `ratio ${f.ratio?.toFixed(2)}x, logits relative difference ${f.logitsRelativeDifference?.toExponential(1)}`,
    );
    const t = result.trainingPage;
    printTable(
      ['training page', 'images', 'value'],
      [
        ['feature extraction (frozen, no augmentation)', String(total), `${t.featuresPerSecond.toFixed(3)} images/s`],
        ['one epoch, pytorch recipe (augmented)', String(total), `${t.pytorchEpochSeconds.toFixed(1)} s`],
      ],
    );
    if (v.json) writeJsonAtomic(v.json, result);
  } finally {
    await browser.close();
    site.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

runBench(COMMAND, main);
