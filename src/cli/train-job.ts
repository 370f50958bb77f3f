// The training job of deepsense.ai's "Keras vs. PyTorch" article from a dataset folder: the
// images decoded on worker threads, the library's Classifier trained with progress bars, the
// model saved after every epoch.
import { appendFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeAll } from '../data/decode-all.node.js';
import { DataError, type Dataset, type Sample } from '../data/folders.node.js';
import { InputError } from '../errors.js';
import type { Gpu } from '../gpu/context.js';
import { type BackboneWeights, type HeadShape, plan } from '../index.js';
import { type FeatureCache, type LabelledImages, MemoryFeatureCache } from '../train/fit.js';
import { loadModel, saveModelFiles } from '../train/model-files.node.js';
import { readBytes, sha256 } from '../files.node.js';
import { type EpochRecord, ModelError, type SavedModel, checkBackbone } from '../train/model-format.js';
import { Progress } from '../train/progress.node.js';
import { Backbone } from '../api/backbone.js';
import { Classifier, type ClassifierOptions, type FitOptions } from '../api/classifier.js';
import type { MergedFeatures } from '../train/shards.node.js';

export { ARTICLE_SETTINGS } from '../train/settings.js';
import { type SettingValues, pickSettings } from '../train/settings.js';

/** A train.js run: its settings (src/train/settings.ts) and what the job does around them. */
export interface TrainOptions extends Omit<SettingValues, 'classWeights'> {
  /** 'auto' balances the classes of the training data. */
  classWeights: 'auto' | number[] | null;
  out: string;
  skipBadImages: boolean;
  /** Images declaring more pixels are refused before decoding (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
  resume: SavedModel | null;
  onEpoch?: (record: EpochRecord) => void;
  log?: (line: string) => void;
  /** No progress bars or lines (--quiet). */
  quiet?: boolean;
  /** Appends one JSON object per batch and per epoch to this file (--log-jsonl). */
  logJsonl?: string;
  /** Keeps unaugmented images' backbone features across runs (--cache; null: --no-cache). */
  featureCache?: FeatureCache | null;
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

const logOf = (o: TrainOptions) => o.log ?? ((line: string) => console.log(line));

/** Decodes the dataset's images on worker threads, under a progress bar. */
async function decodeDataset(
  dataset: Dataset,
  o: TrainOptions,
): Promise<{ train: LabelledImages; validation: LabelledImages }> {
  const files = [...dataset.splits.train, ...dataset.splits.validation];
  const decodeProgress = new Progress('decode', files.length, { quiet: o.quiet });
  const decoded = await decodeAll(
    files.map((s) => s.file),
    { skipBad: o.skipBadImages, maxPixels: o.maxPixels, onProgress: (d) => decodeProgress.update(d) },
  );
  const skipped = decoded.bad.length ? `, ${decoded.bad.length} bad image(s) skipped` : '';
  decodeProgress.finish(`${decoded.threads} thread${decoded.threads > 1 ? 's' : ''}${skipped}`);
  const splitOf = (samples: Sample[], offset: number): LabelledImages => {
    const kept = samples.map((s, i) => ({ s, img: decoded.images[offset + i] })).filter((x) => x.img);
    if (!kept.length) throw new DataError(`${o.data}: no readable images in a split`);
    return { images: kept.map((x) => x.img!), labels: kept.map((x) => x.s.label) };
  };
  return {
    train: splitOf(dataset.splits.train, 0),
    validation: splitOf(dataset.splits.validation, dataset.splits.train.length),
  };
}

/** The Classifier settings of train.js's options (recipe and hidden: a new model's only). */
function classifierSettings(o: TrainOptions): Omit<ClassifierOptions, 'recipe' | 'hidden'> {
  const { recipe: _r, hidden: _h, data: _d, limit: _l, validationSplit: _v, epochs: _e, ...settings } = pickSettings(o);
  return { ...settings, classWeights: o.classWeights };
}

export async function train(
  gpu: Gpu,
  weights: BackboneWeights,
  dataset: Dataset,
  o: TrainOptions,
): Promise<EpochRecord[]> {
  checkHeadFits(
    gpu,
    o.resume?.json.head ?? {
      features: plan(weights.spec).featureSize,
      hidden: o.hidden,
      classes: dataset.classes.length,
    },
  );
  const { train, validation } = await decodeDataset(dataset, o);

  // The library's Classifier is the one path: train.js adds decoding, progress bars and saving.
  const backbone = await Backbone.load(weights, { gpu });
  const settings = classifierSettings(o);
  let classifier: Classifier | null = null;
  try {
    classifier = o.resume
      ? Classifier.fromSaved(backbone, o.resume, o.out, settings)
      : Classifier.create(backbone, dataset.classes, { ...settings, recipe: o.recipe, hidden: o.hidden });
    await classifier.fit(train, {
      ...runCallbacks(classifier, o),
      epochs: o.epochs,
      validation,
      source: o.data,
      limit: o.limit ?? undefined,
      validationSplit: o.validationSplit ?? undefined,
      featureCache: o.featureCache ?? undefined,
    });
    return finishRun(classifier, o);
  } finally {
    classifier?.dispose();
    backbone.dispose();
  }
}

/** train.js --features DIR: a new head on merged feature shards (frozen recipe, no augmentation). */
export async function trainOnFeatures(
  gpu: Gpu,
  weights: BackboneWeights,
  merged: MergedFeatures,
  o: TrainOptions,
): Promise<EpochRecord[]> {
  checkHeadFits(gpu, { features: plan(weights.spec).featureSize, hidden: o.hidden, classes: merged.classes.length });
  const backbone = await Backbone.load(weights, { gpu });
  let classifier: Classifier | null = null;
  try {
    classifier = Classifier.create(backbone, merged.classes, {
      ...classifierSettings(o),
      recipe: 'frozen',
      augment: 'none',
      hidden: o.hidden,
    });
    await classifier.fitFeatures(merged.train, {
      ...runCallbacks(classifier, o),
      epochs: o.epochs,
      validation: merged.validation,
      source: o.data,
    });
    return finishRun(classifier, o);
  } finally {
    classifier?.dispose();
    backbone.dispose();
  }
}

/** What a train.js run does around fit(): epoch headings and lines, the JSONL log, saving. */
function runCallbacks(model: Classifier, o: TrainOptions): FitOptions {
  const log = logOf(o);
  if (o.logJsonl) writeFileSync(o.logJsonl, '');
  const logEvent = (event: object) => {
    if (o.logJsonl) appendFileSync(o.logJsonl, `${JSON.stringify(event)}\n`);
  };
  let bestLoss = Infinity;
  return {
    progress: (label, total) => new Progress(label, total, { quiet: o.quiet }),
    onEpochStart: (epoch, last) => {
      if (!o.quiet) log(`Epoch ${epoch}/${last}`);
    },
    onBatch: (report) => logEvent({ event: 'batch', ...report }),
    onEpoch: async (record) => {
      const { epoch, train: t, validation: v } = record;
      const lr = o.lrSchedule === 'constant' ? '' : `, lr ${record.lr!.toPrecision(3)}`;
      log(`epoch ${epoch}: train loss: ${t.loss.toFixed(4)}, acc: ${t.acc.toFixed(4)}${lr}`);
      log(
        `epoch ${epoch}: validation loss: ${v!.loss.toFixed(4)}, acc: ${v!.acc.toFixed(4)}   ` +
          `(${record.seconds.toFixed(1)} s, ${record.imagesPerSecond.toFixed(2)} images/s)`,
      );
      logEvent({ event: 'epoch', ...record });
      // --save best: the folder changes only when validation loss reaches a new low.
      if (o.save === 'last' || v!.loss < bestLoss) {
        bestLoss = Math.min(bestLoss, v!.loss);
        const { modelJson, head } = await model.toBytes(o.out);
        saveModelFiles(o.out, modelJson, head);
      }
      o.onEpoch?.(record);
    },
  };
}

/** The lines after a run: early stopping, the epoch kept. */
function finishRun(model: Classifier, o: TrainOptions): EpochRecord[] {
  const log = logOf(o);
  const stopped = model.stoppedEarly;
  if (stopped)
    log(
      `early stopping: validation loss has not improved for ${o.earlyStopping} epoch(s) since epoch ` +
        `${stopped.bestEpoch}; stopped after epoch ${stopped.epoch}`,
    );
  const last = model.history.at(-1);
  if (o.save === 'best' && last)
    log(`kept epoch ${last.epoch}, the lowest validation loss (${last.validation!.loss.toFixed(4)})`);
  return [...model.history];
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

/** One point of a sweep: the head settings that --lr, --hidden and --batch-size list. */
export interface SweepPoint {
  lr: number;
  hidden: number;
  batchSize: number;
}

export interface SweepResult extends SweepPoint {
  /** Epochs run (fewer than asked where early stopping stopped the point). */
  epochs: number;
  /** The epoch the point's model holds (--save) and its validation. */
  epoch: number;
  validation: { loss: number; acc: number };
  seconds: number;
}

/** Every combination of the listed values, in the order lr, hidden, batch size. */
export function sweepPoints(lr: number[], hidden: number[], batchSize: number[]): SweepPoint[] {
  return lr.flatMap((l) => hidden.flatMap((h) => batchSize.map((b) => ({ lr: l, hidden: h, batchSize: b }))));
}

/** Why a sweep cannot run on cached features with these settings, or null. */
export function sweepProblem(o: Pick<TrainOptions, 'recipe' | 'augment' | 'resume'>): string | null {
  if (o.resume) return 'a sweep trains new heads: leave out --resume';
  if (o.recipe !== 'frozen' || o.augment !== 'none')
    return 'a sweep trains heads on cached backbone features: use --recipe frozen --augment none';
  return null;
}

/**
 * Trains a new head per point on the same data (features from the backbone once, then from the
 * cache), prints a row per point, and saves the point with the lowest validation loss to o.out.
 */
export async function sweep(
  gpu: Gpu,
  weights: BackboneWeights,
  dataset: Dataset,
  o: TrainOptions,
  points: readonly SweepPoint[],
): Promise<SweepResult[]> {
  const problem = sweepProblem(o);
  if (problem) throw new InputError(problem);
  const log = logOf(o);
  const features = plan(weights.spec).featureSize;
  for (const p of points) checkHeadFits(gpu, { features, hidden: p.hidden, classes: dataset.classes.length });
  const { train, validation } = await decodeDataset(dataset, o);
  const backbone = await Backbone.load(weights, { gpu });
  // Without a disk cache the sweep still computes features once, in memory.
  const cache = o.featureCache ?? new MemoryFeatureCache();
  const results: SweepResult[] = [];
  let best: { result: SweepResult; model: Classifier } | null = null;
  log(sweepRow(SWEEP_HEADER));
  try {
    for (const [i, p] of points.entries()) {
      const model = Classifier.create(backbone, dataset.classes, {
        ...classifierSettings(o),
        ...p,
        recipe: o.recipe,
      });
      const start = performance.now();
      const added = await model.fit(train, {
        epochs: o.epochs,
        validation,
        source: o.data,
        limit: o.limit ?? undefined,
        validationSplit: o.validationSplit ?? undefined,
        featureCache: cache,
        // Feature progress for the first point only: the others read the cache.
        progress: (label, total) =>
          new Progress(label, total, { quiet: o.quiet || i > 0 || label.startsWith('epoch') }),
      });
      const kept = model.history.at(-1)!;
      const result: SweepResult = {
        ...p,
        epochs: added.length,
        epoch: kept.epoch,
        validation: { loss: kept.validation!.loss, acc: kept.validation!.acc },
        seconds: (performance.now() - start) / 1000,
      };
      results.push(result);
      log(sweepRow(sweepCells(result)));
      if (!best || result.validation.loss < best.result.validation.loss) {
        best?.model.dispose();
        best = { result, model };
      } else model.dispose();
    }
    const { modelJson, head } = await best!.model.toBytes(o.out);
    saveModelFiles(o.out, modelJson, head);
    const b = best!.result;
    log(
      `best: --lr ${b.lr} --hidden ${b.hidden} --batch-size ${b.batchSize} ` +
        `(validation loss ${b.validation.loss.toFixed(4)})`,
    );
    return results;
  } finally {
    best?.model.dispose();
    backbone.dispose();
  }
}

const SWEEP_HEADER = ['lr', 'hidden', 'batch', 'epoch', 'val loss', 'val acc', 'seconds'];
const SWEEP_WIDTHS = [10, 7, 6, 7, 9, 8, 8];

/** One row of a sweep's table: the point, the epoch kept of those run, its validation, the seconds. */
function sweepCells(r: SweepResult): string[] {
  return [
    String(r.lr),
    String(r.hidden),
    String(r.batchSize),
    `${r.epoch}/${r.epochs}`,
    r.validation.loss.toFixed(4),
    r.validation.acc.toFixed(4),
    r.seconds.toFixed(2),
  ];
}

const sweepRow = (cells: string[]) => cells.map((x, k) => x.padStart(SWEEP_WIDTHS[k])).join(' ');

/**
 * train.js --pick-best DIR: the merge step of a sweep run as a job array, one model per task in
 * DIR's folders. Each is loaded and checked; the one whose kept epoch has the lowest validation
 * loss (the sweep's own rule) is saved to `out`, and a row per model printed.
 */
export function pickBest(dir: string, out: string): void {
  let folders: string[];
  try {
    folders = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'model.json')))
      .map((e) => join(dir, e.name))
      .sort();
  } catch {
    throw new InputError(`${dir}: no such folder`);
  }
  if (!folders.length) throw new InputError(`${dir}: no saved models in its folders (DIR/*/model.json)`);
  const points = folders.map((folder) => {
    const saved = loadModel(folder);
    const kept = saved.json.history.at(-1);
    if (!kept?.validation) throw new InputError(`${folder}: its kept epoch has no validation loss to compare`);
    const head = readBytes(join(folder, saved.json.head.file), ModelError);
    if (sha256(head) !== saved.json.head.sha256)
      throw new ModelError(`${folder}: ${saved.json.head.file} does not match model.json (its save did not finish)`);
    const modelJson = new TextDecoder().decode(readBytes(join(folder, 'model.json'), ModelError));
    return { folder, saved, kept, validation: kept.validation, modelJson, head };
  });
  const best = points.reduce((a, b) => (b.validation.loss < a.validation.loss ? b : a));
  const width = Math.max(5, ...points.map((p) => p.folder.length));
  console.log(`${'model'.padEnd(width)} ${sweepRow(SWEEP_HEADER)}`);
  for (const p of points) {
    const { training, head, history } = p.saved.json;
    const cells = [
      String(training.lr),
      String(head.hidden),
      String(training.batchSize),
      `${p.kept.epoch}/${history.length}`,
      p.validation.loss.toFixed(4),
      p.validation.acc.toFixed(4),
      history.reduce((sum, h) => sum + h.seconds, 0).toFixed(2),
    ];
    console.log(`${p.folder.padEnd(width)} ${sweepRow(cells)}`);
  }
  saveModelFiles(out, best.modelJson, best.head);
  console.log(`best: ${best.folder} (validation loss ${best.validation.loss.toFixed(4)}), saved to ${out}`);
}
