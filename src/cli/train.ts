// node dist/train.js --data DIR [options]: the training job (see --help); --features DIR trains on shards.
import { existsSync } from 'node:fs';
import { readImageFolders } from '../data/folders.node.js';
import { Gpu } from '../gpu/context.js';
import { readBackboneWeights } from '../api/weights.node.js';
import { loadModel, lockModelFolder } from '../train/model-files.node.js';
import type { EpochRecord } from '../train/model-format.js';
import { checkResume, pickBest, sweep, sweepPoints, sweepProblem, train, trainOnFeatures } from './train-job.js';
import { type MergedFeatures, checkShardBackbone, readFeatureShards } from '../train/shards.node.js';
import { DEFAULT_CACHE_MIB, DiskFeatureCache, defaultCacheDir } from '../train/feature-cache.node.js';
import { resolveSettings, settingsProblem } from '../train/settings.js';
import { checkWritable, writeFileAtomic } from '../files.node.js';
import { UsageError, commandName, parseCommand, required } from './args.js';
import { MAX_PIXELS_OPTION, flagProblem, givenSettings, settingFlags } from './options.js';
import { runCli, setStopNote } from './run.js';

const DEFAULT_WEIGHTS = 'weights/resnet50.safetensors';

// The training settings' flags come from their declarations (src/train/settings.ts).
const FLAGS = settingFlags();
const SWEEP =
  '; comma-separated values for --lr, --hidden and --batch-size run a sweep over every combination on ' +
  'cached features (--recipe frozen --augment none), print a table of validation results (--json writes ' +
  'it) and save the best to OUT';
const A_SWEEP = '; a list runs a sweep (see --lr)';

const COMMAND = {
  command: 'node dist/train.js',
  summary:
    'Trains the dense head on DIR/train/<class>/* over the frozen ResNet-50 and validates on ' +
    'DIR/validation/<class>/* after every epoch; saves OUT/model.json and OUT/head.safetensors after each ' +
    'epoch.',
  options: {
    data: {
      type: 'string',
      value: 'DIR',
      description: 'dataset folder with train/<class>/ and validation/<class>/ (required)',
    },
    'pick-best': {
      type: 'string',
      value: 'DIR',
      description:
        'the merge step of a sweep run as a job array (one model per task, in DIR/*/): save the one whose kept ' +
        'epoch has the lowest validation loss to --out, and print a row per model; trains nothing',
    },
    features: {
      type: 'string',
      value: 'DIR',
      description:
        'train a new head on the feature shards embed.js --data ... --shard I/N --features-out DIR/I.safetensors ' +
        'wrote (every shard of one set), instead of --data: the frozen recipe without augmentation; rows are ' +
        'read from the shards batch by batch, so the set need not fit in memory',
    },
    ...FLAGS,
    'batch-size': { ...FLAGS['batch-size'], list: true, description: `${FLAGS['batch-size'].description}${A_SWEEP}` },
    lr: { ...FLAGS.lr, list: true, description: `${FLAGS.lr.description}${SWEEP}` },
    hidden: { ...FLAGS.hidden, list: true, description: `${FLAGS.hidden.description}${A_SWEEP}` },
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
  try {
    await trainOnShards(v, dir, merged);
  } finally {
    merged.close();
  }
}

/** train.js --features DIR, its shards open: a head trained on them, batch by batch from the files. */
async function trainOnShards(v: TrainValues, dir: string, merged: MergedFeatures): Promise<void> {
  const weights = readBackboneWeights(v.weights ?? merged.weights);
  checkShardBackbone(merged, weights, dir);
  const classWeights = parseClassWeights(v['class-weights']);
  // The frozen recipe without augmentation, at the precision embed.js computed the shards' features at.
  const settings = resolveSettings({
    ...givenSettings(v),
    recipe: 'frozen',
    augment: 'none',
    precision: merged.precision,
    data: dir,
    ...(classWeights !== 'auto' && { classWeights }),
  });
  const problem = settingsProblem(settings, { classes: merged.classes });
  if (problem) throw flagProblem(problem, settings);
  const out = v.out ?? 'model';
  const release = lockModelFolder(out);
  if (v.json) checkWritable(v.json);
  const counts = (labels: number[]) => merged.classes.map((c, k) => `${labels.filter((l) => l === k).length} ${c}`);
  console.log(
    `features: ${dir}: ${merged.images} images of ${merged.data}: ` +
      `train ${counts(merged.train.labels).join(', ')}; ` +
      `validation ${counts(merged.validation.labels).join(', ')}`,
  );
  gpu = await Gpu.create();
  const start = performance.now();
  await trainOnFeatures(gpu, weights, merged, {
    ...settings,
    classWeights: classWeights === 'auto' ? 'auto' : settings.classWeights,
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
    if (v['pick-best'] !== undefined) {
      if (v.data !== undefined || v.features !== undefined || v.resume !== undefined)
        throw new UsageError('--pick-best: not with --data, --features or --resume (it trains nothing)');
      return pickBest(v['pick-best'], v.out ?? 'model');
    }
    if (v.features !== undefined) return trainFromShards(v);
    const data = required('data', v.data);
    const saved = v.resume ? loadModel(v.resume) : null;
    const prior = saved?.json.training;
    const sweeping = [v.lr, v.hidden, v['batch-size']].some((list) => (list?.length ?? 0) > 1);
    const given = givenSettings(v);
    if (saved && given.hidden !== undefined && given.hidden !== saved.json.head.hidden) {
      throw new UsageError(
        `--hidden ${given.hidden}: the resumed model's head has ${saved.json.head.hidden} hidden units; ` +
          '--hidden applies to new models only',
      );
    }
    if (saved && given.recipe !== undefined && given.recipe !== prior?.recipe) {
      throw new UsageError(
        `--recipe ${given.recipe}: the resumed model was trained with the ${prior?.recipe} recipe; ` +
          '--recipe applies to new models only',
      );
    }
    const classWeights = parseClassWeights(v['class-weights']);
    const settings = resolveSettings(
      { ...given, data, ...(classWeights !== 'auto' && { classWeights }) },
      prior ?? null,
    );
    const options = {
      ...settings,
      classWeights: classWeights === 'auto' ? ('auto' as const) : settings.classWeights,
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
    const settingsTrouble = settingsProblem(settings);
    if (settingsTrouble) throw flagProblem(settingsTrouble, settings);
    const weightsPath = v.weights ?? saved?.json.backbone.weights ?? DEFAULT_WEIGHTS;
    if (weightsPath === DEFAULT_WEIGHTS && !existsSync(DEFAULT_WEIGHTS)) {
      throw new UsageError(
        `${DEFAULT_WEIGHTS} not found: run '${commandName('fetch-weights')}' to download the pretrained ResNet-50 ` +
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
    const classProblem = settingsProblem(settings, { classes: dataset.classes });
    if (classProblem) throw flagProblem(classProblem, settings);
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
