// The article's two trained models as their frameworks hold them, from a saved model and its
// backbone weights: PyTorch's `model_trained.state_dict()` (torchvision's ResNet-50 with
// `model.fc = nn.Sequential(nn.Linear(2048, 128), nn.ReLU(inplace=True), nn.Linear(128, C))`)
// and the layer list of Keras's `Model(conv_base.input, predictions)` (the backbone's layers,
// then GlobalAveragePooling2D and two Dense layers), in the order each framework's loader expects.
import { InputError } from '../errors.js';
import { type BackboneWeights } from '../model/backbone.js';
import { type ResNetSpec, parameterShapes, plan, planConvs } from '../model/architecture.js';
import { backboneForModel, type SavedModel } from '../train/model-format.js';
import type { HostTensor, TensorMap } from '../weights/host-tensor.js';
import { toFloat32 } from '../weights/host-tensor.js';

export class ExportError extends InputError {}

/** A torchvision state_dict needs a torchvision architecture (said from model.json, before weights are read). */
export function checkTorchExportable(spec: ResNetSpec, where: string): void {
  if (spec.convBias)
    throw new ExportError(
      `${where}: a ${spec.name} backbone (Keras weights) has no torchvision state_dict; export it with --keras`,
    );
}

/**
 * The article's Keras model needs a Keras ResNet50 backbone: keras-applications 1.0.4's (from
 * its .h5 file or converted, as import.js converts it), or tf.keras's from its .h5 file.
 */
export function checkKerasExportable(spec: ResNetSpec, source: string, where: string): void {
  if (spec.name === 'keras_resnet50' || (spec.name === 'tf_keras_resnet50' && /\.h5$/i.test(source))) return;
  throw new ExportError(
    `${where}: --keras writes the article's Keras model, whose backbone is a Keras ResNet50 (.h5) file; ` +
      `this model's backbone is ${source} (${spec.name})`,
  );
}

const f32 = (shape: number[], data: Float32Array): HostTensor => ({ dtype: 'float32', shape, data });

/**
 * `model_trained.state_dict()` of the article's PyTorch model: the backbone with the running
 * statistics its recipe left, every BatchNorm2d's num_batches_tracked (the training steps that
 * updated them: Adam's step count under the pytorch recipe, else 0), then fc.0 and fc.2.
 */
export function torchStateDict(saved: SavedModel, weights: BackboneWeights, where: string): TensorMap {
  checkTorchExportable(weights.spec, where);
  const backbone = backboneForModel(saved, weights);
  const p = plan(weights.spec);
  const shapes = parameterShapes(p, false);
  const steps = saved.runningStatistics ? (saved.adam?.step ?? 0) : 0;
  const bns = new Set(planConvs(p).map((c) => c.bn));
  const state: TensorMap = new Map();
  for (const [name, shape] of shapes) {
    const t = backbone.tensors.get(name);
    if (!t) throw new ExportError(`${where}: the backbone weights lack ${name}`);
    state.set(name, f32(shape, Float32Array.from(toFloat32(t))));
    const bn = name.replace(/\.running_var$/, '');
    if (bn !== name && bns.has(bn))
      state.set(`${bn}.num_batches_tracked`, { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(steps)) });
  }
  const { features, hidden, classes } = saved.json.head;
  const w = saved.weights;
  state.set('fc.0.weight', f32([hidden, features], w['fc1.weight']));
  state.set('fc.0.bias', f32([hidden], w['fc1.bias']));
  state.set('fc.2.weight', f32([classes, hidden], w['fc2.weight']));
  state.set('fc.2.bias', f32([classes], w['fc2.bias']));
  return state;
}
