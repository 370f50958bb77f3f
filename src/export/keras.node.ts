// The article's Keras model's weights as Keras 2.2.2's `model.save_weights` writes them
// (keras/engine/saving.py, save_weights_to_hdf5_group): root attributes `layer_names`,
// `backend` and `keras_version` as fixed-length byte strings, a group per layer with its
// `weight_names`, each weight at `<layer>/<weight name>`. The model is
// `Model(conv_base.input, predictions)`: conv_base's layers as its .h5 file lists them (without
// the ImageNet top), then GlobalAveragePooling2D and Dense(128, relu), Dense(C, softmax) under
// the names a fresh Keras session gives them, so that `model.load_weights` (by order) loads it.
// Written with h5wasm (the HDF Group's library as WebAssembly) to a temporary file, then renamed.
import { renameSync, rmSync } from 'node:fs';
import { readBytes, stagingName } from '../files.node.js';
import type { BackboneWeights } from '../model/backbone.js';
import type { SavedModel } from '../train/model-format.js';
import type { HostTensor } from '../weights/host-tensor.js';
import { type KerasLayer, readKerasLayout } from '../weights/h5.js';
import { kerasLayersFromTensors } from '../model/keras.js';
import { ExportError, checkKerasExportable } from './article-models.js';
import { type KerasModelConfig, articleKerasModel } from './keras-config.js';

/** Keras's names for the layers the article adds (a fresh session numbers each type from 1). */
export const ARTICLE_KERAS_HEAD = { pool: 'global_average_pooling2d_1', hidden: 'dense_1', output: 'dense_2' };

/** The ImageNet top of a ResNet50(include_top=True) file, which conv_base (include_top=False) lacks. */
const TOP_LAYERS = /^(fc1000|predictions|flatten_\d+)$/;

/** [rows, cols] row-major to [cols, rows]: our Linear [out, in] to Keras's Dense kernel [in, out]. */
function transposed(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/** The layers model.save_weights would write for the article's Keras model. */
export function articleKerasLayers(saved: SavedModel, weights: BackboneWeights, where: string): KerasLayer[] {
  checkKerasExportable(weights.spec, weights.source, where);
  if (saved.runningStatistics)
    throw new ExportError(`${where}: its recipe updated the backbone's batchnorm statistics, which Keras's never does`);
  // keras-applications 1.0.4's layers in the order Keras 2.2.2 lists the model's (by depth from
  // the output), as a fresh session names them, which model.load_weights matches by order; for
  // tf.keras's, its file's layer list. The weights are ours, as loaded.
  const layout =
    weights.spec.name === 'keras_resnet50'
      ? { layers: articleKerasModel(saved.json.head.classes).layout.slice(0, -3), attributes: {} }
      : readKerasLayout(readBytes(weights.source, ExportError), weights.source);
  let layers = kerasLayersFromTensors(layout, weights.spec, weights.tensors, weights.source);
  while (layers.length && TOP_LAYERS.test(layers.at(-1)!.name)) layers = layers.slice(0, -1);
  // tf.keras's ResNet50 pools only in its top; keras-applications 1.0.4's avg_pool is part of conv_base.
  if (weights.spec.name === 'tf_keras_resnet50' && layers.at(-1)?.name === 'avg_pool') layers = layers.slice(0, -1);
  const { features, hidden, classes } = saved.json.head;
  const w = saved.weights;
  const dense = (name: string, kernel: Float32Array, rows: number, cols: number, bias: Float32Array): KerasLayer => ({
    name,
    weights: [
      {
        name: `${name}/kernel:0`,
        tensor: { dtype: 'float32', shape: [cols, rows], data: transposed(kernel, rows, cols) },
      },
      { name: `${name}/bias:0`, tensor: { dtype: 'float32', shape: [rows], data: bias } },
    ],
  });
  const h = ARTICLE_KERAS_HEAD;
  return [
    ...layers,
    { name: h.pool, weights: [] },
    dense(h.hidden, w['fc1.weight'], hidden, features, w['fc1.bias']),
    dense(h.output, w['fc2.weight'], classes, hidden, w['fc2.bias']),
  ];
}

/** The fixed-length byte-string type (numpy's 'S', what Keras's attributes are) fitting `values`. */
const byteString = (values: readonly string[]) =>
  `A${Math.max(1, ...values.map((v) => new TextEncoder().encode(v).length))}`;

/** Writes `layers` as model.save_weights does, atomically. */
export async function writeKerasWeights(path: string, layers: readonly KerasLayer[]): Promise<void> {
  await writeKerasHdf5(path, layers, null);
}

/**
 * Writes the article's Keras model as Keras 2.2.2's `model.save` does (keras/engine/saving.py,
 * save_model): root attributes keras_version, backend, model_config and training_config (JSON),
 * the weights in a `model_weights` group laid out as save_weights lays them out, its layers
 * those of `config` (weightless ones as the config names them); atomically.
 */
export async function writeKerasModel(
  path: string,
  layers: readonly KerasLayer[],
  config: KerasModelConfig,
  trainingConfig: string,
): Promise<void> {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const ordered = config.config.layers.map((l) => byName.get(l.name) ?? { name: l.name, weights: [] });
  const carried = ordered.filter((l) => l.weights.length).length;
  if (carried !== layers.filter((l) => l.weights.length).length)
    throw new ExportError(`${path}: the model's layers with weights are not those of the article's Keras model`);
  await writeKerasHdf5(path, ordered, {
    model_config: JSON.stringify(config),
    training_config: trainingConfig,
  });
}

/**
 * Writes Keras's weight layout at the root (save_weights) or, with `model` attributes, inside a
 * `model_weights` group below a root carrying them (model.save); atomically.
 */
async function writeKerasHdf5(
  path: string,
  layers: readonly KerasLayer[],
  model: { model_config: string; training_config: string } | null,
): Promise<void> {
  const { default: h5wasm } = await import('h5wasm/node');
  await h5wasm.ready;
  const tmp = stagingName(path, 'h5');
  const file = new h5wasm.File(tmp, 'w');
  try {
    type Node = { create_attribute: typeof file.create_attribute };
    const list = (node: Node, name: string, values: string[]) =>
      node.create_attribute(name, values, [values.length], byteString(values));
    const scalar = (node: Node, name: string, value: string) =>
      node.create_attribute(name, value, null, byteString([value]));
    let root: typeof file | ReturnType<typeof file.create_group> = file;
    if (model) {
      scalar(file, 'keras_version', '2.2.2');
      scalar(file, 'backend', 'tensorflow');
      // Variable-length ASCII, as h5py stores a bytes value: a fixed-length string past 64 KiB
      // would need dense attribute storage, which older readers lack.
      file.create_attribute('model_config', model.model_config, null, 'A');
      file.create_attribute('training_config', model.training_config, null, 'A');
      root = file.create_group('model_weights');
    }
    list(
      root,
      'layer_names',
      layers.map((l) => l.name),
    );
    scalar(root, 'backend', 'tensorflow');
    scalar(root, 'keras_version', '2.2.2');
    for (const layer of layers) {
      const group = root.create_group(layer.name);
      list(
        group,
        'weight_names',
        layer.weights.map((x) => x.name),
      );
      for (const { name, tensor } of layer.weights) {
        const parts = name.split('/');
        let at = group;
        for (const sub of parts.slice(0, -1)) at = (at.get(sub) as typeof group | null) ?? at.create_group(sub);
        at.create_dataset({
          name: parts.at(-1)!,
          data: (tensor as HostTensor).data as Float32Array,
          shape: tensor.shape,
        });
      }
    }
    file.close();
    renameSync(tmp, path);
  } catch (e) {
    try {
      file.close();
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}
