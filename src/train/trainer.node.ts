// The training job of deepsense.ai's "Keras vs. PyTorch" article on our kernels: frozen ResNet
// features of (augmented) images, the dense head trained with Adam, validation after every
// epoch, the model saved each epoch.
import { Head, type HeadShape, initHead, initHeadGlorot } from '../autograd/head.js';
import { KERAS_ADAM_DEFAULTS } from '../kernels/adam.js';
import type { Preprocessing } from '../image/preprocess.js';
import { BatchStatsResNet, withRunningStatistics } from '../model/resnet-train.js';
import { RECIPES, type RecipeName, recipeMismatch } from './recipe.js';
import { type AugmentMode, randomAffine } from '../data/augment.js';
import { decodeAll } from '../data/decode-all.node.js';
import { DataError, type Dataset, type Sample } from '../data/folders.node.js';
import type { Gpu } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';
import type { RgbImage } from '../image/format.js';
import { type FillMode, IDENTITY } from '../kernels/augment.js';
import { plan } from '../model/architecture.js';
import { type BackboneWeights, loadBackbone } from '../model/backbone.js';
import { InputError } from '../errors.js';
import type { ResNet } from '../model/resnet.js';
import { backboneFeatures } from './features.js';
import { saveModel } from './model-files.node.js';
import { type EpochRecord, ModelError, type SavedModel, backboneForModel, checkBackbone } from './model-format.js';
import { Progress } from './progress.node.js';
import { seededRandom } from '../util/random.js';

/** The settings of the "Keras vs. PyTorch" article's training code: the defaults of train.js and bench:train. */
export const ARTICLE_SETTINGS = {
  recipe: 'pytorch',
  epochs: 3,
  batchSize: 32,
  lr: 1e-3,
  hidden: 128,
  augment: 'full',
} as const;

export interface TrainOptions {
  data: string;
  recipe: RecipeName;
  epochs: number;
  batchSize: number;
  lr: number;
  hidden: number;
  augment: AugmentMode;
  fill: FillMode;
  seed: number;
  limit: number | null;
  out: string;
  skipBadImages: boolean;
  /** Images declaring more pixels are refused before decoding (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
  resume: SavedModel | null;
  onEpoch?: (record: EpochRecord) => void;
  log?: (line: string) => void;
}

interface DecodedSplit {
  samples: Sample[];
  images: RgbImage[];
}

/** Features of every image without augmentation, computed once, kept on the CPU. */
async function cachedFeatures(
  gpu: Gpu,
  model: ResNet,
  split: DecodedSplit,
  batchSize: number,
  label: string,
  preprocessing: Preprocessing,
): Promise<Float32Array> {
  const F = model.plan.featureSize;
  const out = new Float32Array(split.images.length * F);
  const progress = new Progress(label, split.images.length);
  for (let s = 0; s < split.images.length; s += batchSize) {
    const images = split.images.slice(s, s + batchSize);
    const f = await backboneFeatures(
      gpu,
      model,
      images,
      images.map(() => IDENTITY),
      'constant',
      preprocessing,
    );
    out.set(await f.read(), s * F);
    f.release();
    progress.update(s + images.length);
  }
  progress.finish();
  return out;
}

function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

async function evaluate(
  gpu: Gpu,
  head: Head,
  feats: Float32Array,
  labels: readonly number[],
  F: number,
  batchSize: number,
): Promise<{ loss: number; acc: number }> {
  let loss = 0,
    correct = 0;
  const C = head.shape.classes;
  for (let s = 0; s < labels.length; s += batchSize) {
    const n = Math.min(batchSize, labels.length - s);
    const x = gpu.upload(feats.subarray(s * F, (s + n) * F), [n, F]);
    const p = await head.probabilities(x);
    x.release();
    for (let i = 0; i < n; i++) {
      const row = p.subarray(i * C, (i + 1) * C);
      loss -= Math.log(Math.max(row[labels[s + i]], 1e-45));
      if (argmax(row) === labels[s + i]) correct++;
    }
  }
  return { loss: loss / labels.length, acc: correct / labels.length };
}

/** The head's largest weight must fit one storage binding: said before any work, naming --hidden. */
function checkHeadFits(gpu: Gpu, shape: HeadShape): void {
  const limit = Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize);
  const bytes = Math.max(shape.features * shape.hidden, shape.hidden * shape.classes) * 4;
  if (bytes > limit) {
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
    throw new InputError(
      `--hidden ${shape.hidden}: the head's first layer would take ${mib(bytes)}, ` +
        `over this adapter's storage binding limit of ${mib(limit)}`,
    );
  }
}

export async function train(
  gpu: Gpu,
  weights: BackboneWeights,
  dataset: Dataset,
  o: TrainOptions,
): Promise<EpochRecord[]> {
  const log = o.log ?? ((line: string) => console.log(line));
  checkHeadFits(
    gpu,
    o.resume?.json.head ?? {
      features: plan(weights.spec).featureSize,
      hidden: o.hidden,
      classes: dataset.classes.length,
    },
  );
  const files = [...dataset.splits.train, ...dataset.splits.validation];
  const decodeProgress = new Progress('decode', files.length);
  const decoded = await decodeAll(
    files.map((s) => s.file),
    { skipBad: o.skipBadImages, maxPixels: o.maxPixels, onProgress: (d) => decodeProgress.update(d) },
  );
  const skipped = decoded.bad.length ? `, ${decoded.bad.length} bad image(s) skipped` : '';
  decodeProgress.finish(`${decoded.threads} thread${decoded.threads > 1 ? 's' : ''}${skipped}`);
  const splitOf = (samples: Sample[], offset: number): DecodedSplit => {
    const kept = samples.map((s, i) => ({ s, img: decoded.images[offset + i] })).filter((x) => x.img);
    if (!kept.length) throw new DataError(`${o.data}: no readable images in a split`);
    return { samples: kept.map((x) => x.s), images: kept.map((x) => x.img!) };
  };
  const train = splitOf(dataset.splits.train, 0);
  const validation = splitOf(dataset.splits.validation, dataset.splits.train.length);

  const recipe = RECIPES[o.recipe];
  const mismatch = recipeMismatch(recipe, weights.spec);
  if (mismatch) throw new InputError(`${weights.source}: ${mismatch}`);
  const preprocessing = weights.preprocessing;
  // The pytorch recipe resumes from the running statistics its last epoch left.
  const startWeights = o.resume ? backboneForModel(o.resume, weights) : weights;
  // Inference model (folded batchnorm): validation, and training under the frozen recipe.
  let model = loadBackbone(gpu, startWeights);
  const trainModel = recipe.batchNorm ? BatchStatsResNet.load(gpu, startWeights, recipe.batchNorm) : null;
  const F = model.plan.featureSize;
  const shape: HeadShape = o.resume
    ? o.resume.json.head
    : { features: F, hidden: o.hidden, classes: dataset.classes.length };
  const head = new Head(
    gpu,
    shape,
    o.resume?.weights ?? (recipe.init === 'glorot' ? initHeadGlorot(shape, o.seed) : initHead(shape, o.seed)),
    recipe.adam === 'keras' ? { ...KERAS_ADAM_DEFAULTS, lr: o.lr } : { lr: o.lr },
    o.resume?.adam ?? undefined,
    recipe.loss,
  );
  const history: EpochRecord[] = [...(o.resume?.json.history ?? [])];
  try {
    // Under the pytorch recipe validation features change every epoch; they are computed after it.
    let valFeatures = recipe.savesRunningStatistics
      ? null
      : await cachedFeatures(gpu, model, validation, o.batchSize, 'validation features', preprocessing);
    const trainFeatures =
      o.augment === 'none' && !trainModel
        ? await cachedFeatures(gpu, model, train, o.batchSize, 'train features', preprocessing)
        : null;
    const valLabels = validation.samples.map((s) => s.label);
    const firstEpoch = history.length + 1;
    for (let epoch = firstEpoch; epoch < firstEpoch + o.epochs; epoch++) {
      const start = performance.now();
      const random = seededRandom((o.seed * 1000003 + epoch) >>> 0);
      const order = Array.from(train.samples.keys());
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      const progress = new Progress(`epoch ${epoch}`, order.length);
      let lossSum = 0,
        correct = 0,
        seen = 0;
      for (let s = 0; s < order.length; s += o.batchSize) {
        const batch = order.slice(s, s + o.batchSize);
        const labels = Uint32Array.from(batch, (i) => train.samples[i].label);
        let x: Tensor;
        if (trainFeatures) {
          const rows = new Float32Array(batch.length * F);
          batch.forEach((i, k) => rows.set(trainFeatures.subarray(i * F, (i + 1) * F), k * F));
          x = gpu.upload(rows, [batch.length, F]);
        } else {
          x = await backboneFeatures(
            gpu,
            trainModel ?? model,
            batch.map((i) => train.images[i]),
            batch.map(() => randomAffine(o.augment, random)),
            o.fill,
            preprocessing,
          );
        }
        const y = gpu.upload(labels, [batch.length]);
        const { loss, logits } = await head.trainStep(x, y);
        const l = (await loss.read())[0];
        const z = await logits.read();
        for (const t of [x, y, loss, logits]) t.release();
        lossSum += l * batch.length;
        batch.forEach((_, k) => {
          if (argmax(z.subarray(k * shape.classes, (k + 1) * shape.classes)) === labels[k]) correct++;
        });
        seen += batch.length;
        progress.update(seen, `loss ${(lossSum / seen).toFixed(4)}`);
      }
      const trainStats = { loss: lossSum / seen, acc: correct / seen };
      // model.eval() after model.train(): validation with the running statistics training left.
      const running = trainModel && recipe.savesRunningStatistics ? await trainModel.runningStatistics() : null;
      if (running) {
        model.destroy();
        model = loadBackbone(gpu, withRunningStatistics(weights, running));
        valFeatures = await cachedFeatures(gpu, model, validation, o.batchSize, 'validation features', preprocessing);
      }
      const valStats = await evaluate(gpu, head, valFeatures!, valLabels, F, Math.max(o.batchSize, 64));
      const seconds = (performance.now() - start) / 1000;
      progress.finish();
      const record: EpochRecord = {
        epoch,
        train: trainStats,
        validation: valStats,
        seconds,
        imagesPerSecond: seen / seconds,
      };
      history.push(record);
      log(`epoch ${epoch}: train loss: ${trainStats.loss.toFixed(4)}, acc: ${trainStats.acc.toFixed(4)}`);
      log(
        `epoch ${epoch}: validation loss: ${valStats.loss.toFixed(4)}, acc: ${valStats.acc.toFixed(4)}   ` +
          `(${seconds.toFixed(1)} s, ${record.imagesPerSecond.toFixed(2)} images/s)`,
      );
      saveModel(
        o.out,
        {
          architecture: model.plan.spec.name,
          classes: dataset.classes,
          preprocessing,
          head: shape,
          backbone: { weights: weights.source, sha256: weights.sha256, synthetic: weights.synthetic },
          training: {
            recipe: o.recipe,
            batchSize: o.batchSize,
            lr: o.lr,
            augment: o.augment,
            fill: o.fill,
            seed: o.seed,
            limit: o.limit,
            data: o.data,
          },
          history,
        },
        await head.weights(),
        await head.optimizer.state(),
        running,
      );
      o.onEpoch?.(record);
    }
    return history;
  } finally {
    head.destroy();
    model.destroy();
    trainModel?.destroy();
  }
}

/** Checks that a saved model can be resumed on this data and these backbone weights. */
export function checkResume(saved: SavedModel, dataset: Dataset, weights: BackboneWeights, dir: string): void {
  if (saved.json.classes.join('\n') !== dataset.classes.join('\n')) {
    throw new ModelError(
      `${dir}: trained on classes [${saved.json.classes.join(', ')}], the data has [${dataset.classes.join(', ')}]`,
    );
  }
  checkBackbone(saved, weights, dir);
}
