// The training job of deepsense.ai's "Keras vs. PyTorch" article from a dataset folder: the
// images decoded on worker threads, the library's Classifier trained with progress bars, the
// model saved after every epoch.
import { appendFileSync, writeFileSync } from 'node:fs';
import type { HeadShape } from '../autograd/head.js';
import type { AugmentMode } from '../data/augment.js';
import { decodeAll } from '../data/decode-all.node.js';
import { DataError, type Dataset, type Sample } from '../data/folders.node.js';
import { InputError } from '../errors.js';
import type { Gpu } from '../gpu/context.js';
import type { FillMode } from '../kernels/augment.js';
import { plan } from '../model/architecture.js';
import type { BackboneWeights } from '../model/backbone.js';
import type { LabelledImages } from '../train/fit.js';
import { saveModelFiles } from '../train/model-files.node.js';
import { type EpochRecord, ModelError, type SavedModel, checkBackbone } from '../train/model-format.js';
import { Progress } from '../train/progress.node.js';
import type { RecipeName } from '../train/recipe.js';
import { DEFAULT_LR_STEP_EPOCHS, type LrSchedule } from '../train/controls.js';
import { Backbone } from './backbone.js';
import { Classifier } from './classifier.js';

/** The settings of the "Keras vs. PyTorch" article's training code: the defaults of train.js and bench:train. */
export const ARTICLE_SETTINGS = {
  recipe: 'pytorch',
  epochs: 3,
  batchSize: 32,
  lr: 1e-3,
  hidden: 128,
  augment: 'full',
  lrSchedule: 'constant',
  lrStepEpochs: DEFAULT_LR_STEP_EPOCHS,
  classWeights: null,
  earlyStopping: null,
  save: 'last',
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
  lrSchedule: LrSchedule;
  lrStepEpochs: number;
  classWeights: 'auto' | number[] | null;
  /** Patience of early stopping on validation loss, or null. */
  earlyStopping: number | null;
  /** Which epoch the model folder holds at the end. */
  save: 'best' | 'last';
  /** The share of train/ held out per class when the data has no validation/ (already split in `dataset`). */
  validationSplit: number | null;
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
  const decodeProgress = new Progress('decode', files.length, { quiet: o.quiet });
  if (o.logJsonl) writeFileSync(o.logJsonl, '');
  const logEvent = (event: object) => {
    if (o.logJsonl) appendFileSync(o.logJsonl, `${JSON.stringify(event)}\n`);
  };
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
  const train = splitOf(dataset.splits.train, 0);
  const validation = splitOf(dataset.splits.validation, dataset.splits.train.length);

  // The library's Classifier is the one path: train.js adds decoding, progress bars and saving.
  const backbone = await Backbone.load(weights, { gpu });
  const settings = {
    lr: o.lr,
    seed: o.seed,
    batchSize: o.batchSize,
    augment: o.augment,
    fill: o.fill,
    lrSchedule: o.lrSchedule,
    lrStepEpochs: o.lrStepEpochs,
    classWeights: o.classWeights,
    earlyStopping: o.earlyStopping,
    save: o.save,
  };
  let classifier: Classifier | null = null;
  try {
    classifier = o.resume
      ? Classifier.fromSaved(backbone, o.resume, o.out, settings)
      : Classifier.create(backbone, dataset.classes, { ...settings, recipe: o.recipe, hidden: o.hidden });
    const model = classifier;
    let bestLoss = Infinity;
    await model.fit(train, {
      epochs: o.epochs,
      validation,
      source: o.data,
      limit: o.limit ?? undefined,
      validationSplit: o.validationSplit ?? undefined,
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
    });
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
  } finally {
    classifier?.dispose();
    backbone.dispose();
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
