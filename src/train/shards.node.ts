// Backbone features of a dataset computed in shards on many machines (embed.js --shard I/N
// --features-out FILE) and merged to train a head (train.js --features DIR). A shard is a
// safetensors file: `features` [n, F] f32, `labels` [n] i32, `splits` [n] u8 (0 train, 1
// validation), and metadata naming the files, the classes, the backbone, the shard and a hash of
// the whole dataset's list, so that shards of other data, other weights, missing or duplicated
// ones are refused before any training.
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Dataset, Sample } from '../data/folders.node.js';
import { InputError } from '../errors.js';
import { readBytes, writeFileAtomic } from '../files.node.js';
import { PRECISIONS, type Precision } from '../gpu/shader.js';
import type { BackboneWeights } from '../model/backbone.js';
import { plan } from '../model/architecture.js';
import { parseSafetensors, serializeSafetensors } from '../weights/safetensors.js';

export const FEATURES_FORMAT = 'webgpu-transfer/features-v1';

export class FeatureShardError extends InputError {}

export interface Shard {
  /** 0-based, below count (a Kubernetes Indexed Job's completion index, a Slurm array task id). */
  index: number;
  count: number;
}

/** "I/N" with 0 <= I < N. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count)
    throw new FeatureShardError(`--shard ${text}: give I/N with 0 <= I < N (e.g. 0/3, 1/3, 2/3)`);
  return { index, count };
}

/** The samples (train, then validation, in the dataset's order) of one shard: a contiguous block. */
export function shardSamples(dataset: Dataset, shard: Shard): { samples: Sample[]; splits: number[]; start: number } {
  const all = [...dataset.splits.train, ...dataset.splits.validation];
  const splits = all.map((_, i) => (i < dataset.splits.train.length ? 0 : 1));
  const start = Math.floor((shard.index * all.length) / shard.count);
  const end = Math.floor(((shard.index + 1) * all.length) / shard.count);
  return { samples: all.slice(start, end), splits: splits.slice(start, end), start };
}

/** A hash of the dataset's whole list (files relative to its root, labels, splits, classes). */
export function datasetId(dataset: Dataset): string {
  const list = [
    ...dataset.splits.train.map((s) => [s, 0] as const),
    ...dataset.splits.validation.map((s) => [s, 1] as const),
  ];
  const hash = createHash('sha256').update(JSON.stringify(dataset.classes));
  for (const [s, split] of list) hash.update(JSON.stringify([relative(dataset.root, s.file), s.label, split]));
  return hash.digest('hex');
}

export interface ShardContents {
  features: Float32Array;
  labels: Int32Array;
  splits: Uint8Array;
  files: string[];
  start: number;
}

/** Writes one shard's features atomically. */
export function writeFeatureShard(
  path: string,
  dataset: Dataset,
  weights: BackboneWeights,
  shard: Shard,
  contents: ShardContents,
  precision: Precision = 'f32',
): void {
  const n = contents.labels.length;
  const featureSize = plan(weights.spec).featureSize;
  const tensors = new Map([
    ['features', { dtype: 'float32' as const, shape: [n, featureSize], data: contents.features }],
    ['labels', { dtype: 'int32' as const, shape: [n], data: contents.labels }],
    ['splits', { dtype: 'uint8' as const, shape: [n], data: contents.splits }],
  ]);
  const metadata = {
    format: FEATURES_FORMAT,
    shard: `${shard.index}/${shard.count}`,
    start: String(contents.start),
    total: String(dataset.splits.train.length + dataset.splits.validation.length),
    dataset: datasetId(dataset),
    data: dataset.root,
    classes: JSON.stringify(dataset.classes),
    files: JSON.stringify(contents.files),
    architecture: weights.spec.name,
    backbone: weights.sha256,
    weights: weights.source,
    preprocessing: JSON.stringify(weights.preprocessing),
    precision,
  };
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

/** The merged features of a full set of shards, train and validation apart, in dataset order. */
export interface MergedFeatures {
  classes: string[];
  data: string;
  /** The backbone weights' sha256 and source as the shards record them. */
  backbone: string;
  weights: string;
  /** The backbone's storage precision when the features were computed. */
  precision: Precision;
  train: { features: Float32Array; labels: number[] };
  validation: { features: Float32Array; labels: number[] };
  files: string[];
}

/** Refuses shards computed with other backbone weights than `weights`. */
export function checkShardBackbone(merged: MergedFeatures, weights: BackboneWeights, dir: string): void {
  if (merged.backbone !== weights.sha256)
    throw new FeatureShardError(
      `${dir}: features of backbone weights ${merged.weights} (sha256 ${merged.backbone.slice(0, 12)}...), ` +
        `not of ${weights.source}`,
    );
}

/** Reads every shard in `dir`, checks they make one whole set, and merges them. */
export function readFeatureShards(dir: string): MergedFeatures {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.safetensors'))
      .sort();
  } catch {
    throw new FeatureShardError(`${dir}: no such folder`);
  }
  if (!names.length) throw new FeatureShardError(`${dir}: no .safetensors feature shards`);
  const shards = names.map((name) => {
    const file = join(dir, name);
    const { tensors, metadata: m } = parseSafetensors(readBytes(file, FeatureShardError), file);
    if (m.format !== FEATURES_FORMAT)
      throw new FeatureShardError(
        `${file}: not a feature shard of embed.js --features-out (format ${m.format ?? 'none'})`,
      );
    const [index, count] = m.shard.split('/').map(Number);
    return { file, m, index, count, tensors };
  });
  const first = shards[0];
  // Shards written before precisions were recorded are f32.
  const precisionOf = (m: Record<string, string>) => m.precision ?? 'f32';
  for (const s of shards) {
    const differs = (key: string) => s.m[key] !== first.m[key];
    const p = precisionOf(s.m);
    if (!(PRECISIONS as readonly string[]).includes(p))
      throw new FeatureShardError(`${s.file}: unknown precision '${p}'`);
    if (p !== precisionOf(first.m))
      throw new FeatureShardError(`${s.file}: features at ${p}, but ${first.file}'s at ${precisionOf(first.m)}`);
    if (differs('backbone') || differs('preprocessing') || differs('architecture'))
      throw new FeatureShardError(
        `${s.file}: features of other backbone weights (${s.m.weights}) than ${first.file} (${first.m.weights})`,
      );
    if (differs('dataset') || s.count !== first.count)
      throw new FeatureShardError(`${s.file}: a shard of another dataset or shard count than ${first.file}`);
  }
  const byIndex = new Map<number, (typeof shards)[number]>();
  for (const s of shards) {
    const other = byIndex.get(s.index);
    if (other) throw new FeatureShardError(`${s.file}: shard ${s.index}/${s.count} again (also ${other.file})`);
    byIndex.set(s.index, s);
  }
  const missing = Array.from({ length: first.count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length)
    throw new FeatureShardError(
      `${dir}: shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${first.count}`).join(', ')} missing`,
    );
  const ordered = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s);
  const F = ordered[0].tensors.get('features')!.shape[1];
  const parts = {
    train: { rows: [] as Float32Array[], labels: [] as number[] },
    validation: { rows: [] as Float32Array[], labels: [] as number[] },
  };
  const files: string[] = [];
  for (const s of ordered) {
    const features = s.tensors.get('features')!.data as Float32Array;
    const labels = s.tensors.get('labels')!.data as Int32Array;
    const splits = s.tensors.get('splits')!.data as Uint8Array;
    files.push(...(JSON.parse(s.m.files) as string[]));
    labels.forEach((label, i) => {
      const part = splits[i] ? parts.validation : parts.train;
      part.rows.push(features.subarray(i * F, (i + 1) * F));
      part.labels.push(label);
    });
  }
  if (files.length !== Number(first.m.total))
    throw new FeatureShardError(`${dir}: the shards hold ${files.length} images, the dataset ${first.m.total}`);
  const merge = (rows: Float32Array[]) => {
    const out = new Float32Array(rows.length * F);
    rows.forEach((r, i) => out.set(r, i * F));
    return out;
  };
  return {
    classes: JSON.parse(first.m.classes) as string[],
    data: first.m.data,
    backbone: first.m.backbone,
    weights: first.m.weights,
    precision: precisionOf(first.m) as Precision,
    train: { features: merge(parts.train.rows), labels: parts.train.labels },
    validation: { features: merge(parts.validation.rows), labels: parts.validation.labels },
    files,
  };
}
