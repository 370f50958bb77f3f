// node dist/train.js --data DIR [options]: the training job (see --help); --features DIR trains on shards.
import { existsSync } from 'node:fs';
import { readImageFolders } from '../data/folders.node.js';
import { Gpu } from '../gpu/context.js';
import { readBackboneWeights } from '../model/load.node.js';
import { loadModel, lockModelFolder } from '../train/model-files.node.js';
import type { EpochRecord } from '../train/model-format.js';
import {
  ARTICLE_SETTINGS,
  checkResume,
  sweep,
  sweepPoints,
  sweepProblem,
  train,
  trainOnFeatures,
} from '../api/trainer.node.js';
import { checkShardBackbone, readFeatureShards } from '../train/shards.node.js';
import { DEFAULT_CACHE_MIB, DiskFeatureCache, defaultCacheDir } from '../train/feature-cache.node.js';
import { RECIPES, RECIPE_NAMES, precisionProblem } from '../train/recipe.js';
import { DEFAULT_LR_STEP_EPOCHS, LR_SCHEDULES, classWeightsProblem } from '../train/controls.js';
import { checkWritable, writeFileAtomic } from '../files.node.js';
import { UsageError, parseCommand, required } from './args.js';
import { MAX_PIXELS_OPTION, PRECISION_OPTION } from './options.js';
import { runCli, setStopNote } from './run.js';

const DEFAULT_WEIGHTS = 'weights/resnet50.safetensors';

const COMMAND = {
  command: 'node dist/train.js',
  summary:
    'Trains the dense head on DIR/train/<class>/* over the frozen ResNet-50 and validates on ' +
    'DIR/validation/<class>/* after every epoch; saves OUT/model.json and OUT/head.safetensors after each ' +
    'epoch.',
  options: {
    recipe: {
      type: 'choice',
      choices: RECIPE_NAMES,
      description:
        "pytorch: the article's PyTorch code (batchnorm on batch statistics in training, running statistics " +
        'updated and saved with the model); keras: its Keras 2.2.2 code (Keras .h5 weights, caffe preprocessing, ' +
        'batch statistics without updates, glorot init, Keras Adam); frozen: inference-mode backbone, ' +
        "features cached where not augmented (fastest) (default: pytorch, or the resumed run's)",
    },
    data: {
      type: 'string',
      value: 'DIR',
      description: 'dataset folder with train/<class>/ and validation/<class>/ (required)',
    },
    precision: {
      ...PRECISION_OPTION,
      description:
        `${PRECISION_OPTION.description}; f16 trains the frozen recipe only ` + "(default: f32, or the resumed run's)",
    },
    features: {
      type: 'string',
      value: 'DIR',
      description:
        'train a new head on the feature shards embed.js --data ... --shard I/N --features-out DIR/I.safetensors ' +
        'wrote (every shard of one set), instead of --data: the frozen recipe without augmentation',
    },
    'val-split': {
      type: 'number',
      value: 'FRACTION',
      above: 0,
      below: 1,
      description:
        'for a dataset without validation/: hold out this share of each class of train/ for validation, ' +
        'chosen by --seed (e.g. 0.2); recorded in model.json',
    },
    epochs: { type: 'integer', min: 1, default: ARTICLE_SETTINGS.epochs, description: 'epochs to train' },
    'batch-size': {
      type: 'integer',
      min: 1,
      list: true,
      description: "images per training step (default: 32, or the resumed run's); a list runs a sweep",
    },
    lr: {
      type: 'number',
      above: 0,
      list: true,
      description:
        "Adam learning rate (default: 1e-3, or the resumed run's); comma-separated values for --lr, --hidden and " +
        '--batch-size run a sweep over every combination on cached features (--recipe frozen --augment none), ' +
        'print a table of validation results (--json writes it) and save the best to OUT',
    },
    hidden: {
      type: 'integer',
      min: 1,
      list: true,
      description:
        `width of the head's hidden ReLU layer, for a new model (default: ${ARTICLE_SETTINGS.hidden}); ` +
        'a list runs a sweep',
    },
    cache: {
      type: 'string',
      value: 'DIR',
      description:
        'where backbone features of unaugmented images are kept across runs, by backbone, preprocessing and ' +
        `image content (default: ${defaultCacheDir()})`,
    },
    'no-cache': { type: 'flag', description: 'neither read nor write the feature cache' },
    'cache-size': {
      type: 'integer',
      min: 1,
      default: DEFAULT_CACHE_MIB,
      value: 'MIB',
      description: 'the most the feature cache keeps; the least recently used features go first',
    },
    augment: {
      type: 'choice',
      choices: ['full', 'flip', 'none'],
      description:
        "training augmentation: Keras's shear 10 degrees, zoom 0.8-1.2 and flip, flip only, or none (default: " +
        "full, or the resumed run's)",
    },
    fill: {
      type: 'choice',
      choices: ['constant', 'nearest'],
      description:
        'what augmented pixels outside the image get: black (PyTorch) or the nearest border pixel (Keras) ' +
        "(default: the recipe's: constant for pytorch and frozen, nearest for keras)",
    },
    'lr-schedule': {
      type: 'choice',
      choices: LR_SCHEDULES,
      description:
        "learning rate per epoch of this run: constant, cosine (PyTorch's CosineAnnealingLR down to 0 over " +
        "--epochs) or step (StepLR: x0.1 every --lr-step epochs) (default: constant, or the resumed run's)",
    },
    'lr-step': {
      type: 'integer',
      min: 1,
      value: 'EPOCHS',
      description: `the step schedule's period (default: ${DEFAULT_LR_STEP_EPOCHS}, or the resumed run's)`,
    },
    'class-weights': {
      type: 'string',
      value: 'auto|none|W1,W2,...',
      description:
        'weights of the classes in the training loss: auto balances unbalanced folders (images / (classes x ' +
        "images of the class)), or one number per class in the classes' order (default: none, or the resumed run's)",
    },
    'early-stopping': {
      type: 'integer',
      min: 1,
      value: 'PATIENCE',
      description: 'stop once validation loss has not improved for PATIENCE epochs in a row',
    },
    save: {
      type: 'choice',
      choices: ['last', 'best'],
      description:
        'which epoch OUT holds at the end: the last, or the one with the lowest validation loss (default: last)',
    },
    seed: {
      type: 'integer',
      min: 0,
      description: 'seed of head initialization, shuffling and augmentation (default: 0)',
    },
    limit: {
      type: 'integer',
      min: 1,
      value: 'N',
      description:
        'use at most N images of each class in each split (the first N by file name, before --val-split): ' +
        'quick trials and smoke tests; recorded in model.json',
    },
    weights: {
      type: 'string',
      value: 'FILE|random:SEED',
      description: `backbone weights (default: ${DEFAULT_WEIGHTS}, or the resumed model's)`,
    },
    out: {
      type: 'string',
      value: 'DIR',
      description: 'where the model is saved (default: model, or the --resume folder)',
    },
    json: { type: 'string', value: 'FILE', description: 'also write the per-epoch records as JSON' },
    'log-jsonl': {
      type: 'string',
      value: 'FILE',
      description: 'append one JSON object per batch and per epoch to FILE as training goes (for dashboards)',
    },
    quiet: { type: 'flag', description: 'no progress bars, progress lines or notes: the epoch lines and errors only' },
    resume: {
      type: 'string',
      value: 'DIR',
      description: 'continue training a saved model (its settings are the defaults)',
    },
    'skip-bad-images': { type: 'flag', description: 'skip images that fail to decode instead of stopping' },
    'max-pixels': MAX_PIXELS_OPTION,
  },
} as const;

type TrainValues = ReturnType<typeof parseCommand<typeof COMMAND.options>>['values'];

/** train.js --features DIR: a new head on merged feature shards. */
async function trainFromShards(v: TrainValues): Promise<void> {
  const dir = v.features!;
  for (const [flag, given] of [
    ['--data', v.data],
    ['--resume', v.resume],
    ['--val-split', v['val-split']],
    ['--limit', v.limit],
  ] as const)
    if (given !== undefined)
      throw new UsageError(`${flag}: not with --features (the shards hold the data and its split)`);
  if ((v.recipe ?? 'frozen') !== 'frozen' || (v.augment ?? 'none') !== 'none')
    throw new UsageError('--features: precomputed features train the frozen recipe without augmentation');
  if ([v.lr, v.hidden, v['batch-size']].some((list) => (list?.length ?? 0) > 1))
    throw new UsageError('--features: sweeps run on --data with the feature cache');
  const merged = readFeatureShards(dir);
  const weights = readBackboneWeights(v.weights ?? merged.weights);
  checkShardBackbone(merged, weights, dir);
  const classWeights = parseClassWeights(v['class-weights']);
  checkClassWeightCount(classWeights, merged.classes);
  const out = v.out ?? 'model';
  const release = lockModelFolder(out);
  if (v.json) checkWritable(v.json);
  const counts = (labels: number[]) => merged.classes.map((c, k) => `${labels.filter((l) => l === k).length} ${c}`);
  console.log(
    `features: ${dir}: ${merged.files.length} images of ${merged.data}: ` +
      `train ${counts(merged.train.labels).join(', ')}; ` +
      `validation ${counts(merged.validation.labels).join(', ')}`,
  );
  gpu = await Gpu.create();
  const start = performance.now();
  await trainOnFeatures(gpu, weights, merged, {
    data: dir,
    recipe: 'frozen',
    epochs: v.epochs,
    batchSize: v['batch-size']?.[0] ?? ARTICLE_SETTINGS.batchSize,
    lr: v.lr?.[0] ?? ARTICLE_SETTINGS.lr,
    hidden: v.hidden?.[0] ?? ARTICLE_SETTINGS.hidden,
    augment: 'none',
    fill: RECIPES.frozen.fill,
    seed: v.seed ?? 0,
    lrSchedule: v['lr-schedule'] ?? 'constant',
    lrStepEpochs: v['lr-step'] ?? DEFAULT_LR_STEP_EPOCHS,
    classWeights: classWeights ?? null,
    earlyStopping: v['early-stopping'] ?? null,
    save: v.save ?? 'last',
    // The precision embed.js computed the shards' features at.
    precision: merged.precision,
    limit: null,
    validationSplit: null,
    out,
    skipBadImages: false,
    resume: null,
    quiet: v.quiet,
    logJsonl: v['log-jsonl'],
    onEpoch: recordEpochs([], v.json),
  });
  console.log(savedLine(out, start));
  release();
}

/** After each epoch: keeps its record (for Ctrl-C's message) and rewrites --json with all so far. */
function recordEpochs(records: EpochRecord[], json: string | undefined): (record: EpochRecord) => void {
  return (record) => {
    records.push(record);
    if (json) writeFileAtomic(json, `${JSON.stringify(records, null, 2)}\n`);
  };
}

/** The run's last line. */
function savedLine(out: string, start: number): string {
  const seconds = (performance.now() - start) / 1000;
  return `saved ${out}/model.json and ${out}/head.safetensors (${seconds.toFixed(1)} s in all)`;
}

/** --class-weights given as numbers must have one per class of the data. */
function checkClassWeightCount(weights: 'auto' | number[] | null | undefined, classes: readonly string[]): void {
  const problem = Array.isArray(weights) && classWeightsProblem(weights, classes.length);
  if (problem) throw new UsageError(`--class-weights: ${problem} (${classes.join(', ')})`);
}

/** --class-weights: 'auto', 'none' (null), or one number per class; undefined when not given. */
function parseClassWeights(text: string | undefined): 'auto' | number[] | null | undefined {
  if (text === undefined || text === 'auto') return text;
  if (text === 'none') return null;
  const weights = text.split(',').map((w) => (/^\s*[\d.e+-]+\s*$/.test(w) ? Number(w) : NaN));
  if (!weights.every((w) => Number.isFinite(w) && w >= 0))
    throw new UsageError(`--class-weights ${text}: give auto, none, or non-negative numbers separated by commas`);
  return weights;
}

/**
 * The feature cache: a --cache folder that cannot be one fails before any work; the default
 * one, which nobody asked for, is left out with a warning.
 */
function featureCache(dir: string | undefined, mib: number): DiskFeatureCache | null {
  const options = { maxBytes: mib * 2 ** 20 };
  if (dir !== undefined) return new DiskFeatureCache(dir, options);
  try {
    return new DiskFeatureCache(defaultCacheDir(), options);
  } catch (e) {
    console.warn(`warning: ${(e as Error).message}; running without a feature cache`);
    return null;
  }
}

let gpu: Gpu | undefined;
runCli(
  async () => {
    const { values: v } = parseCommand(COMMAND);
    if (v.features !== undefined) return trainFromShards(v);
    const data = required('data', v.data);
    const saved = v.resume ? loadModel(v.resume) : null;
    const prior = saved?.json.training;
    const sweeping = [v.lr, v.hidden, v['batch-size']].some((list) => (list?.length ?? 0) > 1);
    const only = (list: number[] | undefined) => list?.[0];
    const hiddenGiven = only(v.hidden);
    if (saved && hiddenGiven !== undefined && hiddenGiven !== saved.json.head.hidden) {
      throw new UsageError(
        `--hidden ${hiddenGiven}: the resumed model's head has ${saved.json.head.hidden} hidden units; ` +
          '--hidden applies to new models only',
      );
    }
    if (saved && v.recipe !== undefined && v.recipe !== prior?.recipe) {
      throw new UsageError(
        `--recipe ${v.recipe}: the resumed model was trained with the ${prior?.recipe} recipe; ` +
          '--recipe applies to new models only',
      );
    }
    const recipe = v.recipe ?? prior?.recipe ?? ARTICLE_SETTINGS.recipe;
    const classWeights = parseClassWeights(v['class-weights']);
    const options = {
      data,
      recipe,
      epochs: v.epochs,
      batchSize: only(v['batch-size']) ?? prior?.batchSize ?? ARTICLE_SETTINGS.batchSize,
      lr: only(v.lr) ?? prior?.lr ?? ARTICLE_SETTINGS.lr,
      hidden: hiddenGiven ?? ARTICLE_SETTINGS.hidden,
      augment: v.augment ?? prior?.augment ?? ARTICLE_SETTINGS.augment,
      fill: v.fill ?? prior?.fill ?? RECIPES[recipe].fill,
      seed: v.seed ?? prior?.seed ?? 0,
      lrSchedule: v['lr-schedule'] ?? prior?.lrSchedule ?? 'constant',
      lrStepEpochs: v['lr-step'] ?? prior?.lrStepEpochs ?? DEFAULT_LR_STEP_EPOCHS,
      classWeights: classWeights === undefined ? (prior?.classWeights ?? null) : classWeights,
      earlyStopping: v['early-stopping'] ?? null,
      save: v.save ?? 'last',
      precision: v.precision ?? prior?.precision ?? ARTICLE_SETTINGS.precision,
      limit: v.limit ?? null,
      validationSplit: v['val-split'] ?? null,
      out: v.out ?? v.resume ?? 'model',
      skipBadImages: v['skip-bad-images'],
      maxPixels: v['max-pixels'],
      resume: saved,
      quiet: v.quiet,
      logJsonl: v['log-jsonl'],
      featureCache: v['no-cache'] ? null : featureCache(v.cache, v['cache-size']),
    };
    const problem = sweeping ? sweepProblem(options) : null;
    if (problem) throw new UsageError(`${problem} (--lr, --hidden or --batch-size lists several values)`);
    const precisionTrouble = precisionProblem(RECIPES[recipe], options.precision);
    if (precisionTrouble) throw new UsageError(`--precision ${options.precision}: ${precisionTrouble}`);
    const weightsPath = v.weights ?? saved?.json.backbone.weights ?? DEFAULT_WEIGHTS;
    if (weightsPath === DEFAULT_WEIGHTS && !existsSync(DEFAULT_WEIGHTS)) {
      throw new UsageError(
        `${DEFAULT_WEIGHTS} not found: run 'node dist/fetch-weights.js' to download the pretrained ResNet-50 ` +
          `(or use --weights random:SEED for an offline smoke run)`,
      );
    }
    // The output folder is taken (and so checked writable) before any work.
    const release = lockModelFolder(options.out);
    if (v.json) checkWritable(v.json);
    if (v['log-jsonl']) checkWritable(v['log-jsonl']);
    const dataset = readImageFolders(options.data, options.limit ?? Infinity, {
      skipBad: options.skipBadImages,
      validationSplit: options.validationSplit ?? undefined,
      seed: options.seed,
    });
    if (!v.quiet) for (const note of dataset.notes) console.warn(`note: ${note}`);
    checkClassWeightCount(options.classWeights, dataset.classes);
    const weights = readBackboneWeights(weightsPath);
    if (saved && v.resume) checkResume(saved, dataset, weights, v.resume);
    if (weights.synthetic)
      console.warn(`warning: ${weightsPath}: random backbone weights; accuracy will be near chance`);
    const counts = (split: 'train' | 'validation') =>
      dataset.classes.map((c, i) => `${dataset.splits[split].filter((s) => s.label === i).length} ${c}`).join(', ');
    console.log(
      `data: ${options.data}: train ${counts('train')}; validation ` +
        `${counts('validation')}${dataset.skipped ? `; ${dataset.skipped} non-image file(s) ignored` : ''}`,
    );
    const records: EpochRecord[] = [];
    // Ctrl-C or SIGTERM says what the folder holds: the last epoch saved, or the model as it was.
    setStopNote(() => {
      const last = records.at(-1);
      const kept = last ? `holds epoch ${last.epoch}` : saved ? 'is unchanged' : 'holds no model';
      return `interrupted: ${options.out} ${kept}`;
    });
    gpu = await Gpu.create();
    const start = performance.now();
    if (sweeping) {
      const points = sweepPoints(
        v.lr ?? [options.lr],
        v.hidden ?? [options.hidden],
        v['batch-size'] ?? [options.batchSize],
      );
      console.log(`sweep: ${points.length} settings, ${options.epochs} epoch(s) each`);
      const results = await sweep(gpu, weights, dataset, options, points);
      if (v.json) writeFileAtomic(v.json, `${JSON.stringify(results, null, 2)}\n`);
    } else
      await train(gpu, weights, dataset, {
        ...options,
        onEpoch: recordEpochs(records, v.json),
      });
    console.log(savedLine(options.out, start));
    release();
  },
  () => gpu?.destroy(),
);
