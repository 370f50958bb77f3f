// Every distinct conv shape of torchvision's ResNet-50 (v1.5: stride on the 3x3 conv), at a
// 224x224 input. Used by the tests and the kernel benchmark.

export interface ConvLayerShape {
  name: string;
  H: number; W: number; C: number; K: number;
  kernel: number; stride: number; pad: number;
}

function stage(name: string, inputSize: number, inC: number, width: number, stride: number): ConvLayerShape[] {
  const out = width * 4;
  const o = inputSize / stride;
  const shapes: ConvLayerShape[] = [
    { name: `${name}.reduce`, H: inputSize, W: inputSize, C: inC, K: width, kernel: 1, stride: 1, pad: 0 },
    { name: `${name}.conv3x3${stride > 1 ? '/2' : ''}`, H: inputSize, W: inputSize, C: width, K: width, kernel: 3, stride, pad: 1 },
    { name: `${name}.expand`, H: o, W: o, C: width, K: out, kernel: 1, stride: 1, pad: 0 },
    { name: `${name}.downsample`, H: inputSize, W: inputSize, C: inC, K: out, kernel: 1, stride, pad: 0 },
    { name: `${name}.reduce(block2+)`, H: o, W: o, C: out, K: width, kernel: 1, stride: 1, pad: 0 },
  ];
  if (stride > 1) shapes.push({ name: `${name}.conv3x3`, H: o, W: o, C: width, K: width, kernel: 3, stride: 1, pad: 1 });
  return shapes;
}

const all: ConvLayerShape[] = [
  { name: 'stem.conv7x7/2', H: 224, W: 224, C: 3, K: 64, kernel: 7, stride: 2, pad: 3 },
  ...stage('layer1', 56, 64, 64, 1),
  ...stage('layer2', 56, 256, 128, 2),
  ...stage('layer3', 28, 512, 256, 2),
  ...stage('layer4', 14, 1024, 512, 2),
];

const key = (s: ConvLayerShape) => [s.H, s.W, s.C, s.K, s.kernel, s.stride, s.pad].join(',');

/** Distinct shapes only (layer1's downsample equals its expand conv's shape). */
export const RESNET50_CONV_SHAPES: ConvLayerShape[] = all.filter((s, i) => all.findIndex((t) => key(t) === key(s)) === i);

export function convFlops(s: ConvLayerShape, batch: number): number {
  const OH = Math.floor((s.H + 2 * s.pad - s.kernel) / s.stride) + 1;
  const OW = Math.floor((s.W + 2 * s.pad - s.kernel) / s.stride) + 1;
  return 2 * batch * OH * OW * s.K * s.C * s.kernel * s.kernel;
}
