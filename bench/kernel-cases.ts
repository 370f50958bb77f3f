// The kernel benchmark's cases and their timing, with no Node APIs: `node dist/bench.js`
// (bench/kernels.ts) and the browser bench page (bench/browser.ts) both run them. The kernels'
// cases, FLOP counts and TF.js ops come from the catalogue (src/check/kernels.ts).
import type { TfPeer } from './tf-peer.js';
import type { Gpu } from '../src/gpu/context.js';
import type { Precision } from '../src/gpu/shader.js';
import type { Tensor } from '../src/gpu/tensor.js';
import type { Variant } from '../src/kernels/common.js';
import { KERNELS, type PeerOp } from '../src/check/kernels.js';
import { resnet50Flops } from '../src/check/cases.js';
import { PREPROCESSING } from '../src/image/preprocess.js';
import { syntheticBackbone } from '../src/model/backbone.js';
import { ResNet } from '../src/model/resnet.js';
import { syntheticImages } from '../src/model/synthetic.js';
import { tfResNet } from './tf-resnet.js';
import { relativeError } from '../src/reference/cpu.js';
import { median, warmUp } from './measure.js';

export interface Case {
  name: string;
  shape: string;
  flops: number;
  ours: (gpu: Gpu) => Promise<{ run: () => Promise<Tensor>; dispose: () => void }>;
  /** TF.js's version, where the case has a counterpart there (not for our tile variants). */
  peer?: (tf: TfPeer) => { run: () => import('@tensorflow/tfjs-core').Tensor; dispose: () => void };
}

export interface CaseOptions {
  /** Each conv at both tiles of the tiled variant (ours alone) beside the default. */
  tiles?: boolean;
  /** The whole ResNet-50 forward (synthetic weights) beside TF.js's, first. */
  resnet?: boolean;
  /**
   * Also each case at f16 storage (GEMM, direct and Winograd F(4x4) convs, the ResNet forward),
   * beside its f32 row, against the same TF.js (f32) peer; needs shader-f16.
   */
  f16?: boolean;
}

/** The catalogue's timed runs (src/check/kernels.ts) under `variant`, after the whole ResNet-50 forward when asked. */
export function cases(batch: number, variant: Variant, n: number, o: CaseOptions = {}): Case[] {
  const precisions: Precision[] = o.f16 ? ['f32', 'f16'] : ['f32'];
  const list: Case[] = o.resnet ? precisions.map((p) => resnetCase(batch, p)) : [];
  const mode = { kind: 'bench', batch, n, tiles: o.tiles, f16: o.f16 } as const;
  for (const spec of KERNELS)
    // Every family takes the variant (Winograd for its GEMM pass: register, or the adapter's default).
    for (const run of spec.runs(variant, mode)) {
      const { timed } = run;
      if (!timed) continue;
      list.push({
        name: run.name,
        shape: run.shape,
        flops: run.flops,
        ours: timed.ours,
        peer: timed.peer && ((tf) => peerOf(tf, timed.peer!)),
      });
    }
  return list;
}

/** TF.js's op of a catalogue run, on the same inputs. */
function peerOf(tf: TfPeer, p: PeerOp): ReturnType<NonNullable<Case['peer']>> {
  if (p.op === 'matMul') {
    const A = tf.tf.tensor2d(p.a, [p.M, p.K]),
      B = tf.tf.tensor2d(p.b, [p.K, p.N]);
    return { run: () => tf.tf.matMul(A, B), dispose: () => tf.tf.dispose([A, B]) };
  }
  const s = p.shape;
  const X = tf.tf.tensor4d(p.x, [s.N, s.H, s.W, s.C]),
    W = tf.tf.tensor4d(p.w, [s.kh, s.kw, s.C, s.K]);
  return { run: () => tf.tf.conv2d(X, W, s.stride, s.pad), dispose: () => tf.tf.dispose([X, W]) };
}

/** Seeds of the synthetic weights and images both networks of the ResNet case run. */
const RESNET_WEIGHTS_SEED = 1;
const RESNET_IMAGES_SEED = 2;

/** A ResNet-50 forward to the logits, ours (the kernels the adapter gets) beside TF.js's. */
function resnetCase(batch: number, precision: Precision): Case {
  const size = PREPROCESSING.size;
  const images = syntheticImages(RESNET_IMAGES_SEED, batch, size);
  return {
    name: `resnet50 forward${precision === 'f16' ? ' f16' : ''}`,
    shape: `${batch}x${size}x${size}x3`,
    flops: resnet50Flops(batch, size),
    ours: async (gpu) => {
      const model = ResNet.load(gpu, syntheticBackbone(RESNET_WEIGHTS_SEED), precision);
      const input = gpu.upload(images, [batch, size, size, 3]);
      let logits: Tensor | undefined;
      return {
        run: async () => {
          logits?.release();
          const out = await model.forward(input);
          out.features.release();
          return (logits = out.logits!);
        },
        dispose: () => {
          logits?.release();
          input.release();
          model.destroy();
        },
      };
    },
    peer: (tf) => {
      const net = tfResNet(tf.tf, RESNET_WEIGHTS_SEED);
      const x = tf.tf.tensor4d(images, [batch, size, size, 3]);
      return {
        run: () => net.forward(x),
        dispose: () => {
          x.dispose();
          net.dispose();
        },
      };
    },
  };
}

export async function timeOurs(
  gpu: Gpu,
  c: Case,
  runs: number,
): Promise<{ ms: number; gpuMs: number | null; output: Float32Array }> {
  const op = await c.ours(gpu);
  const output = await (await op.run()).read(); // the output for the cross-check
  await warmUp(async () => {
    await op.run();
    await gpu.sync();
  });
  const times: number[] = [];
  const gpuTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { wallMs, gpuMs } = await gpu.measure(async () => {
      await op.run();
    });
    times.push(wallMs);
    if (gpuMs !== null) gpuTimes.push(gpuMs);
  }
  op.dispose();
  return { ms: median(times), gpuMs: gpuTimes.length ? median(gpuTimes) : null, output };
}

export async function timePeer(tf: TfPeer, c: Case, runs: number): Promise<{ ms: number; output: Float32Array }> {
  const op = c.peer!(tf);
  const timed = await tf.time(op.run, runs);
  op.dispose();
  return timed;
}

export interface CaseResult {
  name: string;
  shape: string;
  /** Wall time from dispatch to completion, as TF.js's is measured; gpuMs from timestamp queries. */
  ours: { ms: number; gflops: number; gpuMs: number | null; gpuGflops: number | null };
  peer: { name: string; ms: number; gflops: number } | null;
  ratio: number | null;
  relativeDifference: number | null;
}

/** Times one case, ours and (when given) TF.js's, and cross-checks their outputs. */
export async function measureCase(gpu: Gpu, tf: TfPeer | null, c: Case, runs: number): Promise<CaseResult> {
  const ours = await timeOurs(gpu, c, runs);
  const peer = tf && c.peer ? await timePeer(tf, c, runs) : null;
  const gflops = (ms: number) => c.flops / ms / 1e6;
  return {
    name: c.name,
    shape: c.shape,
    ours: {
      ms: ours.ms,
      gflops: gflops(ours.ms),
      gpuMs: ours.gpuMs,
      gpuGflops: ours.gpuMs !== null ? gflops(ours.gpuMs) : null,
    },
    peer: peer ? { name: tf!.name, ms: peer.ms, gflops: gflops(peer.ms) } : null,
    ratio: peer ? peer.ms / ours.ms : null,
    relativeDifference: peer ? relativeError(ours.output, peer.output) : null,
  };
}

export const TABLE_HEADER = [
  'kernel',
  'shape',
  'ours ms',
  'ours GFLOP/s',
  'GPU ms',
  'GPU GFLOP/s',
  'tfjs ms',
  'tfjs GFLOP/s',
  'ratio',
  'rel diff',
];

export function tableRow(r: CaseResult): string[] {
  return [
    r.name,
    r.shape,
    r.ours.ms.toPrecision(3),
    r.ours.gflops.toFixed(2),
    r.ours.gpuMs !== null ? r.ours.gpuMs.toPrecision(3) : '-',
    r.ours.gpuGflops !== null ? r.ours.gpuGflops.toFixed(2) : '-',
    r.peer ? r.peer.ms.toPrecision(3) : '-',
    r.peer ? r.peer.gflops.toFixed(2) : '-',
    r.ratio ? `${r.ratio.toFixed(2)}x` : '-',
    r.relativeDifference !== null ? r.relativeDifference.toExponential(1) : '-',
  ];
}
