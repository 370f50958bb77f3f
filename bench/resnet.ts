// ResNet-50 forward throughput (images/s) at several batch sizes: ours beside TensorFlow.js
// 4.22's WebGPU backend running the same topology (the same folded weights, NHWC, fused
// conv + bias + ReLU) on the same adapter in the same run. Inputs are already on the GPU;
// each timing waits for the GPU to finish. Logits are cross-checked between the two. With
// --f16, ours also runs at f16 storage in the same run, beside f32.
//   node dist/bench-resnet.js [options] (see --help)
import { Gpu } from '../src/gpu/context.js';
import type { Tensor } from '../src/gpu/tensor.js';
import { syntheticBackbone } from '../src/model/backbone.js';
import { ResNet } from '../src/model/resnet.js';
import { syntheticImages } from '../src/model/synthetic.js';
import { relativeError } from '../src/reference/cpu.js';
import { type TfPeer, loadTfPeer } from './tf-peer.js';
import { tfResNet } from './tf-resnet.js';
import { median, warmUp } from './measure.js';
import { runBench, printTable, resultsHeader, writeJsonAtomic } from './util.js';
import { UsageError, type Values } from '../src/cli/args.js';
import { PREPROCESSING } from '../src/image/preprocess.js';

async function timeOurs(
  gpu: Gpu,
  model: ResNet,
  input: Tensor,
  runs: number,
): Promise<{ ms: number; gpuMs: number | null; logits: Float32Array }> {
  const warm = await model.forward(input);
  const logits = await warm.logits!.read();
  warm.features.release();
  warm.logits!.release();
  await warmUp(async () => {
    await forwardOnce(model, input);
    await gpu.sync();
  });
  const times: number[] = [];
  const gpuTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { wallMs, gpuMs } = await gpu.measure(() => forwardOnce(model, input));
    times.push(wallMs);
    if (gpuMs !== null) gpuTimes.push(gpuMs);
  }
  return { ms: median(times), gpuMs: gpuTimes.length ? median(gpuTimes) : null, logits };
}

async function forwardOnce(model: ResNet, input: Tensor): Promise<void> {
  const out = await model.forward(input);
  out.features.release();
  out.logits!.release();
}

/** Each dispatch of one forward in its own timed pass, summed per kernel and grid, slowest first. */
async function profileOurs(gpu: Gpu, model: ResNet, input: Tensor) {
  const { dispatches } = await gpu.measure(() => forwardOnce(model, input), { perDispatch: true });
  if (!dispatches) return null;
  const total = dispatches.reduce((s, d) => s + d.ms, 0);
  const groups = new Map<string, { kernel: string; workgroups: string; count: number; ms: number }>();
  for (const d of dispatches) {
    const workgroups = d.workgroups.join('x');
    const key = `${d.kernel} ${workgroups}`;
    const g = groups.get(key) ?? { kernel: d.kernel, workgroups, count: 0, ms: 0 };
    g.count++;
    g.ms += d.ms;
    groups.set(key, g);
  }
  const rows = [...groups.values()].sort((a, b) => b.ms - a.ms);
  return { dispatchCount: dispatches.length, totalMs: total, rows };
}

async function timePeer(
  peer: TfPeer,
  net: ReturnType<typeof tfResNet>,
  images: Float32Array,
  batch: number,
  runs: number,
): Promise<{ ms: number; logits: Float32Array }> {
  const size = PREPROCESSING.size;
  const x = peer.tf.tensor4d(images, [batch, size, size, 3]);
  const { ms, output } = await peer.time(() => net.forward(x), runs);
  x.dispose();
  return { ms, logits: output };
}

const COMMAND = {
  command: 'node dist/bench-resnet.js',
  summary:
    "ResNet-50 forward images/s at several batch sizes, ours beside TensorFlow.js's WebGPU backend running the " +
    'same topology and weights on the same adapter, logits cross-checked.',
  options: {
    batches: { type: 'string', value: 'N,N,...', default: '1,8,32', description: 'batch sizes to time' },
    runs: { type: 'integer', min: 1, default: 3, description: 'timed runs per batch size (the median is reported)' },
    'no-peer': { type: 'flag', description: 'skip TensorFlow.js' },
    f16: {
      type: 'flag',
      description: "also time ours at f16 storage, beside f32, logits cross-checked (needs the adapter's shader-f16)",
    },
    profile: {
      type: 'flag',
      description: 'also time every dispatch of one forward at the largest batch (timestamp queries)',
    },
    json: { type: 'string', value: 'FILE', description: 'write the results as JSON' },
  },
} as const;

/** Seeds of the synthetic weights and images both networks run. */
const WEIGHTS_SEED = 1;
const IMAGES_SEED = 2;

async function main(v: Values<typeof COMMAND.options>): Promise<void> {
  const batches = v.batches.split(',').map(Number);
  if (batches.some((b) => !Number.isInteger(b) || b < 1))
    throw new UsageError(`--batches: '${v.batches}' is not a list of batch sizes`);
  const gpu = await Gpu.create();
  // Where f16 is missing the f32 figures still come (a GPU run's time is short).
  const f16 = v.f16 && gpu.hasF16;
  if (v.f16 && !f16) console.warn('warning: --f16: this adapter has no shader-f16; timing f32 only');
  const peer = v['no-peer'] ? null : await loadTfPeer();
  try {
    const { runs } = v;
    const size = PREPROCESSING.size;
    const model = ResNet.load(gpu, syntheticBackbone(WEIGHTS_SEED));
    const half = f16 ? ResNet.load(gpu, syntheticBackbone(WEIGHTS_SEED), 'f16') : null;
    const net = peer ? tfResNet(peer.tf, WEIGHTS_SEED) : null;
    const results = [];
    const rows: string[][] = [];
    let profile: Awaited<ReturnType<typeof profileOurs>> = null;
    for (const batch of batches) {
      if (batch > model.maxBatch())
        throw new Error(`batch ${batch} exceeds what one forward holds on this adapter (${model.maxBatch()})`);
      const images = syntheticImages(IMAGES_SEED, batch, size);
      const input = gpu.upload(images, [batch, size, size, 3], 'images');
      const ours = await timeOurs(gpu, model, input, runs);
      const oursF16 = half ? await timeOurs(gpu, half, input, runs) : null;
      if (v.profile && batch === Math.max(...batches)) profile = await profileOurs(gpu, model, input);
      input.release();
      const theirs = peer && net ? await timePeer(peer, net, images, batch, runs) : null;
      const ips = (ms: number) => (batch * 1000) / ms;
      const diff = theirs ? relativeError(ours.logits, theirs.logits) : null;
      const result = {
        batch,
        ours: { ms: ours.ms, imagesPerSecond: ips(ours.ms), gpuMs: ours.gpuMs },
        peer: theirs ? { name: peer!.name, ms: theirs.ms, imagesPerSecond: ips(theirs.ms) } : null,
        ratio: theirs ? theirs.ms / ours.ms : null,
        logitsRelativeDifference: diff,
        f16: oursF16
          ? {
              ms: oursF16.ms,
              imagesPerSecond: ips(oursF16.ms),
              gpuMs: oursF16.gpuMs,
              speedupOverF32: ours.ms / oursF16.ms,
              logitsRelativeDifferenceFromF32: relativeError(oursF16.logits, ours.logits),
            }
          : null,
      };
      results.push(result);
      rows.push([
        String(batch),
        '',
        ours.ms.toFixed(0),
        ours.gpuMs !== null ? ours.gpuMs.toFixed(1) : '-',
        ips(ours.ms).toFixed(2),
        theirs ? theirs.ms.toFixed(0) : '-',
        theirs ? ips(theirs.ms).toFixed(2) : '-',
        result.ratio ? `${result.ratio.toFixed(2)}x` : '-',
        diff !== null ? diff.toExponential(1) : '-',
        ...(result.f16
          ? [
              result.f16.ms.toFixed(0),
              result.f16.imagesPerSecond.toFixed(2),
              `${result.f16.speedupOverF32.toFixed(2)}x`,
              result.f16.logitsRelativeDifferenceFromF32.toExponential(1),
            ]
          : []),
      ]);
      process.stderr.write(`batch ${batch} done\n`);
    }
    printTable(
      [
        ...['batch', '', 'ours ms', 'ours GPU ms', 'ours img/s', 'tfjs ms', 'tfjs img/s', 'ratio', 'logits rel diff'],
        ...(half ? ['f16 ms', 'f16 img/s', 'f16 speedup', 'f16 logits rel diff'] : []),
      ],
      rows,
    );
    if (profile) {
      const batch = Math.max(...batches);
      console.log(
        `\nbatch ${batch}: ${profile.dispatchCount} dispatches, ${profile.totalMs.toFixed(2)} ms of GPU time ` +
          'timed one pass each',
      );
      printTable(
        ['kernel', 'workgroups', 'count', 'ms', 'share'],
        profile.rows.map((r) => [
          r.kernel,
          r.workgroups,
          String(r.count),
          r.ms.toFixed(3),
          `${((100 * r.ms) / profile!.totalMs).toFixed(1)}%`,
        ]),
      );
    }
    if (v.json) {
      writeJsonAtomic(v.json, {
        ...resultsHeader(gpu, 'bench-resnet.js'),
        model:
          `resnet50 (torchvision v1.5 topology, batchnorm folded, f32${half ? ' and f16 storage' : ''}, ` +
          `${size}x${size}, synthetic weights)`,
        runs,
        results,
        profile,
      });
    }
    net?.dispose();
    model.destroy();
    half?.destroy();
  } finally {
    peer?.dispose();
    gpu.destroy();
  }
}

runBench(COMMAND, main);
