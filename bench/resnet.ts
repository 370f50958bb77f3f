// ResNet-50 forward throughput (images/s) at several batch sizes: ours beside TensorFlow.js
// 4.22's WebGPU backend running the same topology (the same folded weights, NHWC, fused
// conv + bias + ReLU) on the same adapter in the same run. Inputs are already on the GPU;
// each timing waits for the GPU to finish. Logits are cross-checked between the two.
//   node dist/bench-resnet.js [--batches 1,8,32] [--runs N] [--json FILE] [--no-peer]
import { Gpu } from '../src/gpu/context.js';
import type { Tensor } from '../src/gpu/tensor.js';
import { plan, resnetSpec } from '../src/model/architecture.js';
import { ResNet, foldedConvs } from '../src/model/resnet.js';
import { syntheticImages, syntheticWeights } from '../src/model/synthetic.js';
import { relativeError } from '../src/reference/cpu.js';
import { toFloat32 } from '../src/weights/host-tensor.js';
import { type TfPeer, loadTfPeer } from './tf-peer.js';
import { median } from './measure.js';
import { type Args, runBench, printTable, resultsHeader, writeJsonAtomic } from './util.js';

type Tf = TfPeer['tf'];
type Tf4 = import('@tensorflow/tfjs-core').Tensor4D;

/** The same network in TF.js ops, from the same folded weights. */
function tfResNet(tf: Tf, weightsSeed: number) {
  const spec = resnetSpec('resnet50');
  const p = plan(spec);
  const tensors = syntheticWeights(p, weightsSeed, true);
  const convs = new Map<string, { w: import('@tensorflow/tfjs-core').Tensor4D; b: import('@tensorflow/tfjs-core').Tensor1D; stride: number; pad: number }>();
  for (const [name, f] of foldedConvs(p, tensors)) {
    const c = f.spec;
    convs.set(name, { w: tf.tensor4d(f.weight, [c.kernel, c.kernel, c.inC, c.outC]), b: tf.tensor1d(f.bias), stride: c.stride, pad: c.pad });
  }
  const fcW = tf.transpose(tf.tensor2d(toFloat32(tensors.get('fc.weight')!), [1000, p.featureSize])) as import('@tensorflow/tfjs-core').Tensor2D;
  const fcB = tf.tensor1d(toFloat32(tensors.get('fc.bias')!));
  const conv = (x: Tf4, name: string, relu: boolean): Tf4 => {
    const c = convs.get(name)!;
    return tf.fused.conv2d({ x, filter: c.w, strides: c.stride, pad: c.pad, bias: c.b, activation: relu ? 'relu' : 'linear' });
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
  return { forward, dispose: () => { convs.forEach((c) => { c.w.dispose(); c.b.dispose(); }); fcW.dispose(); fcB.dispose(); } };
}

async function timeOurs(gpu: Gpu, model: ResNet, input: Tensor, runs: number): Promise<{ ms: number; logits: Float32Array }> {
  const warm = await model.forward(input);
  const logits = await warm.logits!.read();
  warm.features.release();
  warm.logits!.release();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    let out: Awaited<ReturnType<ResNet['forward']>> | undefined;
    const { wallMs } = await gpu.measure(async () => { out = await model.forward(input); });
    out!.features.release();
    out!.logits!.release();
    times.push(wallMs);
  }
  return { ms: median(times), logits };
}

async function timePeer(peer: TfPeer, net: ReturnType<typeof tfResNet>, images: Float32Array, batch: number, runs: number): Promise<{ ms: number; logits: Float32Array }> {
  const x = peer.tf.tensor4d(images, [batch, 224, 224, 3]);
  const { ms, output } = await peer.time(() => net.forward(x), runs);
  x.dispose();
  return { ms, logits: output };
}

async function main(args: Args): Promise<void> {
  const gpu = await Gpu.create();
  const peer = args.flags.has('no-peer') ? null : await loadTfPeer();
  const WEIGHTS_SEED = 1;
  try {
    const batches = (args.options.batches ?? '1,8,32').split(',').map(Number);
    const runs = Number(args.options.runs ?? 3);
    const spec = resnetSpec('resnet50');
    const model = ResNet.load(gpu, spec, syntheticWeights(plan(spec), WEIGHTS_SEED, true), `random:${WEIGHTS_SEED}`);
    const net = peer ? tfResNet(peer.tf, WEIGHTS_SEED) : null;
    const results = [];
    const rows: string[][] = [];
    for (const batch of batches) {
      if (batch > model.maxBatch()) throw new Error(`batch ${batch} exceeds what one forward holds on this adapter (${model.maxBatch()})`);
      const images = syntheticImages(2, batch);
      const input = gpu.upload(images, [batch, 224, 224, 3], 'images');
      const ours = await timeOurs(gpu, model, input, runs);
      input.release();
      const theirs = peer && net ? await timePeer(peer, net, images, batch, runs) : null;
      const ips = (ms: number) => (batch * 1000) / ms;
      const diff = theirs ? relativeError(ours.logits, theirs.logits) : null;
      const result = {
        batch,
        ours: { ms: ours.ms, imagesPerSecond: ips(ours.ms) },
        peer: theirs ? { name: peer!.name, ms: theirs.ms, imagesPerSecond: ips(theirs.ms) } : null,
        ratio: theirs ? theirs.ms / ours.ms : null,
        logitsRelativeDifference: diff,
      };
      results.push(result);
      rows.push([String(batch), '', ours.ms.toFixed(0), ips(ours.ms).toFixed(2), theirs ? theirs.ms.toFixed(0) : '-', theirs ? ips(theirs.ms).toFixed(2) : '-',
        result.ratio ? `${result.ratio.toFixed(2)}x` : '-', diff !== null ? diff.toExponential(1) : '-']);
      process.stderr.write(`batch ${batch} done\n`);
    }
    printTable(['batch', '', 'ours ms', 'ours img/s', 'tfjs ms', 'tfjs img/s', 'ratio', 'logits rel diff'], rows);
    if (args.options.json) {
      writeJsonAtomic(args.options.json, {
        ...resultsHeader(gpu, 'bench-resnet.js'),
        model: 'resnet50 (torchvision v1.5 topology, batchnorm folded, f32, 224x224, synthetic weights)',
        runs,
        results,
      });
    }
    net?.dispose();
    model.destroy();
  } finally {
    peer?.dispose();
    gpu.destroy();
  }
}

runBench(main, ['json', 'runs', 'batches'], ['no-peer']);
