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
import { hostMs, median, warmUp } from './measure.js';
import { runBench, printTable, resultsHeader, writeJsonAtomic } from './util.js';
import { UsageError, type Values } from '../src/cli/args.js';
import { PREPROCESSING } from '../src/image/preprocess.js';

async function timeOurs(
  gpu: Gpu,
  model: ResNet,
  input: Tensor,
  runs: number,
): Promise<{ ms: number; gpuMs: number | null; encodeMs: number; logits: Float32Array }> {
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
  // The host's share: queueing one forward, the GPU idle before it.
  const encodeTimes: number[] = [];
  for (let i = 0; i < runs; i++) encodeTimes.push(await hostMs(gpu.device, () => forwardOnce(model, input)));
  return { ms: median(times), gpuMs: gpuTimes.length ? median(gpuTimes) : null, encodeMs: median(encodeTimes), logits };
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
      description: 'also time every dispatch of one forward at each batch size (timestamp queries)',
    },
    'split-k': {
      type: 'flag',
      description: 'also time ours with split-K turned off, beside the default (where it splits: GPU adapters)',
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
    const profiles: ({ batch: number } & NonNullable<Awaited<ReturnType<typeof profileOurs>>>)[] = [];
    // The same weights with split-K off, in the same run (recordings are per model).
    const unsplit = v['split-k'] ? ResNet.load(gpu, syntheticBackbone(WEIGHTS_SEED)) : null;
    for (const batch of batches) {
      if (batch > model.maxBatch())
        throw new Error(`batch ${batch} exceeds what one forward holds on this adapter (${model.maxBatch()})`);
      const images = syntheticImages(IMAGES_SEED, batch, size);
      const input = gpu.upload(images, [batch, size, size, 3], 'images');
      const ours = await timeOurs(gpu, model, input, runs);
      const oursF16 = half ? await timeOurs(gpu, half, input, runs) : null;
      let noSplit = null;
      if (unsplit) {
        gpu.splitK = false;
        noSplit = await timeOurs(gpu, unsplit, input, runs);
        gpu.splitK = true;
      }
      const profile = v.profile ? await profileOurs(gpu, model, input) : null;
      if (profile) profiles.push({ batch, ...profile });
      input.release();
      const theirs = peer && net ? await timePeer(peer, net, images, batch, runs) : null;
      const ips = (ms: number) => (batch * 1000) / ms;
      const diff = theirs ? relativeError(ours.logits, theirs.logits) : null;
      const result = {
        batch,
        ours: { ms: ours.ms, imagesPerSecond: ips(ours.ms), gpuMs: ours.gpuMs, encodeMs: ours.encodeMs },
        peer: theirs ? { name: peer!.name, ms: theirs.ms, imagesPerSecond: ips(theirs.ms) } : null,
        ratio: theirs ? theirs.ms / ours.ms : null,
        withoutSplitK: noSplit
          ? {
              ms: noSplit.ms,
              gpuMs: noSplit.gpuMs,
              imagesPerSecond: ips(noSplit.ms),
              splitKSpeedup: noSplit.ms / ours.ms,
            }
          : null,
        logitsRelativeDifference: diff,
        f16: oursF16
          ? {
              ms: oursF16.ms,
              imagesPerSecond: ips(oursF16.ms),
              gpuMs: oursF16.gpuMs,
              encodeMs: oursF16.encodeMs,
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
        ours.encodeMs.toFixed(2),
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
        ...[
          'batch',
          '',
          'ours ms',
          'ours GPU ms',
          'encode ms',
          'ours img/s',
          'tfjs ms',
          'tfjs img/s',
          'ratio',
          'logits rel diff',
        ],
        ...(half ? ['f16 ms', 'f16 img/s', 'f16 speedup', 'f16 logits rel diff'] : []),
      ],
      rows,
    );
    for (const profile of profiles) {
      console.log(
        `\nbatch ${profile.batch}: ${profile.dispatchCount} dispatches, ${profile.totalMs.toFixed(2)} ms of GPU time ` +
          'timed one pass each',
      );
      printTable(
        ['kernel', 'workgroups', 'count', 'ms', 'share'],
        profile.rows.map((r) => [
          r.kernel,
          r.workgroups,
          String(r.count),
          r.ms.toFixed(3),
          `${((100 * r.ms) / profile.totalMs).toFixed(1)}%`,
        ]),
      );
    }
    if (unsplit) {
      console.log('\nsplit-K: images/s with it (the default) and without it, same run');
      printTable(
        ['batch', 'with', 'without', 'speedup'],
        results.map((r) => [
          String(r.batch),
          r.ours.imagesPerSecond.toFixed(2),
          r.withoutSplitK!.imagesPerSecond.toFixed(2),
          `${r.withoutSplitK!.splitKSpeedup.toFixed(2)}x`,
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
        profiles,
      });
    }
    net?.dispose();
    unsplit?.destroy();
    model.destroy();
    half?.destroy();
  } finally {
    peer?.dispose();
    gpu.destroy();
  }
}

runBench(COMMAND, main);
