// The library's classifier: a backbone (shared, loaded once) with a dense head for some class
// names, trained by fit() with one of the article's recipes, used by predict(), saved in the
// format `node dist/predict.js` reads. The same in Node and in browsers; only folders and paths
// need the Node entry.
import { type AdamState, Head, type HeadShape, type HeadWeights, initHead, initHeadGlorot } from '../autograd/head.js';
import { splitByClass, validFraction } from '../data/split.js';
import { DisposedError, ImageInputError, InputError, LabelError, OptionError } from '../errors.js';
import { type RgbImage, rgbFromRgba } from '../image/format.js';
import { loadBackbone } from '../model/backbone.js';
import { plan } from '../model/architecture.js';
import { type ResNet, devicePrecisionProblem } from '../model/resnet.js';
import { runningStatisticsOf, withRunningStatistics } from '../model/resnet-train.js';
import { plainFeatures } from '../train/features.js';
import { balancedClassWeights, classWeightsProblem } from '../train/controls.js';
import {
  SETTINGS,
  type SettingName,
  type SettingValues,
  checkedSettings,
  defaultOf,
  resolveSettings,
  settingsProblem,
  trainingSettingsOf,
} from '../train/settings.js';
import {
  type BatchReport,
  type FeatureCache,
  type FeatureRows,
  type LabelledImages,
  type ProgressSink,
  argmax,
  fitHead,
} from '../train/fit.js';
import {
  type EpochRecord,
  type ModelDescription,
  type SavedModel,
  type TrainingSettings,
  checkBackbone,
  encodeHead,
  modelJsonText,
  savedModelFromBytes,
} from '../train/model-format.js';
import { type Evaluation, evaluatePredictions } from '../train/metrics.js';
import { caption } from '../train/predict.js';
import { RECIPES, type RecipeName, recipeAdam, recipeMismatch } from '../train/recipe.js';
import type { TensorMap } from '../weights/host-tensor.js';
import { sha256Hex } from '../util/sha256.js';
import { Backbone } from './backbone.js';
import { checkFunction, checkOptions, described, hasUrlScheme } from './arguments.js';
import { host } from './host.js';

/**
 * An image: decoded RGB, file bytes (JPEG, PNG, BMP, GIF or WebP), a Blob, a path (Node) or URL, or in a
 * browser an ImageBitmap, HTMLImageElement, HTMLCanvasElement, OffscreenCanvas, VideoFrame or
 * ImageData.
 */
export type ImageInput =
  | RgbImage
  | Uint8Array
  | ArrayBuffer
  | Blob
  | string
  | URL
  | ImageData
  | ImageBitmap
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | VideoFrame;

/** Backbone features [n, features] (row-major) with each row's class. */
export interface LabelledFeatures {
  /** [n, featureSize] row-major in memory, or rows read batch by batch (feature shards on disk). */
  features: Float32Array | FeatureRows;
  labels: readonly (string | number)[];
}

/** An image with its class: a class name, or its index in the classifier's classes. */
export interface LabelledImage {
  image: ImageInput;
  label: string | number;
}

/** Images with labels: parallel arrays, or an (async) iterable of pairs. */
export type LabelledData =
  | { images: readonly ImageInput[]; labels: readonly (string | number)[] }
  | Iterable<LabelledImage>
  | AsyncIterable<LabelledImage>;

/**
 * A new classifier's settings, each optional with the default its declaration gives
 * (src/train/settings.ts, docs/training.md): recipe, hidden, lr, seed, batchSize, augment, fill,
 * lrSchedule, lrStepEpochs, earlyStopping, save, precision; and classWeights, which may also be
 * 'auto' (balanced on each fit()'s training data).
 */
export type ClassifierOptions = Partial<
  Omit<SettingValues, 'data' | 'limit' | 'validationSplit' | 'epochs' | 'classWeights'>
> & {
  classWeights?: 'auto' | readonly number[] | null;
};

/** The names ClassifierOptions takes. */
const CLASSIFIER_OPTIONS = (Object.keys(SETTINGS) as SettingName[]).filter(
  (n) => !['data', 'limit', 'validationSplit', 'epochs'].includes(n),
);

/** The names FitOptions takes. */
const FIT_OPTIONS = [
  'epochs',
  'validation',
  'limit',
  'validationSplit',
  'signal',
  'onEpochStart',
  'onBatch',
  'onEpoch',
  'featureCache',
  'source',
  'progress',
];

/** Where names that fit() does not take belong. */
const FIT_HINTS: Record<string, string> = {
  ...Object.fromEntries(
    CLASSIFIER_OPTIONS.map((n) => [
      n,
      `${n} is the classifier's setting: Classifier.create(backbone, classes, { ${n} })`,
    ]),
  ),
  callbacks: 'give onEpochStart, onBatch and onEpoch as options themselves',
  onEpochEnd: 'the callback after each epoch is onEpoch',
};

/** Refuses a first argument that is not a Backbone, saying how to get one. */
function checkBackboneArgument(where: string, backbone: unknown): void {
  if (!(backbone instanceof Backbone))
    throw new OptionError(
      `${where}: the first argument is the backbone (await Backbone.load(weights)), not ${described(backbone)}`,
    );
}

export interface FitOptions {
  /** Epochs to train (default 3). */
  epochs?: number;
  /** Data to validate on after each epoch (a folder brings its own validation split). */
  validation?: LabelledData;
  /** Images per class at most, when training from a folder. */
  limit?: number;
  /**
   * The share of each class held out for validation, recorded in model.json. Without
   * `validation` (or a folder's validation/) the classifier holds it out of the training data,
   * chosen by the seed (data/split.ts); with `validation`, the caller held it out so.
   */
  validationSplit?: number;
  signal?: AbortSignal;
  /** Before each epoch, with the number of the run's last epoch ("Epoch 2/5"). */
  onEpochStart?: (epoch: number, lastEpoch: number) => void;
  onBatch?: (report: BatchReport) => void;
  /** After each epoch; a returned promise is awaited before the next (to save, say). */
  onEpoch?: (record: EpochRecord) => void | Promise<void>;
  /**
   * Keeps backbone features of unaugmented images across fits and runs (train.js: on disk,
   * DiskFeatureCache); used where features come from the backbone's weights as given (frozen
   * recipe, Keras recipe's validation), never under running statistics a run updates.
   */
  featureCache?: FeatureCache;
  /** What model.json records as the training data (default: the folder, or 'arrays'). */
  source?: string;
  /** Progress of each phase (features, epochs), for a progress bar. */
  progress?: (label: string, total: number) => ProgressSink;
}

interface HeadSnapshot {
  weights: HeadWeights;
  adam: AdamState;
  running: TensorMap | null;
}

export interface Prediction {
  /** The most probable class. */
  label: string;
  /** Each class's probability. */
  probabilities: Record<string, number>;
  /** "87% alien, 13% predator". */
  caption: string;
}

/** Throws where this device cannot run the backbone at the settings' precision. */
function checkDevicePrecision(backbone: Backbone, settings: TrainingSettings): void {
  const problem = devicePrecisionProblem(backbone.gpu, settings.precision);
  if (problem) throw new InputError(problem);
}

export class Classifier {
  /**
   * How the last fit() ended early: the epoch it stopped after and the best epoch (by validation
   * loss); null when it ran all its epochs.
   */
  stoppedEarly: { epoch: number; bestEpoch: number } | null = null;
  private predictionModel: ResNet | null = null;
  private disposed = false;
  /** 'auto': class weights balanced on each fit()'s training data. */
  private autoClassWeights = false;

  private constructor(
    readonly backbone: Backbone,
    readonly classes: readonly string[],
    private readonly head: Head,
    private settings: TrainingSettings,
    private readonly records: EpochRecord[],
    private running: TensorMap | null,
  ) {}

  /**
   * A new classifier for these class names (or, in Node, those a dataset folder's train/<class>/
   * names) on `backbone`, its head initialized by the recipe.
   */
  static create(backbone: Backbone, classes: readonly string[] | string, options: ClassifierOptions = {}): Classifier {
    checkBackboneArgument('Classifier.create', backbone);
    if (typeof classes === 'string') classes = host().folderClasses(classes);
    if (!Array.isArray(classes) || classes.some((c) => typeof c !== 'string'))
      throw new OptionError(
        "Classifier.create: classes must be the class names (['alien', 'predator']) or, in Node, a dataset " +
          `folder, not ${described(classes)}`,
      );
    checkOptions('Classifier.create', options, CLASSIFIER_OPTIONS);
    const { classWeights, ...given } = options;
    const o = resolveSettings(checkedSettings(given));
    if (classes.length < 2 || new Set(classes).size !== classes.length || classes.some((c) => !/\S/.test(c)))
      throw new LabelError(`classes: need two or more distinct non-blank names, got [${classes.join(', ')}]`);
    const recipe = RECIPES[o.recipe];
    if (!recipe) throw new InputError(`recipe: '${o.recipe}' is not one of ${Object.keys(RECIPES).join(', ')}`);
    const weights = backbone.weights;
    const mismatch = recipeMismatch(recipe, weights.spec);
    if (mismatch) throw new InputError(`${weights.source}: ${mismatch}`);
    const shape: HeadShape = { features: plan(weights.spec).featureSize, hidden: o.hidden, classes: classes.length };
    const init = recipe.init === 'glorot' ? initHeadGlorot(shape, o.seed) : initHead(shape, o.seed);
    const head = new Head(backbone.gpu, shape, init, recipeAdam(RECIPES[o.recipe], o.lr), undefined, recipe.loss);
    const settings = trainingSettingsOf(o);
    checkDevicePrecision(backbone, settings);
    const classifier = new Classifier(backbone, [...classes], head, settings, [], null);
    classifier.setClassWeights(classWeights ?? null);
    return classifier;
  }

  /**
   * A saved model's classifier on `backbone` (which must be the weights it was trained on);
   * `overrides` change the settings further training uses (not the recipe or the head's size).
   */
  static fromSaved(
    backbone: Backbone,
    saved: SavedModel,
    where = 'model',
    overrides: Omit<ClassifierOptions, 'recipe' | 'hidden'> = {},
  ): Classifier {
    checkBackboneArgument('Classifier.fromSaved', backbone);
    checkOptions(
      'Classifier.fromSaved',
      overrides,
      CLASSIFIER_OPTIONS.filter((n) => n !== 'recipe' && n !== 'hidden'),
    );
    checkBackbone(saved, backbone.weights, where);
    const { json } = saved;
    const { classWeights, ...rest } = overrides;
    const defined = Object.fromEntries(Object.entries(checkedSettings(rest)).filter(([, v]) => v !== undefined));
    const settings: TrainingSettings = { ...json.training, ...defined };
    checkDevicePrecision(backbone, settings);
    const head = new Head(
      backbone.gpu,
      json.head,
      saved.weights,
      recipeAdam(RECIPES[settings.recipe], settings.lr),
      saved.adam ?? undefined,
      RECIPES[settings.recipe].loss,
    );
    const classifier = new Classifier(
      backbone,
      json.classes,
      head,
      settings,
      [...json.history],
      saved.runningStatistics,
    );
    if (classWeights !== undefined) classifier.setClassWeights(classWeights);
    return classifier;
  }

  /** A model saved by save() or train.js, from model.json's text and head.safetensors' bytes. */
  static async fromBytes(
    backbone: Backbone,
    modelJson: string,
    head: Uint8Array,
    where = 'model',
  ): Promise<Classifier> {
    return Classifier.fromSaved(backbone, await savedModelFromBytes(modelJson, head, where), where);
  }

  /** A model folder saved by save() or train.js (Node). */
  static async load(backbone: Backbone, dir: string): Promise<Classifier> {
    checkBackboneArgument('Classifier.load', backbone);
    if (typeof dir !== 'string')
      throw new OptionError(`Classifier.load: the second argument is the model folder, not ${described(dir)}`);
    return Classifier.fromSaved(backbone, await host().loadModel(dir), dir);
  }

  /** The epochs trained so far (a loaded model's included). */
  get history(): readonly EpochRecord[] {
    return this.records;
  }

  get recipe(): RecipeName {
    return this.settings.recipe;
  }

  /** The settings fit() trains with and model.json records. */
  get training(): Readonly<TrainingSettings> {
    return this.settings;
  }

  private setClassWeights(weights: 'auto' | readonly number[] | null): void {
    this.autoClassWeights = weights === 'auto';
    const problem = weights === null || weights === 'auto' ? null : classWeightsProblem(weights, this.classes.length);
    if (problem) throw new InputError(`classWeights: ${problem} (one per class: ${this.classes.join(', ')})`);
    this.settings = { ...this.settings, classWeights: weights === null || weights === 'auto' ? null : [...weights] };
  }

  /**
   * Trains the head on a dataset folder (Node: `train/<class>/*`, `validation/<class>/*`, the
   * classifier's classes) or on labelled images, for `epochs` more epochs. Returns their records.
   */
  async fit(data: string | LabelledData, options: FitOptions = {}): Promise<EpochRecord[]> {
    this.check();
    checkFitOptions('fit', options);
    const { train, validation, source } = await this.resolveData(data, options);
    return this.fitResolved(train, validation, source, options);
  }

  /**
   * Trains the head on backbone features computed elsewhere (`embed.js --shard`: unaugmented,
   * inference mode, this backbone), for the frozen recipe without augmentation.
   */
  async fitFeatures(
    train: LabelledFeatures,
    options: Omit<FitOptions, 'validation' | 'validationSplit'> & { validation?: LabelledFeatures } = {},
  ): Promise<EpochRecord[]> {
    this.check();
    checkFitOptions('fitFeatures', options);
    if (this.settings.recipe !== 'frozen' || this.settings.augment !== 'none')
      throw new InputError(
        `fitFeatures: precomputed features train the frozen recipe without augmentation, ` +
          `not ${this.settings.recipe} with augment ${this.settings.augment}`,
      );
    const labels = (d: LabelledFeatures, what: string) =>
      d.labels.map((l, i) => this.classIndex(l, `${what}, row ${i}`));
    const toImages = (d: LabelledFeatures, what: string): LabelledImages => ({
      images: [],
      labels: labels(d, what),
      features: d.features,
    });
    const { validation: given, ...rest } = options;
    const validation = given ? toImages(given, 'validation') : null;
    return this.fitResolved(toImages(train, 'training data'), validation, 'features', rest);
  }

  private async fitResolved(
    train: LabelledImages,
    validation: LabelledImages | null,
    source: string,
    options: FitOptions,
  ): Promise<EpochRecord[]> {
    this.settings = {
      ...this.settings,
      data: options.source ?? source,
      limit: options.limit ?? null,
      validationSplit: options.validationSplit ?? null,
    };
    if (this.autoClassWeights)
      this.settings.classWeights = balancedClassWeights(train.labels as number[], this.classes.length);
    const { save } = this.settings;
    const problem = settingsProblem(this.settings, { validates: !!validation?.labels.length });
    if (problem) throw new InputError(`${problem.setting}: ${problem.why} (validation or validationSplit)`);
    const weights = this.running ? withRunningStatistics(this.backbone.weights, this.running) : this.backbone.weights;
    // The cached inference model goes: training changes the running statistics it folds.
    this.dropPredictionModel();
    const added: EpochRecord[] = [];
    // save: 'best': the snapshot of the epoch with the lowest validation loss so far.
    const kept: { best: { loss: number; epochs: number; snapshot: HeadSnapshot } | null } = { best: null };
    const { stoppedEarly } = await fitHead(this.backbone.gpu, weights, this.head, train, validation, {
      ...this.settings,
      epochs: options.epochs ?? defaultOf('epochs', this.settings.recipe),
      firstEpoch: this.records.length + 1,
      featureCache: this.running ? undefined : options.featureCache,
      signal: options.signal,
      onEpochStart: options.onEpochStart,
      onBatch: options.onBatch,
      progress: options.progress,
      onEpoch: async (record, running) => {
        if (running) this.running = running;
        this.records.push(record);
        added.push(record);
        const loss = record.validation?.loss ?? Infinity;
        if (save === 'best' && (!kept.best || loss < kept.best.loss))
          kept.best = { loss, epochs: this.records.length, snapshot: await this.snapshot() };
        await options.onEpoch?.(record);
      },
    });
    this.stoppedEarly = stoppedEarly ? { epoch: added.at(-1)!.epoch, bestEpoch: stoppedEarly.bestEpoch } : null;
    const best = kept.best;
    if (best && best.epochs < this.records.length) {
      // The best epoch's head, optimizer and running statistics; the later epochs leave the history.
      this.head.load(best.snapshot.weights, best.snapshot.adam);
      this.running = best.snapshot.running;
      this.records.length = best.epochs;
      this.dropPredictionModel();
    }
    return added;
  }

  private async snapshot(): Promise<HeadSnapshot> {
    return { weights: await this.head.weights(), adam: await this.head.optimizer.state(), running: this.running };
  }

  /** Class probabilities of each image, through the backbone in inference mode (model.eval()). */
  async predict(images: ImageInput | readonly ImageInput[]): Promise<Prediction[]> {
    this.check();
    const list = isImageList(images) ? images : [images];
    const decoded = await Promise.all(list.map((image, i) => toRgbImage(image, `image ${i}`)));
    const gpu = this.backbone.gpu;
    const model = this.model();
    const C = this.classes.length;
    const out: Prediction[] = [];
    const take = (p: Float32Array) => {
      for (let i = 0; i < p.length / C; i++) {
        const row = p.subarray(i * C, (i + 1) * C);
        out.push({
          label: this.classes[argmax(row)],
          probabilities: Object.fromEntries(this.classes.map((c, k) => [c, row[k]])),
          caption: caption(row, this.classes),
        });
      }
    };
    // Batch k + 1 is uploaded and queued while batch k runs and is read back.
    let pending: Promise<Float32Array> | null = null;
    for (let s = 0; s < decoded.length; s += this.settings.batchSize) {
      const batch = decoded.slice(s, s + this.settings.batchSize);
      const features = await plainFeatures(gpu, model, batch, this.backbone.weights.preprocessing);
      const probabilities = this.head.probabilities(features).finally(() => features.release());
      probabilities.catch(() => {}); // marked handled: its error surfaces at the await below
      if (pending) take(await pending);
      pending = probabilities;
    }
    if (pending) take(await pending);
    return out;
  }

  /**
   * How the classifier does on labelled data (Node: DIR/<class>/*, or a dataset folder's
   * validation/): accuracy, per-class precision, recall and F1, the confusion matrix and the
   * most confident mistakes, as evaluate.js prints them.
   */
  async evaluate(data: string | LabelledData): Promise<Evaluation> {
    this.check();
    const labelled =
      typeof data === 'string'
        ? await host().readLabelled(data, this.classes)
        : await this.labelled(data, 'evaluation data');
    const predictions = await this.predict(labelled.images);
    const rows = predictions.map((p) => this.classes.map((c) => p.probabilities[c]));
    return evaluatePredictions(this.classes, labelled.labels, rows);
  }

  /** The model's two files: model.json's text and head.safetensors' bytes. */
  async toBytes(where = 'model'): Promise<{ modelJson: string; head: Uint8Array }> {
    this.check();
    // A recipe that updates the running statistics saves them, before any training too.
    const saves = RECIPES[this.settings.recipe].savesRunningStatistics;
    const running = this.running ?? (saves ? runningStatisticsOf(this.backbone.weights) : null);
    const head = encodeHead(
      where,
      this.head.shape,
      await this.head.weights(),
      await this.head.optimizer.state(),
      running,
    );
    return { modelJson: modelJsonText(where, this.description(), await sha256Hex(head)), head };
  }

  /** Saves into a model folder (Node), atomically: `node dist/predict.js --model DIR` reads it. */
  async save(dir: string): Promise<void> {
    if (typeof dir !== 'string') throw new OptionError(`save: give a folder path, not ${described(dir)}`);
    // A URL's scheme would become a folder named "file:".
    if (hasUrlScheme(dir)) throw new OptionError(`save: give a folder path, not a URL (${dir})`);
    const { modelJson, head } = await this.toBytes(dir);
    await host().saveModel(dir, modelJson, head);
  }

  /** Frees the head and the cached inference model on the GPU (not the backbone, which others may share). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.dropPredictionModel();
    this.head.destroy();
  }

  private description(): ModelDescription {
    const w = this.backbone.weights;
    return {
      architecture: w.spec.name,
      classes: [...this.classes],
      preprocessing: w.preprocessing,
      head: this.head.shape,
      backbone: { weights: w.source, sha256: w.sha256, synthetic: w.synthetic },
      training: this.settings,
      history: this.records,
    };
  }

  /** The inference model predictions run: the backbone's own, or one folding the running statistics training left. */
  private model(): ResNet {
    const precision = this.settings.precision;
    if (!this.running) return this.backbone.model(precision);
    this.predictionModel ??= loadBackbone(
      this.backbone.gpu,
      withRunningStatistics(this.backbone.weights, this.running),
      precision,
    );
    return this.predictionModel;
  }

  private dropPredictionModel(): void {
    this.predictionModel?.destroy();
    this.predictionModel = null;
  }

  private check(): void {
    if (this.disposed) throw new DisposedError('Classifier');
    this.backbone.check();
  }

  private async resolveData(
    data: string | LabelledData,
    options: FitOptions,
  ): Promise<{ train: LabelledImages; validation: LabelledImages | null; source: string }> {
    const split = options.validationSplit;
    if (split !== undefined && !validFraction(split))
      throw new InputError(`validationSplit: ${split} is not a fraction in [0, 1)`);
    if (typeof data === 'string') {
      const folders = await host().readFolders(data, {
        limit: options.limit,
        validationSplit: split,
        seed: this.settings.seed,
      });
      if (folders.classes.join('\n') !== this.classes.join('\n'))
        throw new LabelError(
          `${data}: holds classes [${folders.classes.join(', ')}], the classifier has [${this.classes.join(', ')}]`,
        );
      const validation = options.validation
        ? await this.labelled(options.validation, 'validation')
        : folders.validation;
      return { train: folders.train, validation, source: data };
    }
    const all = await this.labelled(data, 'training data');
    if (split && !options.validation) {
      const order = all.labels.map((_, i) => i);
      const parts = splitByClass(order, (i) => all.labels[i], this.classes.length, split, this.settings.seed);
      const pick = (indices: number[]): LabelledImages => ({
        images: indices.map((i) => all.images[i]),
        labels: indices.map((i) => all.labels[i]),
      });
      return { train: pick(parts.train), validation: pick(parts.validation), source: 'arrays' };
    }
    const validation = options.validation ? await this.labelled(options.validation, 'validation') : null;
    return { train: all, validation, source: 'arrays' };
  }

  private async labelled(data: LabelledData, what: string): Promise<LabelledImages> {
    const pairs: LabelledImage[] = [];
    if ('images' in data && 'labels' in data) {
      if (data.images.length !== data.labels.length)
        throw new InputError(`${what}: ${data.images.length} images but ${data.labels.length} labels`);
      data.images.forEach((image, i) => pairs.push({ image, label: data.labels[i] }));
    } else if (Symbol.asyncIterator in data) {
      for await (const pair of data) pairs.push(pair);
    } else if (Symbol.iterator in data) {
      for (const pair of data) pairs.push(pair);
    } else {
      throw new InputError(`${what}: give {images, labels}, or an (async) iterable of {image, label}`);
    }
    const labels = pairs.map((p, i) => this.classIndex(p.label, `${what}, image ${i}`));
    const images = await Promise.all(pairs.map((p, i) => toRgbImage(p.image, `${what}, image ${i}`)));
    return { images, labels };
  }

  private classIndex(label: string | number, where: string): number {
    if (typeof label === 'number') {
      if (Number.isInteger(label) && label >= 0 && label < this.classes.length) return label;
      throw new LabelError(`${where}: label ${label} is not a class index (0 to ${this.classes.length - 1})`);
    }
    const k = this.classes.indexOf(label);
    if (k < 0) throw new LabelError(`${where}: unknown label '${label}' (classes: ${this.classes.join(', ')})`);
    return k;
  }
}

/** Refuses fit()'s options that it does not take, or of the wrong type. */
function checkFitOptions(where: string, options: object): void {
  checkOptions(where, options, FIT_OPTIONS, FIT_HINTS);
  const o = options as FitOptions;
  if (o.epochs !== undefined && !(Number.isInteger(o.epochs) && o.epochs >= 1))
    throw new OptionError(`${where}: epochs must be an integer >= 1, not ${described(o.epochs)}`);
  if (o.limit !== undefined && !(Number.isInteger(o.limit) && o.limit >= 1))
    throw new OptionError(`${where}: limit must be an integer >= 1, not ${described(o.limit)}`);
  for (const name of ['onEpochStart', 'onBatch', 'onEpoch', 'progress'] as const) checkFunction(where, name, o[name]);
  if (o.signal !== undefined && typeof (o.signal as AbortSignal | null)?.aborted !== 'boolean')
    throw new OptionError(`${where}: signal must be an AbortSignal, not ${described(o.signal)}`);
}

function isImageList(images: ImageInput | readonly ImageInput[]): images is readonly ImageInput[] {
  return Array.isArray(images);
}

function isRgbImage(x: unknown): x is RgbImage {
  const i = x as RgbImage;
  return (
    !!i &&
    typeof i === 'object' &&
    Number.isInteger(i.width) &&
    Number.isInteger(i.height) &&
    i.data instanceof Uint8Array &&
    i.data.length === i.width * i.height * 3
  );
}

/** A browser class by name, where this platform has it. */
function isInstance(x: unknown, name: string): boolean {
  const type = (globalThis as Record<string, unknown>)[name];
  return typeof type === 'function' && x instanceof (type as new () => unknown);
}

/** Any accepted image as 8-bit RGB; `name` says which image in errors. */
export async function toRgbImage(image: ImageInput, name: string): Promise<RgbImage> {
  if (isRgbImage(image)) return image;
  const decode = (bytes: Uint8Array) =>
    host()
      .decode(bytes, name)
      .catch((e: Error) => {
        throw e instanceof InputError ? e : new ImageInputError(`${name}: ${e.message}`, { cause: e });
      });
  if (image instanceof Uint8Array) return decode(image);
  if (image instanceof ArrayBuffer) return decode(new Uint8Array(image));
  if (typeof image === 'string' || image instanceof URL) {
    const source = typeof image === 'string' ? image : image.href;
    const bytes = await host().read(source);
    return host().decode(bytes, source);
  }
  if (isInstance(image, 'Blob')) return decode(new Uint8Array(await (image as Blob).arrayBuffer()));
  if (isInstance(image, 'ImageData')) {
    const d = image as ImageData;
    return rgbFromRgba(d.data, d.width, d.height);
  }
  for (const type of ['ImageBitmap', 'HTMLImageElement', 'HTMLCanvasElement', 'OffscreenCanvas', 'VideoFrame']) {
    if (!isInstance(image, type)) continue;
    const source = image as CanvasImageSource & { width?: number; height?: number; displayWidth?: number };
    const width = (source as VideoFrame).displayWidth ?? (source as HTMLImageElement).naturalWidth ?? source.width;
    const height = (source as VideoFrame).displayHeight ?? (source as HTMLImageElement).naturalHeight ?? source.height;
    if (!width || !height) throw new ImageInputError(`${name}: the ${type} has no pixels yet (not loaded?)`);
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    if (!context) throw new ImageInputError(`${name}: no 2d canvas context to read the ${type}`);
    context.drawImage(source, 0, 0, width, height);
    return rgbFromRgba(context.getImageData(0, 0, width, height).data, width, height);
  }
  const what =
    image === null ? 'null' : typeof image === 'object' ? (image.constructor?.name ?? 'object') : typeof image;
  throw new ImageInputError(
    `${name}: a ${what} is not an image (give RGB {width, height, data}, bytes, a Blob, a path or URL, ` +
      'ImageData, ImageBitmap, an image, canvas or VideoFrame)',
  );
}
