// Backbone features of a dataset computed in shards on many machines (embed.js --shard I/N
// --features-out FILE) and merged to train a head (train.js --features DIR). A shard is a
// safetensors file: `features` [n, F] f32, `labels` [n] i32, `splits` [n] u8 (0 train, 1
// validation), and metadata naming the files, the classes, the backbone, the shard and a hash of
// the whole dataset's list, so that shards of other data, other weights, missing or duplicated
// ones are refused before any training.
import { createHash } from 'node:crypto';
import { closeSync, readSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Dataset, Sample } from '../data/folders.node.js';
import { InputError } from '../errors.js';
import { openRegularFile, writeFileAtomic } from '../files.node.js';
import { PRECISIONS, type Precision } from '../gpu/shader.js';
import type { BackboneWeights } from '../model/backbone.js';
import { plan } from '../model/architecture.js';
import {
  type SafetensorsEntry,
  type SafetensorsLayout,
  safetensorsLayout,
  serializeSafetensors,
} from '../weights/safetensors.js';
import type { FeatureRows } from './fit.js';

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

/**
 * A full set of shards, train and validation apart, in dataset order: labels in memory, feature
 * rows read from the shard files batch by batch (a set larger than memory trains all the same).
 * close() closes the files.
 */
export interface MergedFeatures {
  classes: string[];
  data: string;
  /** The backbone weights' sha256 and source as the shards record them. */
  backbone: string;
  weights: string;
  /** The backbone's storage precision when the features were computed. */
  precision: Precision;
  train: { features: FeatureRows; labels: number[] };
  validation: { features: FeatureRows; labels: number[] };
  /** Images in the set. */
  images: number;
  close(): void;
}

/** Refuses shards computed with other backbone weights than `weights`. */
export function checkShardBackbone(merged: MergedFeatures, weights: BackboneWeights, dir: string): void {
  if (merged.backbone !== weights.sha256)
    throw new FeatureShardError(
      `${dir}: features of backbone weights ${merged.weights} (sha256 ${merged.backbone.slice(0, 12)}...), ` +
        `not of ${weights.source}`,
    );
}

/** Feature rows read per shard check: enough to stream, few enough to stay small. */
const CHECK_ROWS = 1024;

/**
 * One shard file, checked whole without holding its features: metadata present and typed,
 * tensors shaped and typed alike, labels and splits read, the features read through once in
 * chunks to check they are finite. The file stays open (its descriptor is returned).
 */
function openShard(file: string) {
  const fail = (why: string): never => {
    throw new FeatureShardError(`${file}: ${why}`);
  };
  const { fd, size } = openRegularFile(file, FeatureShardError);
  try {
    const readAt = (offset: number, length: number) => {
      const bytes = new Uint8Array(length);
      if (readSync(fd, bytes, 0, length, offset) !== length) fail(`truncated at byte ${offset + length} of ${size}`);
      return bytes;
    };
    let layout: SafetensorsLayout;
    try {
      layout = safetensorsLayout(readAt, size, file);
    } catch (e) {
      throw new FeatureShardError((e as Error).message);
    }
    const m = layout.metadata;
    if (m.format !== FEATURES_FORMAT)
      fail(`not a feature shard of embed.js --features-out (format ${m.format ?? 'none'})`);
    for (const key of ['shard', 'total', 'dataset', 'data', 'classes', 'files', 'backbone', 'weights', 'architecture'])
      if (typeof m[key] !== 'string') fail(`its metadata has no '${key}'`);
    const shard = /^(\d+)\/(\d+)$/.exec(m.shard);
    const [index, count] = shard ? [Number(shard[1]), Number(shard[2])] : [NaN, NaN];
    if (!shard || count < 1 || index >= count) fail(`its shard '${m.shard}' is not I/N with 0 <= I < N`);
    if (!/^\d+$/.test(m.total)) fail(`its total '${m.total}' is not a count of images`);
    const json = (key: string): unknown => {
      try {
        return JSON.parse(m[key]);
      } catch {
        return fail(`its metadata '${key}' is not JSON`);
      }
    };
    const strings = (key: string): string[] => {
      const v = json(key);
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
        fail(`its metadata '${key}' is not a list of names`);
      return v as string[];
    };
    const classes = strings('classes');
    const files = strings('files');
    if (classes.length < 2) fail(`it names ${classes.length} class(es)`);
    const tensor = (name: string, dtype: string, rank: number) => {
      const t = layout.entries.find((e) => e.name === name);
      if (!t) return fail(`it has no '${name}' tensor`);
      if (t.dtype !== dtype || t.shape.length !== rank)
        fail(`its '${name}' is ${t.dtype} [${t.shape}], expected ${dtype} of rank ${rank}`);
      return t;
    };
    const features = tensor('features', 'float32', 2);
    const labels = tensor('labels', 'int32', 1);
    const splits = tensor('splits', 'uint8', 1);
    const n = files.length;
    const [rows, featureSize] = features.shape;
    if (rows !== n || labels.shape[0] !== n || splits.shape[0] !== n)
      fail(`${rows} feature rows, ${labels.shape[0]} labels and ${splits.shape[0]} splits for ${n} images`);
    if (featureSize < 1) fail('its features have no columns');
    const tensorBytes = (t: SafetensorsEntry) => readAt(layout.dataStart + t.begin, t.end - t.begin);
    const labelData = new Int32Array(tensorBytes(labels).buffer);
    const bad = labelData.findIndex((l) => l < 0 || l >= classes.length);
    if (bad >= 0) fail(`label ${labelData[bad]} of ${files[bad]} is not one of its ${classes.length} classes`);
    const splitData = tensorBytes(splits);
    if (splitData.some((x) => x > 1)) fail('its splits hold values other than 0 and 1');
    const featuresAt = layout.dataStart + features.begin;
    // One buffer for the whole check: reading gigabytes makes no garbage.
    const scan = new Float32Array(Math.min(CHECK_ROWS, rows) * featureSize);
    const scanBytes = new Uint8Array(scan.buffer);
    for (let r = 0; r < rows; r += CHECK_ROWS) {
      const chunk = Math.min(CHECK_ROWS, rows - r);
      const length = chunk * featureSize * 4;
      const at = featuresAt + r * featureSize * 4;
      if (readSync(fd, scanBytes, 0, length, at) !== length) fail(`truncated at byte ${at + length} of ${size}`);
      const values = scan.subarray(0, chunk * featureSize);
      const notFinite = values.findIndex((v) => !Number.isFinite(v));
      if (notFinite >= 0)
        fail(`features of ${files[r + Math.floor(notFinite / featureSize)]} are not finite (${values[notFinite]})`);
    }
    return { file, fd, m, index, count, classes, files, featureSize, featuresAt, labels: labelData, splits: splitData };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * Rows of a set of shards, each row at (shard, row in it): read with one positioned read per
 * row, so that what is held is one batch.
 */
class ShardRows implements FeatureRows {
  constructor(
    private readonly shards: readonly { file: string; fd: number; featuresAt: number }[],
    private readonly shardOf: Int32Array,
    private readonly rowOf: Int32Array,
    readonly featureSize: number,
  ) {}

  get count(): number {
    return this.shardOf.length;
  }

  read(indices: readonly number[], out: Float32Array): void {
    const bytes = this.featureSize * 4;
    indices.forEach((i, k) => {
      const shard = this.shards[this.shardOf[i]];
      const at = shard.featuresAt + this.rowOf[i] * bytes;
      const target = new Uint8Array(out.buffer, out.byteOffset + k * bytes, bytes);
      if (readSync(shard.fd, target, 0, bytes, at) !== bytes)
        throw new FeatureShardError(`${shard.file}: shorter than when it was checked (truncated since)`);
    });
  }
}

/**
 * Opens every shard in `dir`, checks each and that they make one whole set, and merges them:
 * labels read, features left in the files to be read batch by batch (close() when done).
 */
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
  // Only the descriptors outlive the merge: file names and the like go once checked.
  const fds: number[] = [];
  const close = () => fds.splice(0).forEach((fd) => closeSync(fd));
  try {
    const shards: ReturnType<typeof openShard>[] = [];
    for (const name of names) {
      shards.push(openShard(join(dir, name)));
      fds.push(shards.at(-1)!.fd);
    }
    return mergeShards(dir, shards, close);
  } catch (e) {
    close();
    throw e;
  }
}

/** Checks that opened shards make one whole set, and merges them (the caller closes them on a throw). */
function mergeShards(dir: string, shards: ReturnType<typeof openShard>[], close: () => void): MergedFeatures {
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
  const F = ordered[0].featureSize;
  const seen = new Map<string, string>();
  for (const s of ordered) {
    if (s.featureSize !== F)
      throw new FeatureShardError(`${s.file}: ${s.featureSize} features per image, but ${ordered[0].file} has ${F}`);
    for (const f of s.files) {
      const other = seen.get(f);
      if (other) throw new FeatureShardError(`${s.file}: image ${f} again (also in ${other})`);
      seen.set(f, s.file);
    }
  }
  const parts = {
    train: { shard: [] as number[], row: [] as number[], labels: [] as number[] },
    validation: { shard: [] as number[], row: [] as number[], labels: [] as number[] },
  };
  let images = 0;
  ordered.forEach((s, k) => {
    images += s.files.length;
    s.labels.forEach((label, i) => {
      const part = s.splits[i] ? parts.validation : parts.train;
      part.shard.push(k);
      part.row.push(i);
      part.labels.push(label);
    });
  });
  if (images !== Number(first.m.total))
    throw new FeatureShardError(`${dir}: the shards hold ${images} images, the dataset ${first.m.total}`);
  const places = ordered.map(({ file, fd, featuresAt }) => ({ file, fd, featuresAt }));
  const rows = (part: typeof parts.train) =>
    new ShardRows(places, Int32Array.from(part.shard), Int32Array.from(part.row), F);
  return {
    classes: first.classes,
    data: first.m.data,
    backbone: first.m.backbone,
    weights: first.m.weights,
    precision: precisionOf(first.m) as Precision,
    train: { features: rows(parts.train), labels: parts.train.labels },
    validation: { features: rows(parts.validation), labels: parts.validation.labels },
    images,
    close,
  };
}
