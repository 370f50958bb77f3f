// The article's trained models brought here (import.js): PyTorch's state_dict of
// `models.resnet50()` with `model.fc = nn.Sequential(nn.Linear(2048, 128), nn.ReLU(),
// nn.Linear(128, C))` (torch.save's legacy format, the article's 0.4.1, or the zip format;
// any file name, the article's weights.h5 included), and Keras 2.2.2's `model.save` file or
// `save_weights` + `to_json` of `Model(conv_base.input, predictions)`. Each becomes a model
// folder: the backbone as our weight file (backbone.safetensors, inside it) and the head in
// model.json and head.safetensors; PyTorch's running statistics are kept as the pytorch
// recipe keeps them. Keras does not store class names: --classes gives them.
import { join } from 'node:path';
import type { AdamState, HeadWeights } from '../autograd/head.js';
import { InputError } from '../errors.js';
import { type ResNetSpec, parameterShapes, plan } from '../model/architecture.js';
import { resolveWeights } from '../model/backbone.js';
import { preprocessingOf, weightFileMetadata } from '../model/convert.node.js';
import type { RecipeName } from '../train/recipe.js';
import { ARTICLE_SETTINGS, resolveSettings, trainingSettingsOf } from '../train/settings.js';
import { IMPORTED_BACKBONE, lockModelFolder, saveModel } from '../train/model-files.node.js';
import type { ModelDescription } from '../train/model-format.js';
import { readWeightFile, writeSafetensors } from '../weights/files.node.js';
import { type HostTensor, type TensorMap, toFloat32 } from '../weights/host-tensor.js';
import { type KerasLayer, readHdf5RootAttributes, readKerasH5 } from '../weights/h5.js';
import { readBytes, sha256 } from '../files.node.js';
import { readFileSync } from 'node:fs';

export class ImportError extends InputError {}

/** The width of the article's hidden layer: Linear(2048, 128). */
export const ARTICLE_HIDDEN = ARTICLE_SETTINGS.hidden;

/** A head read from a file: weights as our Linear layout ([out, in]) and its sizes. */
interface ImportedHead {
  weights: HeadWeights;
  features: number;
  classes: number;
}

const float = (t: HostTensor) => Float32Array.from(toFloat32(t));

/** Refuses --classes that do not match the head's outputs. */
function checkClasses(classes: readonly string[], count: number, file: string): void {
  if (classes.length !== count)
    throw new ImportError(
      `${file}: its head has ${count} outputs, but --classes names ${classes.length} (${classes.join(', ')})`,
    );
}

/** The article's head in a state_dict (fc.0 and fc.2), or why it is not there. */
function torchHead(state: TensorMap, file: string): ImportedHead {
  const need = (name: string, rank: number) => {
    const t = state.get(name);
    if (!t) {
      const single = state.get('fc.weight');
      const what = single ? `a single Linear head (fc.weight [${single.shape}])` : 'no fc.0.weight';
      throw new ImportError(
        `${file}: not the article's PyTorch model: ${what}, not ` +
          `fc = Sequential(Linear(2048, ${ARTICLE_HIDDEN}), ReLU, Linear(${ARTICLE_HIDDEN}, C))`,
      );
    }
    if (t.shape.length !== rank) throw new ImportError(`${file}: ${name} is [${t.shape}], not of rank ${rank}`);
    return t;
  };
  const w1 = need('fc.0.weight', 2),
    b1 = need('fc.0.bias', 1),
    w2 = need('fc.2.weight', 2),
    b2 = need('fc.2.bias', 1);
  const [hidden, features] = w1.shape;
  const classes = w2.shape[0];
  if (hidden !== ARTICLE_HIDDEN)
    throw new ImportError(`${file}: its head has ${hidden} hidden units; the article's has ${ARTICLE_HIDDEN}`);
  if (b1.shape[0] !== hidden || w2.shape[1] !== hidden || b2.shape[0] !== classes || classes < 2)
    throw new ImportError(
      `${file}: its head's shapes do not chain: fc.0 [${w1.shape}] + [${b1.shape}], fc.2 [${w2.shape}] + [${b2.shape}]`,
    );
  return {
    weights: { 'fc1.weight': float(w1), 'fc1.bias': float(b1), 'fc2.weight': float(w2), 'fc2.bias': float(b2) },
    features,
    classes,
  };
}

/** What a model folder records of an imported model: the article's settings under `recipe`. */
function description(
  spec: ResNetSpec,
  classes: readonly string[],
  head: ImportedHead,
  weightsFile: string,
  weightsSha: string,
  recipe: RecipeName,
  source: string,
): ModelDescription {
  return {
    architecture: spec.name,
    classes: [...classes],
    preprocessing: preprocessingOf(spec),
    head: { features: head.features, hidden: ARTICLE_HIDDEN, classes: head.classes },
    backbone: { weights: weightsFile, sha256: weightsSha, synthetic: false },
    training: trainingSettingsOf(resolveSettings({ recipe, data: `imported from ${source}` })),
    history: [],
  };
}

/** Adam as a fresh optimizer (step 0): an imported model carries no optimizer state. */
function freshAdam(head: HeadWeights): AdamState {
  const zeros = () => Object.values(head).map((w) => new Float32Array(w.length));
  return { step: 0, m: zeros(), v: zeros() };
}

/**
 * Writes a model folder for an imported backbone and head: the backbone's weight file inside
 * it first, then model.json and the head, under the folder's lock.
 */
function writeImported(
  out: string,
  spec: ResNetSpec,
  backbone: TensorMap,
  source: string,
  sourceSha: string,
  classes: readonly string[],
  head: ImportedHead,
  recipe: RecipeName,
  running: TensorMap | null,
): void {
  const release = lockModelFolder(out);
  try {
    const weightsFile = join(out, IMPORTED_BACKBONE);
    writeSafetensors(weightsFile, backbone, weightFileMetadata(spec, false, source, sourceSha));
    const sha = sha256(new Uint8Array(readFileSync(weightsFile)));
    saveModel(
      out,
      description(spec, classes, head, weightsFile, sha, recipe, source),
      head.weights,
      freshAdam(head.weights),
      running,
    );
  } finally {
    release();
  }
}

/** `node dist/import.js --torch FILE`: the article's PyTorch state_dict as a model folder. */
export function importTorch(file: string, classes: readonly string[], out: string): { classes: number } {
  const weightFile = readWeightFile(file);
  if (weightFile.format !== 'pth')
    throw new ImportError(`${file}: not a torch.save file (it reads as ${weightFile.format})`);
  const head = torchHead(weightFile.tensors, file);
  checkClasses(classes, head.classes, file);
  // The backbone: every tensor but the head's and the batch counters, validated as resnet50.
  const backbone: TensorMap = new Map();
  for (const [name, t] of weightFile.tensors)
    if (!name.startsWith('fc.') && !name.endsWith('.num_batches_tracked')) backbone.set(name, t);
  const { tensors, spec } = resolveWeights({ ...weightFile, tensors: backbone }, file, 'resnet50');
  if (head.features !== plan(spec).featureSize)
    throw new ImportError(
      `${file}: its head takes ${head.features} features; resnet50 gives ${plan(spec).featureSize}`,
    );
  // The running statistics its training left, kept as the pytorch recipe keeps them.
  const running: TensorMap = new Map();
  for (const [name, shape] of parameterShapes(plan(spec), false))
    if (/running_(mean|var)$/.test(name))
      running.set(name, { dtype: 'float32', shape, data: float(tensors.get(name)!) });
  writeImported(out, spec, tensors, file, weightFile.sha256, classes, head, 'pytorch', running);
  return { classes: head.classes };
}

/** A Keras model's config, from model.save's model_config attribute or model.to_json's text. */
interface KerasModel {
  class_name?: unknown;
  config?: { layers?: { name?: unknown; class_name?: unknown; config?: Record<string, unknown> }[] };
}

function parseKerasModel(text: string, where: string): KerasModel {
  let model: KerasModel;
  try {
    model = JSON.parse(text) as KerasModel;
  } catch {
    throw new ImportError(`${where}: not a Keras model description (not JSON)`);
  }
  if (!Array.isArray(model?.config?.layers))
    throw new ImportError(`${where}: not a Keras model description (no config.layers)`);
  return model;
}

/** The article's head in a Keras model config: GlobalAveragePooling2D, Dense(128, relu), Dense(C, softmax). */
function kerasHeadLayers(model: KerasModel, where: string): { hidden: string; output: string; classes: number } {
  const layers = model.config!.layers!;
  const [pool, hidden, output] = layers.slice(-3);
  const is = (l: (typeof layers)[number] | undefined, cls: string) => l?.class_name === cls;
  const c = (l: (typeof layers)[number]) => l.config ?? {};
  if (
    !is(pool, 'GlobalAveragePooling2D') ||
    !is(hidden, 'Dense') ||
    !is(output, 'Dense') ||
    c(hidden).activation !== 'relu' ||
    c(output).activation !== 'softmax'
  )
    throw new ImportError(
      `${where}: not the article's Keras model: it does not end in GlobalAveragePooling2D, ` +
        `Dense(${ARTICLE_HIDDEN}, relu), Dense(C, softmax) (it ends in ` +
        `${layers
          .slice(-3)
          .map((l) => l.class_name)
          .join(', ')})`,
    );
  if (c(hidden).units !== ARTICLE_HIDDEN)
    throw new ImportError(
      `${where}: its head has ${String(c(hidden).units)} hidden units; the article's has ${ARTICLE_HIDDEN}`,
    );
  return { hidden: String(hidden.name), output: String(output.name), classes: Number(c(output).units) };
}

/**
 * `node dist/import.js --keras FILE [--architecture JSON]`: Keras 2.2.2's model.save file, or a
 * save_weights file with model.to_json's text, of the article's model, as a model folder.
 */
export function importKeras(
  file: string,
  architecture: string | null,
  classes: readonly string[],
  out: string,
): { classes: number } {
  const bytes = readBytes(file, ImportError);
  const attributes = readHdf5RootAttributes(bytes, file);
  const fromFile = attributes.model_config ? parseKerasModel(attributes.model_config, `${file} (model_config)`) : null;
  const fromJson = architecture
    ? parseKerasModel(new TextDecoder().decode(readBytes(architecture, ImportError)), architecture)
    : null;
  const model = fromFile ?? fromJson;
  if (!model)
    throw new ImportError(
      `${file}: weights without the model (save_weights): give --architecture with model.to_json()'s file`,
    );
  const where = fromJson && !fromFile ? architecture! : file;
  const head = kerasHeadLayers(model, where);
  checkClasses(classes, head.classes, where);
  const weights = readKerasH5(bytes, file);
  // The config's layers that carry weights are the file's, in order: a description of another
  // model does not describe these weights.
  const weighted = new Set(['Conv2D', 'BatchNormalization', 'Dense']);
  const described = model.config!.layers!.filter((l) => weighted.has(String(l.class_name))).map((l) => String(l.name));
  const stored = weights.layers.filter((l) => l.weights.length).map((l) => l.name);
  if (described.join() !== stored.join()) {
    const i = described.findIndex((n, k) => n !== stored[k]);
    throw new ImportError(
      `${where}: does not describe the weights in ${file} (layer ${i + 1} with weights is ` +
        `${described[i] ?? 'missing'} there, ${stored[i] ?? 'missing'} in the file)`,
    );
  }
  const layer = (name: string) => weights.layers.find((l) => l.name === name)!;
  const kernel = (l: KerasLayer, rank: number) => {
    const [k, b] = l.weights.map((w) => w.tensor);
    if (!k || !b || k.shape.length !== rank)
      throw new ImportError(`${file}: layer ${l.name} is not a Dense layer's weights`);
    return { k, b };
  };
  const h = kernel(layer(head.hidden), 2),
    o = kernel(layer(head.output), 2);
  // Dense kernels are [in, out]; ours [out, in].
  const transposed = (t: HostTensor) => {
    const [rows, cols] = t.shape;
    const data = toFloat32(t);
    const outData = new Float32Array(data.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) outData[c * rows + r] = data[r * cols + c];
    return outData;
  };
  const imported: ImportedHead = {
    weights: {
      'fc1.weight': transposed(h.k),
      'fc1.bias': float(h.b),
      'fc2.weight': transposed(o.k),
      'fc2.bias': float(o.b),
    },
    features: h.k.shape[0],
    classes: o.k.shape[1],
  };
  const backboneLayers = weights.layers.filter((l) => l.name !== head.hidden && l.name !== head.output);
  let resolved: ReturnType<typeof resolveWeights>;
  try {
    resolved = resolveWeights(
      {
        tensors: new Map(),
        metadata: weights.attributes,
        sha256: sha256(bytes),
        format: 'keras-h5',
        keras: { ...weights, layers: backboneLayers },
      },
      file,
    );
  } catch (e) {
    throw new ImportError(
      `${file}: not the article's Keras model (a ResNet50 base): ${(e as Error).message.slice(file.length + 2)}`,
    );
  }
  if (resolved.spec.name !== 'keras_resnet50' && resolved.spec.name !== 'tf_keras_resnet50')
    throw new ImportError(`${file}: not the article's Keras model (a ResNet50 base)`);
  if (imported.features !== plan(resolved.spec).featureSize)
    throw new ImportError(
      `${file}: its head takes ${imported.features} features; the ResNet50 gives ${plan(resolved.spec).featureSize}`,
    );
  writeImported(out, resolved.spec, resolved.tensors, file, sha256(bytes), classes, imported, 'keras', null);
  return { classes: imported.classes };
}
