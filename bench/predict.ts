// Cold and warm predictions of one image through the library's Classifier, in Node and in the
// training page (headless Chromium), beside each other: cold includes loading the backbone
// (and, on the page, importing the model); warm reuses the loaded backbone and classifier.
// In Node, also a first run on a machine that has compiled nothing ("cold compile": a fresh
// process with the driver's shader cache turned off) of the prediction and of a 2-image fit.
//   node dist/bench-predict.js --image FILE [options] (see --help)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backbone } from '../src/api/backbone.js';
import { Classifier } from '../src/api/classifier.js';
import type { Values } from '../src/cli/args.js';
import { UsageError } from '../src/cli/args.js';
import { Gpu } from '../src/gpu/context.js';
import { readImage } from '../src/image/files.node.js';
import { readBackboneWeights } from '../src/model/load.node.js';
import { median } from './measure.js';
import { serveDirectory } from './site.js';
import { printTable, resultsHeader, runBench, writeJsonAtomic } from './util.js';

const COMMAND = {
  command: 'node dist/bench-predict.js',
  summary:
    'Seconds to predict one image with a saved classifier, cold (the backbone loaded first) and warm (kept ' +
    'loaded), through the library in Node and in the training page in headless Chromium; in Node also a ' +
    "first run with the driver's shader cache off (cold compile) of that prediction and of a 2-image fit.",
  options: {
    image: { type: 'string', value: 'FILE', description: 'the image to classify (JPEG or PNG) (required)' },
    weights: {
      type: 'string',
      value: 'FILE|random:SEED',
      default: 'random:1',
      description: 'backbone weights (speed does not depend on them)',
    },
    runs: { type: 'integer', min: 1, default: 5, description: 'warm predictions timed (the median is reported)' },
    chromium: { type: 'string', value: 'FILE', default: '/usr/bin/chromium', description: 'Chromium for the page' },
    'no-page': { type: 'flag', description: 'skip the training page' },
    json: { type: 'string', value: 'FILE', description: 'write the results as JSON' },
  },
} as const;

const seconds = (since: number) => (performance.now() - since) / 1000;

/** The environment variable that makes this script a cold-compile child (its value: what to run). */
const CHILD = 'BENCH_PREDICT_COLD';
/**
 * Shader caches turned off for a cold-compile child: Mesa's (lavapipe, llvmpipe) and NVIDIA's
 * disk caches; Dawn in Node keeps none of its own.
 */
const NO_SHADER_CACHE = { MESA_SHADER_CACHE_DISABLE: 'true', __GL_SHADER_DISK_CACHE: '0' };

/**
 * One cold-compile child: loads the backbone and predicts `image`, or fits a classifier on two
 * copies of it (one per class, 1 epoch, the default settings), then does the same again warm.
 */
async function coldChild(what: string, weights: string, image: string): Promise<void> {
  const start = performance.now();
  const gpu = await Gpu.create({ log: false });
  try {
    const backbone = await Backbone.load(readBackboneWeights(weights), { gpu });
    const rgb = readImage(image);
    const run = async () => {
      const classifier = Classifier.create(backbone, ['alien', 'predator']);
      if (what === 'fit') await classifier.fit({ images: [rgb, rgb], labels: [0, 1] }, { epochs: 1 });
      else await classifier.predict(rgb);
      classifier.dispose();
    };
    await run();
    const cold = seconds(start);
    const again = performance.now();
    await run();
    process.stdout.write(JSON.stringify({ coldCompileSeconds: cold, warmSeconds: seconds(again) }));
  } finally {
    gpu.destroy();
  }
}

/** A cold-compile child's figures: this script run again with no shader cache. */
function coldCompile(what: 'predict' | 'fit', weights: string, image: string) {
  const out = execFileSync(process.execPath, [process.argv[1], '--image', image, '--weights', weights], {
    env: { ...process.env, ...NO_SHADER_CACHE, [CHILD]: what },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.toString()) as { coldCompileSeconds: number; warmSeconds: number };
}

async function inNode(v: Values<typeof COMMAND.options>, image: string, dir: string) {
  const gpu = await Gpu.create({ log: false });
  try {
    const start = performance.now();
    const backbone = await Backbone.load(readBackboneWeights(v.weights), { gpu });
    const classifier = Classifier.create(backbone, ['alien', 'predator']);
    const rgb = readImage(image);
    await classifier.predict(rgb);
    const cold = seconds(start);
    const warm: number[] = [];
    for (let i = 0; i < v.runs; i++) {
      const t = performance.now();
      await classifier.predict(rgb);
      warm.push(seconds(t));
    }
    // The model the page loads: the same classifier's files.
    const { modelJson, head } = await classifier.toBytes();
    writeFileSync(join(dir, 'model.json'), modelJson);
    writeFileSync(join(dir, 'head.safetensors'), head);
    classifier.dispose();
    backbone.dispose();
    return { coldSeconds: cold, warmSeconds: median(warm), adapter: resultsHeader(gpu, 'bench-predict.js').adapter };
  } finally {
    gpu.destroy();
  }
}

/** The training page: a model imported, then images predicted; its status line gives the seconds. */
async function inPage(v: Values<typeof COMMAND.options>, image: string, dir: string) {
  const { chromium } = await import('playwright');
  const site = await serveDirectory();
  const browser = await chromium.launch({ executablePath: v.chromium, args: ['--enable-unsafe-webgpu'] });
  try {
    const page = await browser.newPage();
    await page.goto(`${site.origin}/`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 120_000 });
    const untilStatus = (pattern: string) =>
      page.waitForFunction(
        (p) => {
          const s = document.querySelector('#status')!;
          return new RegExp(p).test(s.textContent!) || s.classList.contains('error');
        },
        pattern,
        { timeout: 600_000 },
      );
    const start = performance.now();
    const seed = /^random:(\d+)$/.exec(v.weights);
    if (seed) {
      await page.fill('#weights-seed', seed[1]);
      await page.click('#weights-random');
    } else await page.setInputFiles('#weights-file', v.weights);
    await untilStatus('^backbone ready');
    await page.setInputFiles('#import', [join(dir, 'model.json'), join(dir, 'head.safetensors')]);
    await untilStatus('loaded; predict');
    const predict = async () => {
      await page.evaluate(() => (document.querySelector('#status')!.textContent = ''));
      const t = performance.now();
      await page.setInputFiles('#predict-files', [image]);
      await untilStatus('predicted in');
      const status = (await page.textContent('#status'))!;
      if (!/^1 image predicted in/.test(status)) throw new Error(`the training page says: ${status}`);
      return seconds(t);
    };
    await predict();
    const cold = seconds(start);
    const warm: number[] = [];
    for (let i = 0; i < v.runs; i++) warm.push(await predict());
    const adapter = (await page.textContent('#adapter'))!.replace(/^WebGPU: /, '');
    return {
      coldSeconds: cold,
      warmSeconds: median(warm),
      adapter,
      userAgent: await page.evaluate(() => navigator.userAgent),
    };
  } finally {
    await browser.close();
    site.close();
  }
}

async function main(v: Values<typeof COMMAND.options>): Promise<void> {
  if (!v.image) throw new UsageError('--image FILE is required');
  const child = process.env[CHILD];
  if (child) return coldChild(child, v.weights, v.image);
  const dir = mkdtempSync(join(tmpdir(), 'bench-predict-'));
  try {
    const coldPredict = coldCompile('predict', v.weights, v.image);
    const coldFit = coldCompile('fit', v.weights, v.image);
    process.stderr.write('cold compiles done\n');
    const node = { ...(await inNode(v, v.image, dir)), coldCompileSeconds: coldPredict.coldCompileSeconds };
    process.stderr.write('node done\n');
    const page = v['no-page'] ? null : await inPage(v, v.image, dir);
    const fit = { coldCompileSeconds: coldFit.coldCompileSeconds, warmSeconds: coldFit.warmSeconds };
    type Row = { coldCompileSeconds?: number; coldSeconds?: number; warmSeconds: number } | null;
    const row = (name: string, r: Row) => [
      name,
      r?.coldCompileSeconds?.toFixed(2) ?? '-',
      r?.coldSeconds?.toFixed(2) ?? '-',
      r ? r.warmSeconds.toFixed(3) : '-',
      r?.coldSeconds ? (r.coldSeconds / r.warmSeconds).toFixed(1) : '-',
    ];
    printTable(
      ['where', 'cold compile s', 'cold s', 'warm s', 'cold/warm'],
      [row('node predict', node), row('node fit, 2 images', fit), row('training page predict', page)],
    );
    if (v.json)
      writeJsonAtomic(v.json, {
        date: new Date().toISOString(),
        command: `node dist/bench-predict.js ${process.argv.slice(2).join(' ')}`,
        weights: v.weights,
        runs: v.runs,
        node,
        fit,
        page,
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench(COMMAND, main);
