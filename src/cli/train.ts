// node dist/train.js --data DIR [--epochs 3] [--batch-size 32] [--lr 1e-3] [--hidden 128]
//   [--augment full|flip|none] [--fill constant|nearest] [--seed N] [--limit N]
//   [--weights FILE|random:SEED] [--out DIR] [--json FILE] [--resume DIR] [--skip-bad-images]
import { existsSync } from 'node:fs';
import { readImageFolders } from '../data/folders.js';
import { Gpu } from '../gpu/context.js';
import { readBackboneWeights } from '../model/load.js';
import { loadModel } from '../train/model-files.js';
import type { EpochRecord } from '../train/model-format.js';
import { checkResume, train } from '../train/trainer.js';
import { writeFileAtomic } from '../files.js';
import { UsageError, numberOption, parseCli, runCli } from './run.js';

const USAGE = `usage: node dist/train.js --data DIR [--epochs 3] [--batch-size 32] [--lr 1e-3] [--hidden 128]
  [--augment full|flip|none] [--fill constant|nearest] [--seed N] [--limit N]
  [--weights weights/resnet50.safetensors | random:SEED] [--out model] [--json FILE] [--resume DIR] [--skip-bad-images]`;
const DEFAULT_WEIGHTS = 'weights/resnet50.safetensors';

const positive = (n: number) => Number.isInteger(n) && n > 0;
const choice = <T extends string>(name: string, value: string, allowed: readonly T[]): T => {
  if (!allowed.includes(value as T)) throw new UsageError(`--${name}: '${value}' is not one of ${allowed.join(', ')}`);
  return value as T;
};

let gpu: Gpu | undefined;
runCli(
  async () => {
    const { values: v, positionals } = parseCli(USAGE, {
      data: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' }, lr: { type: 'string' }, hidden: { type: 'string' },
      augment: { type: 'string' }, fill: { type: 'string' }, seed: { type: 'string' }, limit: { type: 'string' }, weights: { type: 'string' },
      out: { type: 'string' }, json: { type: 'string' }, resume: { type: 'string' }, 'skip-bad-images': { type: 'boolean' },
    });
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'\n${USAGE}`);
    if (!v.data) throw new UsageError(`--data is required\n${USAGE}`);
    const saved = v.resume ? loadModel(v.resume as string) : null;
    const prior = saved?.json.training;
    const options = {
      data: v.data as string,
      epochs: numberOption('epochs', v.epochs as string | undefined, 3, positive),
      batchSize: numberOption('batch-size', v['batch-size'] as string | undefined, prior?.batchSize ?? 32, positive),
      lr: numberOption('lr', v.lr as string | undefined, prior?.lr ?? 1e-3, (n) => n > 0 && Number.isFinite(n)),
      hidden: numberOption('hidden', v.hidden as string | undefined, 128, positive),
      augment: choice('augment', (v.augment as string | undefined) ?? prior?.augment ?? 'full', ['full', 'flip', 'none'] as const),
      fill: choice('fill', (v.fill as string | undefined) ?? prior?.fill ?? 'constant', ['constant', 'nearest'] as const),
      seed: numberOption('seed', v.seed as string | undefined, prior?.seed ?? 0, (n) => Number.isInteger(n) && n >= 0),
      limit: v.limit === undefined ? null : numberOption('limit', v.limit as string, 0, positive),
      out: (v.out as string | undefined) ?? (v.resume as string | undefined) ?? 'model',
      skipBadImages: Boolean(v['skip-bad-images']),
      resume: saved,
    };
    const weightsPath = (v.weights as string | undefined) ?? saved?.json.backbone.weights ?? DEFAULT_WEIGHTS;
    if (weightsPath === DEFAULT_WEIGHTS && !existsSync(DEFAULT_WEIGHTS)) {
      throw new UsageError(`${DEFAULT_WEIGHTS} not found: run 'node dist/fetch-weights.js' to download the pretrained ResNet-50 (or use --weights random:SEED for an offline smoke run)`);
    }
    const dataset = readImageFolders(options.data, options.limit ?? Infinity);
    const weights = readBackboneWeights(weightsPath);
    if (saved) checkResume(saved, dataset, weights, v.resume as string);
    if (weights.synthetic) console.warn(`warning: ${weightsPath}: random backbone weights; accuracy will be near chance`);
    const counts = (split: 'train' | 'validation') => dataset.classes.map((c, i) => `${dataset.splits[split].filter((s) => s.label === i).length} ${c}`).join(', ');
    console.log(`data: ${options.data}: train ${counts('train')}; validation ${counts('validation')}${dataset.skipped ? `; ${dataset.skipped} non-image file(s) ignored` : ''}`);
    gpu = await Gpu.create();
    const records: EpochRecord[] = [];
    const start = performance.now();
    await train(gpu, weights, dataset, {
      ...options,
      onEpoch: (r) => {
        records.push(r);
        if (v.json) writeFileAtomic(v.json as string, `${JSON.stringify(records, null, 2)}\n`);
      },
    });
    console.log(`saved ${options.out}/model.json and ${options.out}/head.safetensors (${((performance.now() - start) / 1000).toFixed(1)} s in all)`);
  },
  () => gpu?.destroy(),
);
