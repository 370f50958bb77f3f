// A trained model on disk: OUT/model.json (architecture, classes, preprocessing, head sizes,
// backbone weights' sha256, settings, history) and OUT/head.safetensors (head weights and
// Adam state). model.json is the commit point: the new head is written beside the old one
// as head.safetensors.new, then model.json (naming the new head's sha256) replaces the old
// one atomically, then the head is renamed into place. An interrupted save leaves either the
// previous model or the new one, and load() finishes a save that stopped after model.json.
import { InputError } from '../errors.js';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { HEAD_PARAMETERS, type AdamState, type HeadShape, type HeadWeights, headShapes } from '../autograd/head.js';
import type { BackboneWeights } from '../model/load.js';
import { IMAGENET_MEAN, IMAGENET_STD, INPUT_SIZE } from '../image/preprocess.js';
import { sha256, writeFileAtomic } from '../files.js';
import type { TensorMap } from '../weights/host-tensor.js';
import { parseSafetensors, serializeSafetensors } from '../weights/safetensors.js';

export class ModelError extends InputError {}

export const MODEL_FORMAT = 'webgpu-transfer/model-v1';

export interface EpochRecord {
  epoch: number;
  train: { loss: number; acc: number };
  validation: { loss: number; acc: number };
  seconds: number;
  imagesPerSecond: number;
}

export interface TrainingSettings {
  batchSize: number; lr: number; augment: string; fill: string; seed: number; limit: number | null; data: string;
}

export interface ModelJson {
  format: string;
  architecture: string;
  classes: string[];
  preprocessing: { size: number; resize: string; mean: readonly number[]; std: readonly number[] };
  head: HeadShape & { file: string; sha256: string };
  backbone: { weights: string; sha256: string; synthetic: boolean };
  training: TrainingSettings;
  history: EpochRecord[];
}

export interface SavedModel { json: ModelJson; weights: HeadWeights; adam: AdamState | null }

export function preprocessingInfo() {
  return { size: INPUT_SIZE, resize: 'bilinear, antialiased (Pillow)', mean: IMAGENET_MEAN, std: IMAGENET_STD };
}

export function saveModel(dir: string, json: Omit<ModelJson, 'format' | 'head'> & { head: HeadShape }, weights: HeadWeights, adam: AdamState): void {
  mkdirSync(dir, { recursive: true });
  const tensors: TensorMap = new Map();
  const shapes = headShapes(json.head);
  for (const name of HEAD_PARAMETERS) tensors.set(name, { dtype: 'float32', shape: shapes[name], data: weights[name] });
  HEAD_PARAMETERS.forEach((name, i) => {
    tensors.set(`adam.m.${name}`, { dtype: 'float32', shape: shapes[name], data: adam.m[i] });
    tensors.set(`adam.v.${name}`, { dtype: 'float32', shape: shapes[name], data: adam.v[i] });
  });
  const bytes = serializeSafetensors(tensors, { format: MODEL_FORMAT, adam_step: String(adam.step) });
  const head = join(dir, 'head.safetensors');
  writeFileAtomic(`${head}.new`, bytes);
  const full: ModelJson = { format: MODEL_FORMAT, ...json, head: { ...json.head, file: 'head.safetensors', sha256: sha256(bytes) } };
  writeFileAtomic(join(dir, 'model.json'), `${JSON.stringify(full, null, 2)}\n`);
  renameSync(`${head}.new`, head);
}

export function loadModel(dir: string): SavedModel {
  const fail = (why: string): never => {
    throw new ModelError(`${dir}: ${why}`);
  };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail('no such model folder');
  const jsonPath = join(dir, 'model.json');
  if (!existsSync(jsonPath)) fail('no model.json (not a saved model, or its save never finished)');
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(jsonPath, 'utf8'));
  } catch {
    return fail('model.json is not valid JSON');
  }
  if (json.format !== MODEL_FORMAT) fail(`model.json has format ${JSON.stringify(json.format)}, expected ${MODEL_FORMAT}`);
  const h = json.head;
  if (!Array.isArray(json.classes) || json.classes.length < 2 || !h || ![h.features, h.hidden, h.classes].every((n) => Number.isInteger(n) && n > 0) || h.classes !== json.classes.length) {
    fail('model.json is incomplete (classes and head sizes)');
  }
  const head = join(dir, h.file);
  const readHead = (path: string) => (existsSync(path) ? new Uint8Array(readFileSync(path)) : null);
  let bytes = readHead(head);
  if (!bytes || sha256(bytes) !== h.sha256) {
    // A save that stopped between model.json and the final rename.
    const pending = readHead(`${head}.new`);
    if (pending && sha256(pending) === h.sha256) {
      renameSync(`${head}.new`, head);
      bytes = pending;
    } else fail(bytes ? `${h.file} does not match model.json (sha256 differs)` : `${h.file} is missing`);
  }
  const { tensors, metadata } = parseSafetensors(bytes!, head);
  const shapes = headShapes(h);
  const weights = {} as HeadWeights;
  for (const name of HEAD_PARAMETERS) {
    const t = tensors.get(name);
    if (!t || t.dtype !== 'float32' || t.shape.join() !== shapes[name].join()) fail(`${h.file}: tensor ${name} is missing or not float32 [${shapes[name]}]`);
    weights[name] = t!.data as Float32Array;
  }
  const m = HEAD_PARAMETERS.map((n) => tensors.get(`adam.m.${n}`)?.data as Float32Array | undefined);
  const v = HEAD_PARAMETERS.map((n) => tensors.get(`adam.v.${n}`)?.data as Float32Array | undefined);
  const adam = m.every(Boolean) && v.every(Boolean) ? { step: Number(metadata.adam_step ?? 0), m: m as Float32Array[], v: v as Float32Array[] } : null;
  return { json: json!, weights, adam };
}

/** The saved head only makes sense on the backbone it was trained on. */
export function checkBackbone(saved: SavedModel, weights: BackboneWeights, dir: string): void {
  if (saved.json.backbone.sha256 !== weights.sha256) {
    throw new ModelError(`${dir}: made for backbone weights ${saved.json.backbone.weights} (sha256 ${saved.json.backbone.sha256.slice(0, 16)}), not ${weights.source} (${weights.sha256.slice(0, 16)})`);
  }
  if (saved.json.architecture !== weights.spec.name) throw new ModelError(`${dir}: made for ${saved.json.architecture}, the weights are ${weights.spec.name}`);
}
