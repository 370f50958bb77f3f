// Keras ResNet-50 weight files to our tensor names: keras-applications 1.0.4's layer names
// (Keras 2.2: conv1, bn_conv1, res2a_branch2a, bn2a_branch2a, ..., fc1000) or tf.keras's
// (conv1_conv, conv1_bn, conv2_block1_1_conv, ..., predictions), each layer's weights in the
// order its weight_names give them, every shape checked (validateWeights). Keras kernels are
// HWIO (Dense: [in, out]); ours are torchvision's OIHW ([out, in]).
import type { HostTensor, TensorMap } from '../weights/host-tensor.js';
import type { KerasLayer, KerasLayout, KerasWeightFile } from '../weights/h5.js';
import { oihwToHwio } from './prepare.js';
import { WeightFileError } from '../weights/safetensors.js';
import { type ResNetSpec, plan, resnetSpec } from './architecture.js';
import { validateWeights } from './weights.js';

/** Weight roles in a layer's order, recognised by the end of their names (Keras 2 and Keras 1 spellings). */
const CONV_ROLES = [/(kernel|_W)(_\d+)?:0$/, /(bias|_b)(_\d+)?:0$/];
const BN_ROLES = [
  /gamma(_\d+)?:0$/,
  /beta(_\d+)?:0$/,
  /(moving|running)_mean(_\d+)?:0$/,
  /(moving_variance|running_std)(_\d+)?:0$/,
];
const BN_FIELDS = ['weight', 'bias', 'running_mean', 'running_var'];
const STAGE_LETTERS = 'abcdefghijklmnopqrstuvwxyz';

type Target = { kind: 'conv' | 'bn' | 'fc'; name: string };

/** keras-applications 1.0.4 (Keras 2.2) names. */
function keras22Target(layer: string): Target | null {
  if (layer === 'conv1') return { kind: 'conv', name: 'conv1' };
  if (layer === 'bn_conv1') return { kind: 'bn', name: 'bn1' };
  if (layer === 'fc1000') return { kind: 'fc', name: 'fc' };
  const m = /^(res|bn)(\d)([a-z])_branch(1|2a|2b|2c)$/.exec(layer);
  if (!m) return null;
  const block = `layer${Number(m[2]) - 1}.${STAGE_LETTERS.indexOf(m[3])}`;
  const conv = m[1] === 'res';
  if (m[4] === '1') return { kind: conv ? 'conv' : 'bn', name: `${block}.downsample.${conv ? 0 : 1}` };
  const k = { '2a': 1, '2b': 2, '2c': 3 }[m[4]]!;
  return { kind: conv ? 'conv' : 'bn', name: `${block}.${conv ? 'conv' : 'bn'}${k}` };
}

/** tf.keras's (keras-applications >= 1.0.7) names. */
function tfKerasTarget(layer: string): Target | null {
  if (layer === 'conv1_conv') return { kind: 'conv', name: 'conv1' };
  if (layer === 'conv1_bn') return { kind: 'bn', name: 'bn1' };
  if (layer === 'predictions') return { kind: 'fc', name: 'fc' };
  const m = /^conv(\d)_block(\d+)_(\d)_(conv|bn)$/.exec(layer);
  if (!m) return null;
  const block = `layer${Number(m[1]) - 1}.${Number(m[2]) - 1}`;
  const conv = m[4] === 'conv';
  if (m[3] === '0') return { kind: conv ? 'conv' : 'bn', name: `${block}.downsample.${conv ? 0 : 1}` };
  return { kind: conv ? 'conv' : 'bn', name: `${block}.${conv ? 'conv' : 'bn'}${m[3]}` };
}

/** The architecture a file's layer naming says: Keras 2.2's or tf.keras's, or null for neither. */
export function kerasArchitecture(file: KerasWeightFile): ResNetSpec | null {
  const names = new Set(file.layers.filter((l) => l.weights.length).map((l) => l.name));
  if (names.has('res2a_branch2a')) return resnetSpec('keras_resnet50');
  if (names.has('conv2_block1_1_conv')) return resnetSpec('tf_keras_resnet50');
  return null;
}

function transpose2d(t: HostTensor): HostTensor {
  const [rows, cols] = t.shape;
  const src = t.data as Float32Array;
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return { dtype: 'float32', shape: [cols, rows], data: out };
}

/** HWIO -> OIHW. */
function hwioToOihw(t: HostTensor): HostTensor {
  const [H, W, I, O] = t.shape;
  const src = t.data as Float32Array;
  const out = new Float32Array(src.length);
  for (let h = 0; h < H; h++)
    for (let w = 0; w < W; w++)
      for (let i = 0; i < I; i++)
        for (let o = 0; o < O; o++) out[((o * I + i) * H + h) * W + w] = src[((h * W + w) * I + i) * O + o];
  return { dtype: 'float32', shape: [O, I, H, W], data: out };
}

/**
 * Our tensors of a Keras ResNet-50 weight file, and its architecture. Throws naming the file
 * and the layer for another architecture, a layer of unexpected weights, or a wrong shape.
 */
export function kerasToTensors(file: KerasWeightFile, path: string): { spec: ResNetSpec; tensors: TensorMap } {
  const fail = (why: string): never => {
    throw new WeightFileError(`${path}: ${why}`);
  };
  const spec = kerasArchitecture(file);
  if (!spec)
    return fail(
      "not a Keras ResNet-50: no layer 'res2a_branch2a' (keras-applications 1.0.4) or 'conv2_block1_1_conv' (tf.keras)",
    );
  const target = spec.name === 'keras_resnet50' ? keras22Target : tfKerasTarget;
  const tensors: TensorMap = new Map();
  const take = (layer: KerasLayer, roles: RegExp[]) => {
    if (layer.weights.length !== roles.length)
      fail(`layer '${layer.name}' has ${layer.weights.length} weights, expected ${roles.length}`);
    layer.weights.forEach((w, i) => {
      // Keras 2's names end in kernel:0, bias:0, ...; anything else must at least not contradict the role.
      const other = roles.findIndex((r) => r.test(w.name));
      if (other !== -1 && other !== i) fail(`layer '${layer.name}': weight '${w.name}' is out of order`);
    });
    return layer.weights.map((w) => w.tensor);
  };
  for (const layer of file.layers) {
    if (!layer.weights.length) continue;
    const t = target(layer.name);
    if (!t) return fail(`unexpected layer '${layer.name}' with weights for ${spec.name}`);
    if (t.kind === 'bn') {
      take(layer, BN_ROLES).forEach((w, i) => tensors.set(`${t.name}.${BN_FIELDS[i]}`, w));
      continue;
    }
    const [kernel, bias] = take(layer, CONV_ROLES);
    const rank = t.kind === 'fc' ? 2 : 4;
    if (kernel.shape.length !== rank)
      fail(`layer '${layer.name}': kernel has shape [${kernel.shape}], expected rank ${rank}`);
    tensors.set(`${t.name}.weight`, t.kind === 'fc' ? transpose2d(kernel) : hwioToOihw(kernel));
    tensors.set(`${t.name}.bias`, bias);
  }
  validateWeights(tensors, plan(spec), path);
  return { spec, tensors };
}

/**
 * The inverse of kerasToTensors: a Keras file's layers (from its layout) filled from our
 * tensors, each weight in the file's own name, order and shape (kernels back to HWIO, Dense to
 * [in, out]). Exact: only transposes. Used to write a backbone out as Keras holds it.
 */
export function kerasLayersFromTensors(
  layout: KerasLayout,
  spec: ResNetSpec,
  tensors: TensorMap,
  path: string,
): KerasLayer[] {
  const target =
    spec.name === 'keras_resnet50' ? keras22Target : spec.name === 'tf_keras_resnet50' ? tfKerasTarget : null;
  if (!target) throw new WeightFileError(`${path}: ${spec.name} has no Keras layer names`);
  return layout.layers.map((layer) => {
    if (!layer.weights.length) return { name: layer.name, weights: [] };
    const t = target(layer.name);
    if (!t) throw new WeightFileError(`${path}: unexpected layer '${layer.name}' with weights for ${spec.name}`);
    const ours = (field: string) => {
      const tensor = tensors.get(`${t.name}.${field}`);
      if (!tensor) throw new WeightFileError(`${path}: no ${t.name}.${field} for layer '${layer.name}'`);
      return tensor;
    };
    const weights = layer.weights.map((w, i) => {
      let tensor: HostTensor;
      if (t.kind === 'bn') tensor = ours(BN_FIELDS[i]);
      else if (i === 1) tensor = ours('bias');
      else {
        const kernel = ours('weight');
        tensor =
          t.kind === 'fc'
            ? transpose2d(kernel)
            : { dtype: 'float32', shape: w.shape, data: oihwToHwio(kernel.data as Float32Array, kernel.shape) };
      }
      if (tensor.shape.join() !== w.shape.join())
        throw new WeightFileError(`${path}: layer '${layer.name}': ${w.name} is [${w.shape}], ours [${tensor.shape}]`);
      return { name: w.name, tensor };
    });
    return { name: layer.name, weights };
  });
}
