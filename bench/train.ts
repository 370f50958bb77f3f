// Training throughput and the full training run of deepsense.ai's "Keras vs. PyTorch"
// article, ours beside the article's PyTorch recipe (Debian's PyTorch on the same machine,
// --threads threads) as the peer, in the same run.
//   node dist/bench-train.js --data DIR [options] (see --help)
// step: images/s of one training step at the article's batch size (augmented resize + forward
// + head backward + Adam) under each recipe (pytorch: train-mode batchnorm with running
// updates, as the peer's model.train(); keras: batch statistics, caffe data path, on synthetic
// Keras weights; frozen: folded inference batchnorm); the peer's is the pytorch recipe's.
// full: wall time of --epochs epochs over all images with the article's settings (the pytorch
// recipe), decoding included.
import { RECIPES, RECIPE_NAMES, type RecipeName, recipeAdam } from '../src/train/recipe.js';
import { BatchStatsResNet } from '../src/model/resnet-train.js';
import { spawnSync } from 'node:child_process';
import { Head, initHead } from '../src/autograd/head.js';
import { randomAugmentation } from '../src/data/augment.js';
import { seededRandom } from '../src/util/random.js';
import { decodeAll } from '../src/data/decode-all.node.js';
import { readImageFolders } from '../src/data/folders.node.js';
import { Gpu } from '../src/gpu/context.js';
import { loadBackbone, syntheticBackbone } from '../src/model/backbone.js';
import { readBackboneWeights } from '../src/model/load.node.js';
import { backboneFeatures } from '../src/train/features.js';
import { ARTICLE_SETTINGS, train } from '../src/cli/train-job.js';
import { type Values, required } from '../src/cli/args.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, warmUp } from './measure.js';
import { syntheticImages } from '../src/model/synthetic.js';
import { runBench, printTable, resultsHeader, writeJsonAtomic } from './util.js';

interface PeerResult {
  threads: number;
  step: { batch: number; seconds: number; imagesPerSecond: number };
  full?: { epochs: number; seconds: number };
}

function runPeer(data: string, epochs: number, threads: number, steps: number, full: boolean): PeerResult | string {
  const r = spawnSync(
    '/usr/bin/python3',
    [
      'tools/pytorch-train-peer.py',
      data,
      '--epochs',
      String(epochs),
      '--threads',
      String(threads),
      '--steps',
      String(steps),
      ...(full ? [] : ['--no-full']),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.error || r.status !== 0)
    return `PyTorch peer failed: ${(r.error?.message ?? r.stderr.trim().split('\n').pop()) || `exit ${r.status}`}`;
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const COMMAND = {
  command: 'node dist/bench-train.js',
  summary:
    "Training-step images/s and the article's full training run, ours beside the article's PyTorch recipe run " +
    "by Debian's PyTorch on the same machine.",
  options: {
    data: {
      type: 'string',
      value: 'DIR',
      description: 'dataset folder with train/<class>/ and validation/<class>/ (required)',
    },
    weights: {
      type: 'string',
      value: 'FILE|random:SEED',
      default: 'random:1',
      description: 'backbone weights (speed does not depend on them)',
    },
    epochs: { type: 'integer', min: 1, default: ARTICLE_SETTINGS.epochs, description: 'epochs of the full run' },
    steps: { type: 'integer', min: 1, default: 3, description: 'timed training steps (the median is reported)' },
    threads: { type: 'integer', min: 1, default: 2, description: "the PyTorch peer's CPU threads" },
    'no-full': { type: 'flag', description: 'time the training step only' },
    'no-peer': { type: 'flag', description: 'skip the PyTorch peer' },
    json: { type: 'string', value: 'FILE', description: 'write the results as JSON' },
  },
} as const;

/** The wall time of the Keras run reported in the "Keras vs. PyTorch" article, for the record. */
const ARTICLE_KERAS_SECONDS = 1426;

async function main(v: Values<typeof COMMAND.options>): Promise<void> {
  const data = required('data', v.data);
  const { epochs, steps, threads, weights: weightsArg } = v;
  const full = !v['no-full'];
  const { batchSize } = ARTICLE_SETTINGS;
  const dataset = readImageFolders(data);
  const weights = readBackboneWeights(weightsArg);
  const gpu = await Gpu.create();
  try {
    // One training step at the article's batch size.
    const batch = dataset.splits.train.slice(0, batchSize);
    const { images } = await decodeAll(
      batch.map((s) => s.file),
      { skipBad: false },
    );
    const labels = Uint32Array.from(batch, (s) => s.label);
    const decoded = images.map((i) => i!);
    // One training step of each recipe: its backbone mode, preprocessing and head flavour.
    const stepMs = {} as Record<RecipeName, number>;
    for (const name of RECIPE_NAMES) {
      const recipe = RECIPES[name];
      const backbone = recipe.weights === 'keras' ? syntheticBackbone(1, 'keras_resnet50') : weights;
      const model = recipe.batchNorm
        ? BatchStatsResNet.load(gpu, backbone, recipe.batchNorm)
        : loadBackbone(gpu, backbone);
      const shape = {
        features: model.plan.featureSize,
        hidden: ARTICLE_SETTINGS.hidden,
        classes: dataset.classes.length,
      };
      const head = new Head(gpu, shape, initHead(shape, 0), recipeAdam(recipe, 1e-3), undefined, recipe.loss);
      const random = seededRandom(1);
      const step = async () => {
        const features = await backboneFeatures(
          gpu,
          model,
          decoded,
          batch.map(() => randomAugmentation(backbone.preprocessing, ARTICLE_SETTINGS.augment, random)),
          recipe.fill,
          backbone.preprocessing,
        );
        const y = gpu.upload(labels, [labels.length]);
        const { loss, logits } = await head.trainStep(features, y);
        await loss.read();
        for (const t of [features, y, loss, logits]) t.release();
      };
      await warmUp(step);
      const times: number[] = [];
      for (let i = 0; i < steps; i++) times.push((await gpu.measure(step)).wallMs);
      head.destroy();
      model.destroy();
      stepMs[name] = median(times);
      process.stderr.write(`${name} step done: ${stepMs[name].toFixed(0)} ms\n`);
    }

    // The inference forward at the same batch, on an input already on the GPU: what a training
    // step costs at least (the head and Adam are small beside it).
    let forwardMs: number;
    {
      const model = loadBackbone(gpu, weights);
      const size = weights.preprocessing.size;
      const input = gpu.upload(syntheticImages(2, batch.length, size), [batch.length, size, size, 3]);
      const forward = async () => {
        const out = await model.forward(input, { logits: false });
        await out.features.read();
        out.features.release();
      };
      await warmUp(forward);
      const times: number[] = [];
      for (let i = 0; i < steps; i++) times.push((await gpu.measure(forward)).wallMs);
      forwardMs = median(times);
      input.release();
      model.destroy();
      process.stderr.write(`inference forward done: ${forwardMs.toFixed(0)} ms\n`);
    }

    let fullSeconds: number | null = null;
    if (full) {
      const out = mkdtempSync(join(tmpdir(), 'bench-train-'));
      const start = performance.now();
      await train(gpu, weights, dataset, {
        ...ARTICLE_SETTINGS,
        fill: RECIPES[ARTICLE_SETTINGS.recipe].fill,
        data,
        validationSplit: null,
        epochs,
        seed: 0,
        limit: null,
        out,
        skipBadImages: false,
        resume: null,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      fullSeconds = (performance.now() - start) / 1000;
      rmSync(out, { recursive: true, force: true });
    }
    const peer = v['no-peer'] ? 'skipped (--no-peer)' : runPeer(data, epochs, threads, steps, full);
    const p = typeof peer === 'string' ? null : peer;
    const stepOf = (name: RecipeName) => ({
      batch: batch.length,
      ms: stepMs[name],
      imagesPerSecond: (batch.length * 1000) / stepMs[name],
      overForward: stepMs[name] / forwardMs,
    });
    const ours = {
      forward: { batch: batch.length, ms: forwardMs, imagesPerSecond: (batch.length * 1000) / forwardMs },
      step: stepOf('pytorch'),
      recipes: Object.fromEntries(RECIPE_NAMES.map((name) => [name, stepOf(name)])),
      full: fullSeconds === null ? null : { recipe: ARTICLE_SETTINGS.recipe, epochs, seconds: fullSeconds },
    };
    const peerName = `pytorch ${threads} threads (article recipe)`;
    const rows = [
      [`inference forward, batch ${batch.length} (images/s)`, ours.forward.imagesPerSecond.toFixed(2), '-', '-'],
      ...RECIPE_NAMES.map((name) => [
        `training step, --recipe ${name}, batch ${batch.length} (images/s; ` +
          `${ours.recipes[name].overForward.toFixed(2)}x the forward's time)`,
        ours.recipes[name].imagesPerSecond.toFixed(2),
        name === 'pytorch' && p ? p.step.imagesPerSecond.toFixed(2) : '-',
        name === 'pytorch' && p ? `${(ours.recipes[name].imagesPerSecond / p.step.imagesPerSecond).toFixed(2)}x` : '-',
      ]),
      [
        `full run, --recipe ${ARTICLE_SETTINGS.recipe}, ${epochs} epochs (s)`,
        fullSeconds === null ? '-' : fullSeconds.toFixed(0),
        p?.full ? p.full.seconds.toFixed(0) : '-',
        fullSeconds !== null && p?.full ? `${(p.full.seconds / fullSeconds).toFixed(2)}x` : '-',
      ],
    ];
    printTable(
      ['measure', '', 'ours', peerName, 'ratio'].filter((_, i) => i !== 1),
      rows,
    );
    if (typeof peer === 'string') console.log(peer);
    if (v.json) {
      writeJsonAtomic(v.json, {
        ...resultsHeader(gpu, 'bench-train.js'),
        data,
        images: { train: dataset.splits.train.length, validation: dataset.splits.validation.length },
        weights: weightsArg,
        ours,
        peer: p ? { name: peerName, step: p.step, full: p.full ?? null } : { name: peerName, error: peer },
        ratios: {
          step: p ? ours.step.imagesPerSecond / p.step.imagesPerSecond : null,
          full: fullSeconds !== null && p?.full ? p.full.seconds / fullSeconds : null,
        },
        articleKerasSeconds: ARTICLE_KERAS_SECONDS,
      });
    }
  } finally {
    gpu.destroy();
  }
}

runBench(COMMAND, main);
