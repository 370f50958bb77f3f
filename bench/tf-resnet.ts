// ResNet-50 in TF.js ops (the benchmarks' peer): the same topology and folded weights as ours,
// NHWC, fused conv + bias + ReLU. No Node APIs: bench:resnet and the bench page both build it.
import { IMAGENET_CLASS_COUNT, plan } from '../src/model/architecture.js';
import { syntheticBackbone } from '../src/model/backbone.js';
import { foldedConvs } from '../src/model/resnet.js';
import { toFloat32 } from '../src/weights/host-tensor.js';
import type { TfPeer } from './tf-peer.js';

type Tf = TfPeer['tf'];
type Tf4 = import('@tensorflow/tfjs-core').Tensor4D;

/** The same network in TF.js ops, from the same folded weights. */
export function tfResNet(tf: Tf, weightsSeed: number) {
  const { spec, tensors } = syntheticBackbone(weightsSeed);
  const p = plan(spec);
  const convs = new Map<
    string,
    {
      w: import('@tensorflow/tfjs-core').Tensor4D;
      b: import('@tensorflow/tfjs-core').Tensor1D;
      stride: number;
      pad: number;
    }
  >();
  for (const [name, f] of foldedConvs(p, tensors)) {
    const c = f.spec;
    convs.set(name, {
      w: tf.tensor4d(f.weight, [c.kernel, c.kernel, c.inC, c.outC]),
      b: tf.tensor1d(f.bias),
      stride: c.stride,
      pad: c.pad,
    });
  }
  const fcW = tf.transpose(
    tf.tensor2d(toFloat32(tensors.get('fc.weight')!), [IMAGENET_CLASS_COUNT, p.featureSize]),
  ) as import('@tensorflow/tfjs-core').Tensor2D;
  const fcB = tf.tensor1d(toFloat32(tensors.get('fc.bias')!));
  const conv = (x: Tf4, name: string, relu: boolean): Tf4 => {
    const c = convs.get(name)!;
    return tf.fused.conv2d({
      x,
      filter: c.w,
      strides: c.stride,
      pad: c.pad,
      bias: c.b,
      activation: relu ? 'relu' : 'linear',
    });
  };
  const forward = (x: Tf4) =>
    tf.tidy(() => {
      let y = tf.maxPool(conv(x, p.stem.conv, true), 3, 2, 1);
      for (const block of p.blocks) {
        const shortcut = block.downsample ? conv(y, block.downsample.conv, false) : y;
        let z = y;
        block.convs.forEach((c, i) => (z = conv(z, c.conv, i < block.convs.length - 1)));
        y = tf.relu(tf.add(z, shortcut)) as Tf4;
      }
      const features = tf.mean(y, [1, 2]);
      return tf.add(tf.matMul(features, fcW), fcB);
    });
  return {
    forward,
    dispose: () => {
      convs.forEach((c) => {
        c.w.dispose();
        c.b.dispose();
      });
      fcW.dispose();
      fcB.dispose();
    },
  };
}
