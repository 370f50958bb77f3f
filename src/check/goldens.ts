// Replays of the PyTorch goldens in test/fixtures/ (made by tools/*.py with Debian's PyTorch,
// in float64) on any adapter, returning relative errors: the tests assert on them, and
// `node dist/selfcheck.js` reports them on the GPU in use.
import { HEAD_PARAMETERS, Head, type HeadWeights } from '../autograd/head.js';
import type { Gpu } from '../gpu/context.js';
import type { Precision } from '../gpu/shader.js';
import { Adam, type AdamOptions, PYTORCH_041_ADAM_DEFAULTS } from '../kernels/adam.js';
import { syntheticBackbone } from '../model/backbone.js';
import { ResNet } from '../model/resnet.js';
import { BatchStatsResNet, PYTORCH_TRAIN_MODE, withRunningStatistics } from '../model/resnet-train.js';
import { syntheticImages } from '../model/synthetic.js';
import { uniformStream } from '../util/random.js';
import { relativeError } from '../reference/cpu.js';
import { toFloat32 } from '../weights/host-tensor.js';
import type { Safetensors } from '../weights/safetensors.js';

/** A golden's initial head: nn.Linear-like bounds, values from hash streams 2-5 of `seed` (as tools/*.py draw them). */
function goldenHead(seed: number, F: number, H: number, C: number): HeadWeights {
  const uniform = (stream: number, n: number, bound: number) =>
    Float32Array.from(uniformStream(seed, stream, n), (u) => (2 * u - 1) * bound);
  return {
    'fc1.weight': uniform(2, H * F, 1 / Math.sqrt(F)),
    'fc1.bias': uniform(3, H, 1 / Math.sqrt(F)),
    'fc2.weight': uniform(4, C * H, 1 / Math.sqrt(H)),
    'fc2.bias': uniform(5, C, 1 / Math.sqrt(H)),
  };
}

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

  /** ResNet-50 with the golden's synthetic weights (batchnorm folded at load), stored at `precision`. */
  model(gpu: Gpu, precision: Precision = 'f32'): ResNet {
    return ResNet.load(gpu, syntheticBackbone(Number(this.golden.metadata.weight_seed)), precision);
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
  const F = m.features,
    H = m.hidden,
    C = m.classes;
  const features = Float32Array.from(uniformStream(m.seed, 0, m.samples * F), (u) => u * 3);
  const labels = Uint32Array.from(uniformStream(m.seed, 1, m.samples), (u) => Math.floor(u * C));
  const init = goldenHead(m.seed, F, H, C);
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

/**
 * pytorch-recipe-golden.safetensors: the article's PyTorch loop (model.train() over a frozen
 * ResNet-50, Adam on the head) for its steps on synthetic images, then model.eval() on the
 * validation images. Each batch is fed to the training-mode backbone in chunks of `chunks`
 * images (PyTorch sees it whole), so a split batch must still normalize with the whole
 * batch's statistics. Returns relative errors of losses, head weights, running statistics
 * (the worst layer) and validation logits, and how far the running statistics moved.
 */
export async function replayPytorchRecipeGolden(
  gpu: Gpu,
  golden: Safetensors,
  chunks?: number[],
): Promise<{ losses: number; weights: Record<string, number>; running: number; logits: number; moved: number }> {
  const m = Object.fromEntries(Object.entries(golden.metadata).map(([k, v]) => [k, Number(v)]));
  const F = 2048,
    H = m.hidden,
    C = m.classes,
    S = m.size;
  const perImage = S * S * 3;
  const images = syntheticImages(m.image_seed, m.samples + m.validation, S);
  const labels = Uint32Array.from(uniformStream(m.head_seed, 1, m.samples), (u) => Math.floor(u * C));
  const init = goldenHead(m.head_seed, F, H, C);
  const weights = syntheticBackbone(m.weight_seed);
  const backbone = BatchStatsResNet.load(gpu, weights, PYTORCH_TRAIN_MODE);
  const head = new Head(gpu, { features: F, hidden: H, classes: C }, init, { ...PYTORCH_041_ADAM_DEFAULTS, lr: m.lr });
  const split = chunks ?? [m.batch];
  if (split.reduce((a, b) => a + b, 0) !== m.batch) throw new Error(`chunks ${split} do not add up to ${m.batch}`);
  try {
    const losses: number[] = [];
    for (let step = 0; step < m.steps; step++) {
      let first = (step * m.batch) % m.samples;
      const inputs = split.map((n) => {
        const t = gpu.upload(images.subarray(first * perImage, (first + n) * perImage), [n, S, S, 3]);
        first += n;
        return t;
      });
      const parts = await backbone.forward(inputs);
      const features = new Float32Array(m.batch * F);
      let offset = 0;
      for (const p of parts) {
        features.set(await p.read(), offset);
        offset += p.size;
        p.release();
      }
      inputs.forEach((t) => t.release());
      const start = (step * m.batch) % m.samples;
      const x = gpu.upload(features, [m.batch, F]);
      const y = gpu.upload(labels.subarray(start, start + m.batch), [m.batch]);
      const { loss, logits } = await head.trainStep(x, y);
      losses.push((await loss.read())[0]);
      for (const t of [x, y, loss, logits]) t.release();
    }
    const running = await backbone.runningStatistics();
    const want = (name: string) => toFloat32(golden.tensors.get(name)!);
    let worstRunning = 0,
      moved = 0;
    for (const [name, t] of running) {
      worstRunning = Math.max(worstRunning, relativeError(t.data as Float32Array, want(`backbone.${name}`)));
      moved = Math.max(moved, relativeError(toFloat32(weights.tensors.get(name)!), want(`backbone.${name}`)));
    }
    const evalModel = ResNet.load(gpu, withRunningStatistics(weights, running));
    const { features } = await evalModel.embed(images.subarray(m.samples * perImage), m.validation, {
      height: S,
      width: S,
    });
    evalModel.destroy();
    const x = gpu.upload(features, [m.validation, F]);
    const logits = await head.logits(x);
    const got = await logits.read();
    x.release();
    logits.release();
    const final = await head.weights();
    return {
      losses: relativeError(Float32Array.from(losses), want('losses')),
      weights: Object.fromEntries(HEAD_PARAMETERS.map((name) => [name, relativeError(final[name], want(name))])),
      running: worstRunning,
      logits: relativeError(got, want('validation_logits')),
      moved,
    };
  } finally {
    head.destroy();
    backbone.destroy();
  }
}
