// The training loop of deepsense.ai's "Keras vs. PyTorch" article on decoded images, with no
// Node APIs: ResNet features of (augmented) images, the dense head trained with Adam, then
// validation with the running statistics training left (model.eval()). The library's
// Classifier.fit and train.js both run it.
import type { Head } from '../autograd/head.js';
import { randomAugmentation } from '../data/augment.js';
import { InputError } from '../errors.js';
import type { Gpu } from '../gpu/context.js';
import type { Precision } from '../gpu/shader.js';
import type { Tensor } from '../gpu/tensor.js';
import type { RgbImage } from '../image/format.js';
import type { Preprocessing } from '../image/preprocess.js';
import { type BackboneWeights, loadBackbone } from '../model/backbone.js';
import { type ResNet, checkFeatures } from '../model/resnet.js';
import { type ResNetSpec, plan } from '../model/architecture.js';
import { BatchStatsResNet, withRunningStatistics } from '../model/resnet-train.js';
import type { TensorMap } from '../weights/host-tensor.js';
import { seededRandom } from '../util/random.js';
import { classWeightedRowScale } from '../kernels/softmax.js';
import { EarlyStopping, scheduledLr } from './controls.js';
import { backboneFeatures, plainFeatures } from './features.js';
import type { EpochRecord, ValidationRecord } from './model-format.js';
import { RECIPES } from './recipe.js';
import { type TrainingSettings, settingsProblem } from './settings.js';

/** Images with their class indices. */
export interface LabelledImages {
  images: readonly RgbImage[];
  labels: readonly number[];
  /**
   * Their unaugmented backbone features [n, features], computed elsewhere (embed.js --shard),
   * in memory or read batch by batch: then `images` may be empty, and only unaugmented training
   * without batch statistics applies.
   */
  features?: Float32Array | FeatureRows;
}

/**
 * Feature rows read as they are needed (feature shards on disk, say), so that a training set
 * need not fit in memory: `count` rows of `featureSize` values.
 */
export interface FeatureRows {
  readonly count: number;
  readonly featureSize: number;
  /** Rows `indices` (each below count), in that order, into `out` (indices.length * featureSize values). */
  read(indices: readonly number[], out: Float32Array): void;
}

/** Features in memory ([n, featureSize] row-major) as rows. */
export function rowsInMemory(features: Float32Array, featureSize: number): FeatureRows {
  return {
    count: Math.floor(features.length / featureSize),
    featureSize,
    read: (indices, out) =>
      indices.forEach((i, k) => out.set(features.subarray(i * featureSize, (i + 1) * featureSize), k * featureSize)),
  };
}

const rowsOf = (features: Float32Array | FeatureRows, featureSize: number): FeatureRows =>
  features instanceof Float32Array ? rowsInMemory(features, featureSize) : features;

const countOf = (data: LabelledImages) => (data.features ? data.labels.length : data.images.length);

/** A phase's progress (the Node tools draw a bar; the library reports through callbacks). */
export interface ProgressSink {
  update(done: number, note?: string): void;
  finish(note?: string): void;
}

/** After each batch: the running means of the epoch so far. */
export interface BatchReport {
  epoch: number;
  batch: number;
  batches: number;
  seen: number;
  loss: number;
  acc: number;
  imagesPerSecond: number;
}

/** What the loop calls as it goes (none of them saved). */
export interface FitHooks {
  /** Keeps the features of unaugmented images across runs (the inference-mode backbone only). */
  featureCache?: FeatureCache;
  signal?: AbortSignal;
  onEpochStart?: (epoch: number, lastEpoch: number) => void;
  onBatch?: (report: BatchReport) => void;
  /** After each epoch, with the running statistics the epoch left (pytorch recipe) or null. */
  onEpoch?: (record: EpochRecord, runningStatistics: TensorMap | null) => void | Promise<void>;
  progress?: (label: string, total: number) => ProgressSink;
}

/**
 * The loop's settings: the saved ones (src/train/settings.ts), this run's epochs, and the
 * number of its first epoch (resumed models continue their history).
 */
export type FitSettings = Omit<TrainingSettings, 'data' | 'limit' | 'validationSplit'> & {
  epochs: number;
  firstEpoch: number;
} & FitHooks;

/** Raised when fit() stops because its AbortSignal fired; the epochs before it are kept. */
export class FitAbortedError extends Error {
  constructor(readonly epochsDone: number) {
    super(`fit stopped by its AbortSignal after ${epochsDone} complete epoch(s)`);
    this.name = 'FitAbortedError';
  }
}

const silent: ProgressSink = { update: () => {}, finish: () => {} };

/** What a progress line says while kernels compile on their first run on this machine. */
export const compilingNote = (done: number, total: number): string =>
  `compiling kernels ${done}/${total} (once per machine)`;

/**
 * Phases whose progress lines carry compilingNote while the GPU's kernels compile (Gpu.onCompile):
 * the phase made last and not yet finished hears it. `stop` ends the listening.
 */
export function withCompileNotes(
  gpu: Gpu,
  progress: (label: string, total: number) => ProgressSink,
): { progress: (label: string, total: number) => ProgressSink; stop: () => void } {
  let current: { sink: ProgressSink; done: number } | null = null;
  const stop = gpu.onCompile((done, total) => current?.sink.update(current.done, compilingNote(done, total)));
  return {
    stop,
    progress: (label, total) => {
      const phase = { sink: progress(label, total), done: 0 };
      current = phase;
      return {
        update: (done, note) => {
          phase.done = done;
          phase.sink.update(done, note);
        },
        finish: (note) => {
          if (current === phase) current = null;
          phase.sink.finish(note);
        },
      };
    },
  };
}

/** The index of a row's largest value (the first, on ties). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/**
 * Backbone features of unaugmented images kept across runs (train.js: on disk). `identity`
 * names what the features depend on besides the image (featureIdentity).
 */
export interface FeatureCache {
  /** The stored features of each image, or null where there are none (or they are unusable). */
  get(identity: string, images: readonly RgbImage[], features: number): Promise<(Float32Array | null)[]>;
  put(identity: string, images: readonly RgbImage[], rows: readonly Float32Array[]): Promise<void>;
}

/** Features kept in memory for the life of the object (a sweep without a disk cache). */
export class MemoryFeatureCache implements FeatureCache {
  private readonly rows = new Map<string, Map<RgbImage, Float32Array>>();

  async get(identity: string, images: readonly RgbImage[]): Promise<(Float32Array | null)[]> {
    const kept = this.rows.get(identity);
    return images.map((image) => kept?.get(image) ?? null);
  }

  async put(identity: string, images: readonly RgbImage[], rows: readonly Float32Array[]): Promise<void> {
    const kept = this.rows.get(identity) ?? new Map<RgbImage, Float32Array>();
    this.rows.set(identity, kept);
    images.forEach((image, i) => kept.set(image, rows[i]));
  }
}

/** What inference-mode features depend on besides the image: backbone, preprocessing, adapter, precision. */
export function featureIdentity(gpu: Gpu, weights: BackboneWeights, precision: Precision): string {
  const a = gpu.adapter;
  return [
    weights.spec.name,
    weights.sha256,
    JSON.stringify(weights.preprocessing),
    `${a.vendor}/${a.architecture}/${a.description}`,
    precision,
  ].join('|');
}

/** Features of every image without augmentation, kept on the CPU; `cache` supplies and keeps them. */
export async function featuresOf(
  gpu: Gpu,
  model: ResNet | (() => ResNet),
  images: readonly RgbImage[],
  batchSize: number,
  preprocessing: Preprocessing,
  progress: ProgressSink = silent,
  cache?: { store: FeatureCache; identity: string; spec: ResNetSpec },
): Promise<Float32Array> {
  // A model given as a function is built only when some image is not in the cache.
  const backbone = () => (typeof model === 'function' ? model() : model);
  const F = cache ? plan(cache.spec).featureSize : backbone().plan.featureSize;
  const out = new Float32Array(images.length * F);
  const stored = cache ? await cache.store.get(cache.identity, images, F) : images.map(() => null);
  stored.forEach((row, i) => row && out.set(row, i * F));
  // The backbone runs on the images the cache lacks; each image's features do not depend on its batch.
  const missing = images.flatMap((_, i) => (stored[i] ? [] : [i]));
  const cached = images.length - missing.length;
  let done = cached;
  progress.update(done);
  // Batch k + 1 is prepared, uploaded and queued while batch k runs and is read back.
  let pending: Promise<void> | null = null;
  for (let s = 0; s < missing.length; s += batchSize) {
    const indices = missing.slice(s, s + batchSize);
    const batch = indices.map((i) => images[i]);
    const model = backbone();
    const f = await plainFeatures(gpu, model, batch, preprocessing);
    const stored = f.read().then(async (rows) => {
      f.release();
      checkFeatures(rows, model.precision);
      indices.forEach((i, k) => out.set(rows.subarray(k * F, (k + 1) * F), i * F));
      if (cache)
        await cache.store.put(
          cache.identity,
          batch,
          indices.map((_, k) => rows.slice(k * F, (k + 1) * F)),
        );
    });
    const counted = stored.then(() => {
      done += indices.length;
      progress.update(done);
    });
    counted.catch(() => {}); // marked handled: its error surfaces at the await below
    await pending;
    pending = counted;
  }
  await pending;
  progress.finish(cache ? `${cached} from the feature cache` : undefined);
  return out;
}

/** Loss, accuracy and the confusion matrix (rows: true class, columns: predicted) of features. */
async function evaluate(
  gpu: Gpu,
  head: Head,
  feats: Float32Array | FeatureRows,
  labels: readonly number[],
  batchSize: number,
): Promise<ValidationRecord> {
  let loss = 0,
    correct = 0;
  const { classes: C, features: F } = head.shape;
  const rows = rowsOf(feats, F);
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  const batchValues = new Float32Array(Math.min(batchSize, labels.length) * F);
  for (let s = 0; s < labels.length; s += batchSize) {
    const n = Math.min(batchSize, labels.length - s);
    const values = batchValues.subarray(0, n * F);
    rows.read(
      Array.from({ length: n }, (_, k) => s + k),
      values,
    );
    const x = gpu.upload(values, [n, F]);
    const p = await head.probabilities(x);
    x.release();
    for (let i = 0; i < n; i++) {
      const row = p.subarray(i * C, (i + 1) * C);
      const predicted = argmax(row);
      loss -= Math.log(Math.max(row[labels[s + i]], 1e-45));
      if (predicted === labels[s + i]) correct++;
      confusion[labels[s + i]][predicted]++;
    }
  }
  return { loss: loss / labels.length, acc: correct / labels.length, confusion };
}

function checkLabels(what: string, data: LabelledImages, classes: number, features: number): void {
  if (data.features instanceof Float32Array && data.features.length !== data.labels.length * features)
    throw new InputError(`${what}: ${data.features.length} feature values for ${data.labels.length} labels`);
  if (data.features && !(data.features instanceof Float32Array)) {
    const { count, featureSize } = data.features;
    if (featureSize !== features) throw new InputError(`${what}: rows of ${featureSize} features, not ${features}`);
    if (count !== data.labels.length)
      throw new InputError(`${what}: ${count} feature rows for ${data.labels.length} labels`);
  }
  if (!data.features && data.images.length !== data.labels.length)
    throw new InputError(`${what}: ${data.images.length} images but ${data.labels.length} labels`);
  const bad = data.labels.find((l) => !Number.isInteger(l) || l < 0 || l >= classes);
  if (bad !== undefined) throw new InputError(`${what}: label ${bad} is not a class index below ${classes}`);
}

/**
 * Trains `head` for settings.epochs epochs over `train`, validating on `validation` after
 * each. `weights` are the backbone's weights with the running statistics to start from; the
 * recipe decides batchnorm's mode. Returns the epochs' records and the running statistics
 * the last epoch left (pytorch recipe; null otherwise).
 */
export async function fitHead(
  gpu: Gpu,
  weights: BackboneWeights,
  head: Head,
  train: LabelledImages,
  validation: LabelledImages | null,
  s: FitSettings,
): Promise<{ history: EpochRecord[]; runningStatistics: TensorMap | null; stoppedEarly: EarlyStopping | null }> {
  const classes = head.shape.classes;
  const F = plan(weights.spec).featureSize;
  checkLabels('training data', train, classes, F);
  if (!countOf(train)) throw new InputError('training data: no images');
  if (validation) checkLabels('validation data', validation, classes, F);
  const recipe = RECIPES[s.recipe];
  if ((train.features || validation?.features) && (s.augment !== 'none' || recipe.batchNorm))
    throw new InputError(
      'precomputed features train a head only without augmentation and batch statistics ' +
        '(the frozen recipe, augment none)',
    );
  const validate = validation && countOf(validation) > 0 ? validation : null;
  const problem = settingsProblem(s, { classes, validates: validate !== null });
  if (problem) throw new InputError(`${problem.setting}: ${problem.why}`);
  const stopper = s.earlyStopping !== null ? new EarlyStopping(s.earlyStopping) : null;
  const { batchSize } = s;
  const preprocessing = weights.preprocessing;
  // Inference model (folded batchnorm): validation, and training under the frozen recipe; built
  // when first needed, so that a run whose features all come from the cache never loads it.
  let inference: ResNet | null = null;
  const model = () => (inference ??= loadBackbone(gpu, weights, s.precision));
  const trainModel = recipe.batchNorm ? BatchStatsResNet.load(gpu, weights, recipe.batchNorm) : null;
  const history: EpochRecord[] = [];
  let running: TensorMap | null = null;
  const notes = withCompileNotes(gpu, s.progress ?? (() => silent));
  const progress = notes.progress;
  try {
    // Features of the weights as given are cached; those under running statistics a run updates are not.
    const cache = s.featureCache
      ? { store: s.featureCache, identity: featureIdentity(gpu, weights, s.precision), spec: weights.spec }
      : undefined;
    // `cached` is explicit: features under running statistics a run updated must never meet the cache.
    const validationFeatures = async (v: LabelledImages, cached: typeof cache) =>
      v.features ??
      featuresOf(
        gpu,
        model,
        v.images,
        batchSize,
        preprocessing,
        progress('validation features', v.images.length),
        cached,
      );
    // The features computed once before the first epoch count in its time (a frozen run's
    // minutes are there, not in the head's epochs).
    const setUp = performance.now();
    // Under the pytorch recipe validation features change every epoch; they are computed after it.
    let valFeatures = validate && !recipe.savesRunningStatistics ? await validationFeatures(validate, cache) : null;
    const trainFeatures =
      train.features ??
      (s.augment === 'none' && !trainModel
        ? await featuresOf(
            gpu,
            model,
            train.images,
            batchSize,
            preprocessing,
            progress('train features', train.images.length),
            cache,
          )
        : null);
    const trainRows = trainFeatures && rowsOf(trainFeatures, F);
    // One batch's rows, reused: upload copies them, and a large set makes no garbage per batch.
    const batchRows = trainRows && new Float32Array(batchSize * F);
    const lastEpoch = s.firstEpoch + s.epochs - 1;
    for (let epoch = s.firstEpoch; epoch <= lastEpoch; epoch++) {
      if (s.signal?.aborted) throw new FitAbortedError(history.length);
      s.onEpochStart?.(epoch, lastEpoch);
      const lr = scheduledLr(s.lrSchedule, s.lr, epoch - s.firstEpoch, s.epochs, s.lrStepEpochs);
      head.optimizer.lr = lr;
      const start = performance.now();
      // The record's time: the first epoch's includes the set-up's features.
      const recordStart = epoch === s.firstEpoch ? setUp : start;
      const random = seededRandom((s.seed * 1000003 + epoch) >>> 0);
      const order = Array.from(train.labels.keys());
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      const bar = progress(`epoch ${epoch}`, order.length);
      let lossSum = 0,
        correct = 0,
        seen = 0;
      const batches = Math.ceil(order.length / batchSize);
      for (let b = 0; b < batches; b++) {
        if (s.signal?.aborted) throw new FitAbortedError(history.length);
        const batch = order.slice(b * batchSize, (b + 1) * batchSize);
        const labels = Uint32Array.from(batch, (i) => train.labels[i]);
        let x: Tensor;
        if (trainRows) {
          const rows = batchRows!.subarray(0, batch.length * F);
          trainRows.read(batch, rows);
          x = gpu.upload(rows, [batch.length, F]);
        } else {
          x = await backboneFeatures(
            gpu,
            trainModel ?? model(),
            batch.map((i) => train.images[i]),
            batch.map(() => randomAugmentation(preprocessing, s.augment, random)),
            s.fill,
            preprocessing,
          );
        }
        const y = gpu.upload(labels, [batch.length]);
        const rowScale = s.classWeights
          ? gpu.upload(classWeightedRowScale(labels, s.classWeights, recipe.loss), [batch.length])
          : undefined;
        const { loss, logits } = await head.trainStep(x, y, rowScale);
        const l = (await loss.read())[0];
        const z = await logits.read();
        for (const t of [x, y, loss, logits, rowScale]) t?.release();
        lossSum += l * batch.length;
        batch.forEach((_, k) => {
          if (argmax(z.subarray(k * classes, (k + 1) * classes)) === labels[k]) correct++;
        });
        seen += batch.length;
        bar.update(seen, `loss ${(lossSum / seen).toFixed(4)}`);
        s.onBatch?.({
          epoch,
          batch: b + 1,
          batches,
          seen,
          loss: lossSum / seen,
          acc: correct / seen,
          imagesPerSecond: seen / ((performance.now() - start) / 1000),
        });
      }
      const trainStats = { loss: lossSum / seen, acc: correct / seen };
      // model.eval() after model.train(): validation with the running statistics training left.
      if (trainModel && recipe.savesRunningStatistics) {
        running = await trainModel.runningStatistics();
        inference?.destroy();
        inference = loadBackbone(gpu, withRunningStatistics(weights, running), s.precision);
        if (validate) valFeatures = await validationFeatures(validate, undefined); // updated statistics: no cache
      }
      const valStats =
        validate && valFeatures
          ? await evaluate(gpu, head, valFeatures, validate.labels, Math.max(batchSize, 64))
          : null;
      const seconds = (performance.now() - recordStart) / 1000;
      bar.finish();
      const record: EpochRecord = {
        epoch,
        train: trainStats,
        validation: valStats,
        seconds,
        imagesPerSecond: seen / seconds,
        lr,
      };
      history.push(record);
      await s.onEpoch?.(record, running);
      if (stopper && valStats && stopper.update(epoch, valStats.loss) && epoch < lastEpoch)
        return { history, runningStatistics: running, stoppedEarly: stopper };
    }
    return { history, runningStatistics: running, stoppedEarly: null };
  } finally {
    notes.stop();
    inference?.destroy();
    trainModel?.destroy();
  }
}
