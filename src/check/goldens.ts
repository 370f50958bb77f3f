// Replays of the PyTorch goldens in test/fixtures/ (made by tools/*.py with Debian's PyTorch,
// in float64) on any adapter, returning relative errors: the tests assert on them, and
// `node dist/selfcheck.js` reports them on the GPU in use.
import { HEAD_PARAMETERS, Head, type HeadWeights } from '../autograd/head.js';
import type { Gpu } from '../gpu/context.js';
import { Adam, type AdamOptions } from '../kernels/adam.js';
import { syntheticBackbone } from '../model/backbone.js';
import { ResNet } from '../model/resnet.js';
import { syntheticImages } from '../model/synthetic.js';
import { uniformStream } from '../util/random.js';
import { relativeError } from '../reference/cpu.js';
import { toFloat32 } from '../weights/host-tensor.js';
import type { Safetensors } from '../weights/safetensors.js';

/** resnet50-golden.safetensors: torchvision's resnet50() on synthetic weights and images, 42 images. */
export class ResNetGolden {
  readonly batch: number;
  readonly features: Float32Array;
  readonly logits: Float32Array;
  constructor(private golden: Safetensors) {
    this.batch = Number(golden.metadata.batch);
    this.features = toFloat32(golden.tensors.get('features')!);
    this.logits = toFloat32(golden.tensors.get('logits')!);
  }

  /** ResNet-50 with the golden's synthetic weights (batchnorm folded at load). */
  model(gpu: Gpu): ResNet {
    return ResNet.load(gpu, syntheticBackbone(Number(this.golden.metadata.weight_seed)));
  }

  images(n: number): Float32Array {
    return syntheticImages(Number(this.golden.metadata.image_seed), n);
  }

  /** Relative errors of the first n images' features and logits, run in chunks of at most maxBatch. */
  async parity(
    model: ResNet,
    n: number,
    maxBatch?: number,
  ): Promise<{ features: number; logits: number; out: { features: Float32Array; logits: Float32Array } }> {
    const out = await model.embed(this.images(n), n, { logits: true, maxBatch });
    return {
      features: relativeError(out.features, this.features.subarray(0, n * 2048)),
      logits: relativeError(out.logits!, this.logits.subarray(0, n * 1000)),
      out: { features: out.features, logits: out.logits! },
    };
  }
}

/**
 * head-golden.safetensors: 20 Adam steps of Linear -> ReLU -> Linear with the same features,
 * initial weights and batch order. Returns the losses' relative error, each final weight's,
 * and how far the weights moved (so a head that never trains cannot pass).
 */
export async function replayHeadGolden(
  gpu: Gpu,
  golden: Safetensors,
): Promise<{ losses: number; weights: Record<string, number>; moved: number }> {
  const m = Object.fromEntries(Object.entries(golden.metadata).map(([k, v]) => [k, Number(v)]));
  const uniform = (stream: number, n: number, bound: number) =>
    Float32Array.from(uniformStream(m.seed, stream, n), (u) => (2 * u - 1) * bound);
  const F = m.features,
    H = m.hidden,
    C = m.classes;
  const features = Float32Array.from(uniformStream(m.seed, 0, m.samples * F), (u) => u * 3);
  const labels = Uint32Array.from(uniformStream(m.seed, 1, m.samples), (u) => Math.floor(u * C));
  const init: HeadWeights = {
    'fc1.weight': uniform(2, H * F, 1 / Math.sqrt(F)),
    'fc1.bias': uniform(3, H, 1 / Math.sqrt(F)),
    'fc2.weight': uniform(4, C * H, 1 / Math.sqrt(H)),
    'fc2.bias': uniform(5, C, 1 / Math.sqrt(H)),
  };
  const head = new Head(gpu, { features: F, hidden: H, classes: C }, init, { lr: m.lr });
  try {
    const losses: number[] = [];
    for (let step = 0; step < m.steps; step++) {
      const start = (step * m.batch) % m.samples;
      const x = gpu.upload(features.subarray(start * F, (start + m.batch) * F), [m.batch, F]);
      const y = gpu.upload(labels.subarray(start, start + m.batch), [m.batch]);
      const { loss, logits } = await head.trainStep(x, y);
      losses.push((await loss.read())[0]);
      for (const t of [x, y, loss, logits]) t.release();
    }
    const final = await head.weights();
    const want = (name: string) => toFloat32(golden.tensors.get(name)!);
    return {
      losses: relativeError(Float32Array.from(losses), want('losses')),
      weights: Object.fromEntries(HEAD_PARAMETERS.map((name) => [name, relativeError(final[name], want(name))])),
      moved: relativeError(init['fc2.weight'], want('fc2.weight')),
    };
  } finally {
    head.destroy();
  }
}

export interface AdamGoldenCase {
  name: string;
  hyper: AdamOptions;
  initial: number[];
  grads: number[][];
  after: number[][];
}

/** adam-golden.json: torch.optim.Adam step by step; the worst relative error over the steps of one case. */
export async function replayAdamGolden(gpu: Gpu, c: AdamGoldenCase): Promise<number> {
  const param = gpu.upload(Float32Array.from(c.initial));
  const opt = new Adam(gpu, [param], c.hyper);
  let worst = 0;
  for (let s = 0; s < c.grads.length; s++) {
    await opt.update([gpu.upload(Float32Array.from(c.grads[s]))]);
    worst = Math.max(worst, relativeError(await param.read(), c.after[s]));
  }
  param.release();
  return worst;
}
