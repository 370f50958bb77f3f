// The f16 storage path's accuracy on a dataset: features of every validation image at f16
// against f32 (relative L2 per image), and the class a head trained on the f32 features gives
// each validation image from its f16 features against from its f32 ones; with the time of each
// precision's features, measured in the same run.
//   node dist/bench-precision.js --data DIR [options] (see --help)
import { Head, initHead } from '../src/autograd/head.js';
import { type Values, required } from '../src/cli/args.js';
import { decodeAll } from '../src/data/decode-all.node.js';
import { readImageFolders } from '../src/data/folders.node.js';
import { Gpu } from '../src/gpu/context.js';
import type { Precision } from '../src/gpu/shader.js';
import type { RgbImage } from '../src/image/format.js';
import { loadBackbone } from '../src/model/backbone.js';
import { readBackboneWeights } from '../src/model/load.node.js';
import { relativeError } from '../src/reference/cpu.js';
import { argmax, featuresOf, fitHead } from '../src/train/fit.js';
import { resolveSettings } from '../src/train/settings.js';
import { median } from './measure.js';
import { printTable, resultsHeader, runBench, writeJsonAtomic } from './util.js';

const COMMAND = {
  command: 'node dist/bench-precision.js',
  summary:
    "ResNet features of a dataset's validation images at f16 storage against f32, and the classes a head " +
    'trained on the f32 training features gives from each (the frozen recipe, 3 epochs).',
  options: {
    data: { type: 'string', value: 'DIR', description: 'dataset folder (train/<class>/, validation/<class>/)' },
    weights: {
      type: 'string',
      value: 'FILE|random:SEED',
      default: 'weights/resnet50.safetensors',
      description: 'backbone weights',
    },
    limit: { type: 'integer', min: 1, value: 'N', description: 'at most N images per class and split' },
    json: { type: 'string', value: 'FILE', description: 'write the results as JSON' },
  },
} as const;

const BATCH = 32;
const EPOCHS = 3;

async function main(v: Values<typeof COMMAND.options>): Promise<void> {
  const data = required('data', v.data);
  const dataset = readImageFolders(data, v.limit ?? Infinity);
  const weights = readBackboneWeights(v.weights);
  const files = [...dataset.splits.train, ...dataset.splits.validation];
  const { images } = await decodeAll(
    files.map((s) => s.file),
    { skipBad: false },
  );
  const nTrain = dataset.splits.train.length;
  const trainImages = images.slice(0, nTrain) as RgbImage[];
  const valImages = images.slice(nTrain) as RgbImage[];
  const gpu = await Gpu.create();
  try {
    if (!gpu.hasF16) throw new Error('this adapter has no shader-f16');
    const features = async (precision: Precision, list: RgbImage[]) => {
      const model = loadBackbone(gpu, weights, precision);
      const start = performance.now();
      const out = await featuresOf(gpu, model, list, BATCH, weights.preprocessing);
      const seconds = (performance.now() - start) / 1000;
      model.destroy();
      return { out, seconds };
    };
    const train32 = await features('f32', trainImages);
    const val32 = await features('f32', valImages);
    const val16 = await features('f16', valImages);
    const F = val32.out.length / valImages.length;
    const errors = valImages.map((_, i) =>
      relativeError(val16.out.subarray(i * F, (i + 1) * F), val32.out.subarray(i * F, (i + 1) * F)),
    );
    // A head trained on the f32 features (the frozen recipe: inference-mode backbone, no augmentation).
    const classes = dataset.classes.length;
    const shape = { features: F, hidden: 128, classes };
    const head = new Head(gpu, shape, initHead(shape, 0), { lr: 1e-3 });
    const labels = (split: 'train' | 'validation') => dataset.splits[split].map((s) => s.label);
    const { history } = await fitHead(
      gpu,
      weights,
      head,
      { images: [], labels: labels('train'), features: train32.out },
      { images: [], labels: labels('validation'), features: val32.out },
      { ...resolveSettings({ recipe: 'frozen', augment: 'none', batchSize: BATCH, epochs: EPOCHS }), firstEpoch: 1 },
    );
    const predicted = async (rows: Float32Array) => {
      const x = gpu.upload(rows, [valImages.length, F]);
      const p = await head.probabilities(x);
      x.release();
      return valImages.map((_, i) => argmax(p.subarray(i * classes, (i + 1) * classes)));
    };
    const [classes32, classes16] = [await predicted(val32.out), await predicted(val16.out)];
    head.destroy();
    const agree = classes32.filter((c, i) => c === classes16[i]).length;
    const truth = labels('validation');
    const accuracy = (c: number[]) => c.filter((k, i) => k === truth[i]).length / c.length;
    const result = {
      weights: weights.source,
      images: { train: nTrain, validation: valImages.length },
      featureRelativeL2: { max: Math.max(...errors), median: median(errors) },
      sameClass: { agree, of: valImages.length },
      accuracy: { f32: accuracy(classes32), f16: accuracy(classes16) },
      head: { epochs: EPOCHS, lastValidation: history.at(-1)?.validation ?? null },
      validationFeatureSeconds: { f32: val32.seconds, f16: val16.seconds },
    };
    printTable(
      ['validation images', '', 'features rel L2 median', 'max', 'same class', 'accuracy f32', 'accuracy f16'],
      [
        [
          String(valImages.length),
          '',
          result.featureRelativeL2.median.toExponential(2),
          result.featureRelativeL2.max.toExponential(2),
          `${agree}/${valImages.length}`,
          result.accuracy.f32.toFixed(3),
          result.accuracy.f16.toFixed(3),
        ],
      ],
    );
    console.log(
      `validation features: f32 ${val32.seconds.toFixed(1)} s, f16 ${val16.seconds.toFixed(1)} s ` +
        `(${weights.source})`,
    );
    if (v.json) writeJsonAtomic(v.json, { ...resultsHeader(gpu, 'bench-precision.js'), ...result });
  } finally {
    gpu.destroy();
  }
}

runBench(COMMAND, main);
