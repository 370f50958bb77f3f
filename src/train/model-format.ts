// The saved model's format, without Node APIs (browsers load saved models through here):
// model.json (architecture, classes, preprocessing, head sizes, backbone weights' sha256,
// settings, history) validated field by field against its schema on every load, and the
// head's weights and Adam state.
import { HEAD_PARAMETERS, type AdamState, type HeadShape, type HeadWeights, headShapes } from '../autograd/head.js';
import { InputError } from '../errors.js';
import type { Preprocessing } from '../image/preprocess.js';
import type { BackboneWeights } from '../model/backbone.js';
import { RESNETS, parameterShapes, plan, resnetSpec } from '../model/architecture.js';
import { withRunningStatistics } from '../model/resnet-train.js';
import type { TensorMap } from '../weights/host-tensor.js';
import { RECIPES, recipeMismatch } from './recipe.js';
import { type TrainingSettings, trainingSchema } from './settings.js';
import { parseSafetensors, serializeSafetensors } from '../weights/safetensors.js';
import { sha256Hex } from '../util/sha256.js';
import {
  type Check,
  SchemaError,
  array,
  boolean,
  nullable,
  number,
  object,
  oneOf,
  optional,
  string,
} from './schema.js';

export class ModelError extends InputError {}

export const MODEL_FORMAT = 'webgpu-transfer/model-v1';

export interface ValidationRecord {
  loss: number;
  acc: number;
  /** Counts of validation images by true class (rows) and predicted class (columns); older files lack it. */
  confusion?: number[][];
}

export interface EpochRecord {
  epoch: number;
  train: { loss: number; acc: number };
  /** Null where fit() was given no validation data. */
  validation: ValidationRecord | null;
  /** Wall time of the epoch; the first of a run includes the features computed once before it. */
  seconds: number;
  imagesPerSecond: number;
  /** Adam's learning rate in this epoch (older files lack it). */
  lr?: number;
}

export type { TrainingSettings } from './settings.js';

export interface ModelJson {
  format: string;
  architecture: string;
  classes: string[];
  preprocessing: Preprocessing;
  head: HeadShape & { file: string; sha256: string };
  backbone: { weights: string; sha256: string; synthetic: boolean };
  training: TrainingSettings;
  history: EpochRecord[];
}

const positiveInteger = number({ integer: true, min: 1 });
const finite = number();
const hexDigest = string({ pattern: /^[0-9a-f]{64}$/, what: 'a sha256 in hex' });
const lossAndAccuracy = object<{ loss: number; acc: number }>({ loss: finite, acc: number({ min: 0, max: 1 }) });

/** model.json's schema, typed against ModelJson. */
const MODEL_JSON: Check<ModelJson> = object<ModelJson>({
  format: string(),
  architecture: oneOf(Object.keys(RESNETS)),
  classes: array(string({ pattern: /\S/, what: 'a class name' }), { min: 2 }),
  preprocessing: object<Preprocessing>({
    name: oneOf(['torchvision', 'caffe']),
    size: positiveInteger,
    resize: oneOf(['bilinear-antialias', 'nearest']),
    channels: oneOf(['rgb', 'bgr']),
    divisor: number({ above: 0 }),
    mean: array(finite),
    std: array(number({ above: 0 })),
  }),
  head: object<ModelJson['head']>({
    features: positiveInteger,
    hidden: positiveInteger,
    classes: positiveInteger,
    // A file in the model's own folder: no path.
    file: string({ pattern: /^(?!\.\.?$)[\w.-]+$/, what: 'a file name in the model folder' }),
    sha256: hexDigest,
  }),
  backbone: object<ModelJson['backbone']>({
    weights: string(),
    sha256: string({ pattern: /^([0-9a-f]{64}|synthetic:\d+)$/, what: 'a sha256 in hex or synthetic:SEED' }),
    synthetic: boolean,
  }),
  training: object<TrainingSettings>(trainingSchema()),
  history: array(
    object<EpochRecord>({
      epoch: positiveInteger,
      train: lossAndAccuracy,
      validation: nullable(
        object<ValidationRecord>({
          loss: finite,
          acc: number({ min: 0, max: 1 }),
          confusion: optional<number[][] | undefined>(array(array(number({ integer: true, min: 0 }))), undefined),
        }),
      ),
      seconds: number({ min: 0 }),
      imagesPerSecond: number({ min: 0 }),
      lr: optional<number | undefined>(number({ above: 0 }), undefined),
    }),
  ),
});

export interface SavedModel {
  json: ModelJson;
  weights: HeadWeights;
  adam: AdamState | null;
  /**
   * The backbone's batchnorm running statistics as training left them (the pytorch recipe
   * updates them), under torchvision's names; null where the recipe keeps the weights' own.
   */
  runningStatistics: TensorMap | null;
}

/** Prefix of the running statistics' tensors in head.safetensors. */
export const RUNNING_STATISTICS_PREFIX = 'backbone.';

/** model.json's text, checked for format, classes and head sizes; `where` names the model in errors. */
export function parseModelJson(text: string, where: string): ModelJson {
  const fail = (why: string): never => {
    throw new ModelError(`${where}: ${why}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail('model.json is not valid JSON');
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (format !== MODEL_FORMAT) fail(`model.json has format ${JSON.stringify(format)}, expected ${MODEL_FORMAT}`);
  let json: ModelJson;
  try {
    json = MODEL_JSON(raw, '');
  } catch (e) {
    if (!(e instanceof SchemaError)) throw e;
    return fail(`model.json: ${e.message}`);
  }
  if (json.head.classes !== json.classes.length)
    fail(`model.json: head.classes is ${json.head.classes} but ${json.classes.length} classes are named`);
  const names = new Set(json.classes.map((c) => c.normalize('NFC')));
  if (names.size !== json.classes.length) fail('model.json: classes names a class twice');
  return json;
}

/** The head's weights (and Adam state when saved) from head.safetensors' bytes. */
export function parseHead(json: ModelJson, bytes: Uint8Array, where: string): SavedModel {
  const h = json.head;
  const { tensors, metadata } = parseSafetensors(bytes, `${where}/${h.file}`);
  const shapes = headShapes(h);
  const weights = {} as HeadWeights;
  for (const name of HEAD_PARAMETERS) {
    const t = tensors.get(name);
    if (!t || t.dtype !== 'float32' || t.shape.join() !== shapes[name].join()) {
      throw new ModelError(`${where}: ${h.file}: tensor ${name} is missing or not float32 [${shapes[name]}]`);
    }
    if (!(t.data as Float32Array).every(Number.isFinite)) {
      throw new ModelError(`${where}: ${h.file}: tensor ${name} holds NaN or infinite values`);
    }
    weights[name] = t.data as Float32Array;
  }
  const m = HEAD_PARAMETERS.map((n) => tensors.get(`adam.m.${n}`)?.data as Float32Array | undefined);
  const v = HEAD_PARAMETERS.map((n) => tensors.get(`adam.v.${n}`)?.data as Float32Array | undefined);
  const adam =
    m.every(Boolean) && v.every(Boolean)
      ? { step: Number(metadata.adam_step ?? 0), m: m as Float32Array[], v: v as Float32Array[] }
      : null;
  return { json, weights, adam, runningStatistics: parseRunningStatistics(json, tensors, `${where}: ${h.file}`) };
}

/** The running statistics a recipe that updates them must have saved: one per batchnorm, finite, of its width. */
function parseRunningStatistics(json: ModelJson, tensors: TensorMap, where: string): TensorMap | null {
  const saved = [...tensors.keys()].filter((n) => n.startsWith(RUNNING_STATISTICS_PREFIX));
  if (!RECIPES[json.training.recipe].savesRunningStatistics) {
    if (saved.length)
      throw new ModelError(
        `${where}: holds running statistics, but the ${json.training.recipe} recipe keeps the weights' own`,
      );
    return null;
  }
  const expected = [...parameterShapes(plan(resnetSpec(json.architecture)), false)].filter(([n]) =>
    /running_(mean|var)$/.test(n),
  );
  const out: TensorMap = new Map();
  for (const [name, shape] of expected) {
    const t = tensors.get(RUNNING_STATISTICS_PREFIX + name);
    if (!t || t.dtype !== 'float32' || t.shape.join() !== shape.join())
      throw new ModelError(`${where}: running statistic ${name} is missing or not float32 [${shape}]`);
    if (!(t.data as Float32Array).every(Number.isFinite))
      throw new ModelError(`${where}: running statistic ${name} holds NaN or infinite values`);
    out.set(name, t);
  }
  if (saved.length !== expected.length)
    throw new ModelError(`${where}: ${saved.length - expected.length} unexpected running statistics tensors`);
  return out;
}

/** The backbone a saved model predicts with: its weights, with the running statistics training left. */
export function backboneForModel(saved: SavedModel, weights: BackboneWeights): BackboneWeights {
  return saved.runningStatistics ? withRunningStatistics(weights, saved.runningStatistics) : weights;
}

/** The saved head only makes sense on the backbone it was trained on. */
export function checkBackbone(saved: SavedModel, weights: BackboneWeights, dir: string): void {
  if (saved.json.backbone.sha256 !== weights.sha256) {
    throw new ModelError(
      `${dir}: made for backbone weights ${saved.json.backbone.weights} (sha256 ` +
        `${saved.json.backbone.sha256.slice(0, 16)}), not ${weights.source} (${weights.sha256.slice(0, 16)})`,
    );
  }
  if (saved.json.architecture !== weights.spec.name)
    throw new ModelError(`${dir}: made for ${saved.json.architecture}, the weights are ${weights.spec.name}`);
  const mismatch = recipeMismatch(RECIPES[saved.json.training.recipe], weights.spec);
  if (mismatch) throw new ModelError(`${dir}: trained with the ${saved.json.training.recipe} recipe, but ${mismatch}`);
  if (saved.json.preprocessing.name !== weights.preprocessing.name)
    throw new ModelError(
      `${dir}: trained with ${saved.json.preprocessing.name} preprocessing, ` +
        `the weights declare ${weights.preprocessing.name}`,
    );
}

/** A saved model from model.json's text and head.safetensors' bytes, checked against each other. */
export async function savedModelFromBytes(modelJson: string, head: Uint8Array, where = 'model'): Promise<SavedModel> {
  const json = parseModelJson(modelJson, where);
  if ((await sha256Hex(head)) !== json.head.sha256)
    throw new ModelError(`${where}: ${json.head.file} does not match model.json (sha256 differs)`);
  return parseHead(json, head, where);
}

/** What a save writes into model.json besides the format and the head file's name and digest. */
export type ModelDescription = Omit<ModelJson, 'format' | 'head'> & { head: HeadShape };

/** The file name of the head's weights in a model folder. */
export const HEAD_FILE = 'head.safetensors';

/**
 * head.safetensors' bytes: the head, Adam's state and the running statistics training left.
 * NaN weights are refused, so a diverged model is never written over a good one.
 */
export function encodeHead(
  where: string,
  shape: HeadShape,
  weights: HeadWeights,
  adam: AdamState,
  runningStatistics: TensorMap | null,
): Uint8Array {
  for (const name of HEAD_PARAMETERS) {
    if (!weights[name].every(Number.isFinite))
      throw new ModelError(`${where}: not saved: ${name} holds NaN or infinite values (training diverged?)`);
  }
  for (const [name, t] of runningStatistics ?? []) {
    if (!(t.data as Float32Array).every(Number.isFinite))
      throw new ModelError(`${where}: not saved: running statistic ${name} holds NaN or infinite values`);
  }
  const tensors: TensorMap = new Map();
  const shapes = headShapes(shape);
  for (const name of HEAD_PARAMETERS) tensors.set(name, { dtype: 'float32', shape: shapes[name], data: weights[name] });
  HEAD_PARAMETERS.forEach((name, i) => {
    tensors.set(`adam.m.${name}`, { dtype: 'float32', shape: shapes[name], data: adam.m[i] });
    tensors.set(`adam.v.${name}`, { dtype: 'float32', shape: shapes[name], data: adam.v[i] });
  });
  for (const [name, t] of runningStatistics ?? []) tensors.set(RUNNING_STATISTICS_PREFIX + name, t);
  return serializeSafetensors(tensors, { format: MODEL_FORMAT, adam_step: String(adam.step) });
}

/** model.json's text for a head file of that sha256, checked to load again. */
export function modelJsonText(where: string, description: ModelDescription, headSha256: string): string {
  const full: ModelJson = {
    format: MODEL_FORMAT,
    ...description,
    head: { ...description.head, file: HEAD_FILE, sha256: headSha256 },
  };
  const text = `${JSON.stringify(full, null, 2)}\n`;
  parseModelJson(text, `${where} (not saved)`);
  return text;
}
