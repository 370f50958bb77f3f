// ResNet topologies described by their stages, with torchvision's parameter names and shapes
// (Keras files are renamed to these by src/model/keras.ts). A block whose shape changes has a
// 1x1 downsample conv with batchnorm on the shortcut. torchvision's v1.5 puts a bottleneck's
// stride on its 3x3 conv; Keras's v1 (keras-applications 1.0.4, and tf.keras's later
// ResNet50) on its first 1x1 conv, gives every conv a bias, and uses its own batchnorm epsilon
// and stem pooling.

import { InputError } from '../errors.js';

export type BlockKind = 'basic' | 'bottleneck';

export interface ResNetSpec {
  name: string;
  block: BlockKind;
  /** Blocks per stage (layer1..layer4). */
  layers: readonly [number, number, number, number];
  /** Where a downsampling bottleneck's stride sits: torchvision's v1.5 on the 3x3 conv, v1 on the first 1x1. */
  strideOn: '3x3' | '1x1';
  /** Whether convs have a bias (Keras's do). */
  convBias: boolean;
  /** Batchnorm epsilon. */
  bnEps: number;
  /** Padding of the stem's 3x3 stride-2 max pool (112 -> 56 with 1, 112 -> 55 with 0). */
  stemPoolPad: number;
  /** The preprocessing its published ImageNet weights were trained with (src/image/preprocess.ts). */
  preprocessing: 'torchvision' | 'caffe';
}

/** torchvision's ResNets: v1.5, BatchNorm2d's eps 1e-5, the stem pool padded. */
const TORCHVISION = {
  strideOn: '3x3',
  convBias: false,
  bnEps: 1e-5,
  stemPoolPad: 1,
  preprocessing: 'torchvision',
} as const;

export const RESNETS: Record<string, ResNetSpec> = {
  resnet18: { name: 'resnet18', block: 'basic', layers: [2, 2, 2, 2], ...TORCHVISION },
  resnet34: { name: 'resnet34', block: 'basic', layers: [3, 4, 6, 3], ...TORCHVISION },
  resnet50: { name: 'resnet50', block: 'bottleneck', layers: [3, 4, 6, 3], ...TORCHVISION },
  resnet101: { name: 'resnet101', block: 'bottleneck', layers: [3, 4, 23, 3], ...TORCHVISION },
  resnet152: { name: 'resnet152', block: 'bottleneck', layers: [3, 8, 36, 3], ...TORCHVISION },
  // keras-applications 1.0.4 (Keras 2.2.2): BatchNormalization's default eps 1e-3, and
  // MaxPooling2D((3, 3), strides=(2, 2)) unpadded.
  keras_resnet50: {
    name: 'keras_resnet50',
    block: 'bottleneck',
    layers: [3, 4, 6, 3],
    strideOn: '1x1',
    convBias: true,
    bnEps: 1e-3,
    stemPoolPad: 0,
    preprocessing: 'caffe',
  },
  // tf.keras's ResNet50 (keras-applications >= 1.0.7): eps 1.001e-5, ZeroPadding2D(1) before the pool.
  tf_keras_resnet50: {
    name: 'tf_keras_resnet50',
    block: 'bottleneck',
    layers: [3, 4, 6, 3],
    strideOn: '1x1',
    convBias: true,
    bnEps: 1.001e-5,
    stemPoolPad: 1,
    preprocessing: 'caffe',
  },
};

export function resnetSpec(name: string): ResNetSpec {
  const spec = RESNETS[name];
  if (!spec) throw new InputError(`unknown architecture '${name}' (known: ${Object.keys(RESNETS).join(', ')})`);
  return spec;
}

/** A conv followed by its batchnorm, named by torchvision's prefixes. */
export interface ConvBn {
  conv: string;
  bn: string;
  inC: number;
  outC: number;
  kernel: number;
  stride: number;
  pad: number;
  /** Whether the conv has a bias (`${conv}.bias`). */
  bias: boolean;
  /** Its batchnorm's epsilon. */
  eps: number;
}

export interface Block {
  name: string;
  /** Main path, in order; ReLU after every conv but the last, which adds the shortcut first. */
  convs: ConvBn[];
  downsample: ConvBn | null;
}

export interface Plan {
  spec: ResNetSpec;
  stem: ConvBn;
  /** The max pool after the stem. */
  stemPool: { kernel: number; stride: number; pad: number };
  blocks: Block[];
  featureSize: number;
}

export function plan(spec: ResNetSpec): Plan {
  const convBn = (conv: string, bn: string, inC: number, outC: number, kernel: number, stride: number): ConvBn => ({
    conv,
    bn,
    inC,
    outC,
    kernel,
    stride,
    pad: (kernel - 1) >> 1,
    bias: spec.convBias,
    eps: spec.bnEps,
  });
  const v1 = spec.strideOn === '1x1';
  const expansion = spec.block === 'bottleneck' ? 4 : 1;
  const blocks: Block[] = [];
  let inC = 64;
  spec.layers.forEach((count, stage) => {
    const width = 64 << stage;
    const outC = width * expansion;
    for (let i = 0; i < count; i++) {
      const name = `layer${stage + 1}.${i}`;
      const stride = i === 0 && stage > 0 ? 2 : 1;
      const convs =
        spec.block === 'bottleneck'
          ? [
              convBn(`${name}.conv1`, `${name}.bn1`, inC, width, 1, v1 ? stride : 1),
              convBn(`${name}.conv2`, `${name}.bn2`, width, width, 3, v1 ? 1 : stride),
              convBn(`${name}.conv3`, `${name}.bn3`, width, outC, 1, 1),
            ]
          : [
              convBn(`${name}.conv1`, `${name}.bn1`, inC, width, 3, stride),
              convBn(`${name}.conv2`, `${name}.bn2`, width, width, 3, 1),
            ];
      const downsample =
        stride !== 1 || inC !== outC
          ? convBn(`${name}.downsample.0`, `${name}.downsample.1`, inC, outC, 1, stride)
          : null;
      blocks.push({ name, convs, downsample });
      inC = outC;
    }
  });
  const stem = { ...convBn('conv1', 'bn1', 3, 64, 7, 2), pad: 3 };
  return { spec, stem, stemPool: { kernel: 3, stride: 2, pad: spec.stemPoolPad }, blocks, featureSize: inC };
}

/** Every conv (with its batchnorm) of a plan in state_dict order: the stem, each block's main path and downsample. */
export function planConvs(p: Plan): ConvBn[] {
  return [p.stem, ...p.blocks.flatMap((b) => (b.downsample ? [...b.convs, b.downsample] : b.convs))];
}

export const IMAGENET_CLASS_COUNT = 1000;

/**
 * The float tensors of torchvision's state_dict, in its order (num_batches_tracked, an int64
 * counter that inference does not use, is left out; Keras's conv biases are `${conv}.bias`).
 * The classifier is `fc`.
 */
export function parameterShapes(p: Plan, classifier: boolean): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  const add = (c: ConvBn) => {
    shapes.set(`${c.conv}.weight`, [c.outC, c.inC, c.kernel, c.kernel]);
    if (c.bias) shapes.set(`${c.conv}.bias`, [c.outC]);
    for (const field of ['weight', 'bias', 'running_mean', 'running_var']) shapes.set(`${c.bn}.${field}`, [c.outC]);
  };
  planConvs(p).forEach(add);
  if (classifier) {
    shapes.set('fc.weight', [IMAGENET_CLASS_COUNT, p.featureSize]);
    shapes.set('fc.bias', [IMAGENET_CLASS_COUNT]);
  }
  return shapes;
}
