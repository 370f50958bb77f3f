// Kernel benchmark: GFLOP/s of GEMM 1024^3 and of every distinct ResNet-50 conv shape at
// batch 8, ours beside TensorFlow.js's WebGPU backend on the same adapter in the same run.
//   node dist/bench.js [--json FILE] [--runs N] [--batch N] [--gemm N] [--variant register|broadcast|tiled] [--only TEXT] [--no-peer]
// Times are wall-clock medians from dispatch to completion (GPU work awaited, no readback),
// after one warm-up run that also compiles the pipelines.
import { type TfPeer, loadTfPeer } from './tf-peer.js';
import { Gpu } from '../src/gpu/context.js';
import type { Tensor } from '../src/gpu/tensor.js';
import { type Variant, VARIANTS, defaultVariant } from '../src/kernels/common.js';
import { conv2d } from '../src/kernels/conv2d.js';
import { gemm } from '../src/kernels/gemm.js';
import { type WinogradTile, conv3x3Winograd, winogradPositions, winogradWeights } from '../src/kernels/winograd.js';
import { RESNET50_CONV_SHAPES, convFlops } from '../src/kernels/resnet50-shapes.js';
import { relativeError } from '../src/reference/cpu.js';
import { UsageError } from '../src/cli/run.js';
import { type Args, median, runBench, printTable, randomData, resultsHeader, writeJsonAtomic } from './util.js';

interface Case {
  name: string;
  shape: string;
  flops: number;
  ours: (gpu: Gpu) => Promise<{ run: () => Promise<Tensor>; dispose: () => void }>;
  peer: (tf: TfPeer) => { run: () => import('@tensorflow/tfjs-core').Tensor; dispose: () => void };
}

function cases(batch: number, variant: Variant, n: number): Case[] {
  const a = randomData(n * n, 1), b = randomData(n * n, 2);
  const gemmCase = (name: string, tile?: 64 | 128): Case => ({
    name,
    shape: `${n}x${n}x${n}`,
    flops: 2 * n ** 3,
    ours: async (gpu) => {
      const A = gpu.upload(a, [n, n]), B = gpu.upload(b, [n, n]), C = gpu.tensor([n, n]);
      return { run: () => gemm(gpu, A, B, { out: C, variant, tile }), dispose: () => [A, B, C].forEach((t) => t.release()) };
    },
    peer: (tf) => {
      const A = tf.tf.tensor2d(a, [n, n]), B = tf.tf.tensor2d(b, [n, n]);
      return { run: () => tf.tf.matMul(A, B), dispose: () => tf.tf.dispose([A, B]) };
    },
  });
  const list: Case[] = [gemmCase('gemm')];
  // The tiled family's 128x128 tiles beside the default 64x64, where the tiled variant runs.
  if (variant === 'tiled') list.push(gemmCase('gemm tiled128', 128));
  for (const s of RESNET50_CONV_SHAPES) {
    const x = randomData(batch * s.H * s.W * s.C, 3);
    const w = randomData(s.kernel * s.kernel * s.C * s.K, 4, 1 / Math.sqrt(s.kernel * s.kernel * s.C));
    list.push({
      name: `conv ${s.name}`,
      shape: `${batch}x${s.H}x${s.W}x${s.C} k${s.kernel}/${s.stride} -> ${s.K}`,
      flops: convFlops(s, batch),
      ours: async (gpu) => {
        const X = gpu.upload(x, [batch, s.H, s.W, s.C]), W = gpu.upload(w, [s.kernel, s.kernel, s.C, s.K]);
        let Y: Tensor | undefined;
        return {
          run: async () => (Y = await conv2d(gpu, X, W, { stride: s.stride, pad: s.pad, out: Y, variant })),
          dispose: () => [X, W, Y].forEach((t) => t?.release()),
        };
      },
      peer: (tf) => {
        const X = tf.tf.tensor4d(x, [batch, s.H, s.W, s.C]), W = tf.tf.tensor4d(w, [s.kernel, s.kernel, s.C, s.K]);
        return { run: () => tf.tf.conv2d(X, W, s.stride, s.pad), dispose: () => tf.tf.dispose([X, W]) };
      },
    });
    if (s.kernel !== 3 || s.stride !== 1) continue;
    // The same conv by Winograd F(2x2, 3x3) and F(4x4, 3x3); GFLOP/s counted as for the direct conv.
    const direct = list[list.length - 1];
    for (const tile of [2, 4] as WinogradTile[]) {
      list.push({
        ...direct,
        name: `${direct.name} winograd${tile === 2 ? '' : ' F4'}`,
        ours: async (gpu) => {
          const X = gpu.upload(x, [batch, s.H, s.W, s.C]);
          const U = gpu.upload(winogradWeights(w, s.C, s.K, tile), [winogradPositions(tile), s.C, s.K]);
          let Y: Tensor | undefined;
          return {
            run: async () => (Y = await conv3x3Winograd(gpu, X, U, { out: Y, gemm: variant === 'register' ? 'register' : undefined })),
            dispose: () => [X, U, Y].forEach((t) => t?.release()),
          };
        },
      });
    }
  }
  return list;
}

async function timeOurs(gpu: Gpu, c: Case, runs: number): Promise<{ ms: number; output: Float32Array }> {
  const op = await c.ours(gpu);
  const output = await (await op.run()).read(); // warm-up + output for the cross-check
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { wallMs } = await gpu.measure(async () => { await op.run(); });
    times.push(wallMs);
  }
  op.dispose();
  return { ms: median(times), output };
}

async function timePeer(tf: TfPeer, c: Case, runs: number): Promise<{ ms: number; output: Float32Array }> {
  const op = c.peer(tf);
  const timed = await tf.time(op.run, runs);
  op.dispose();
  return timed;
}

async function main(args: Args): Promise<void> {
  const gemmSize = Number(args.options.gemm ?? 1024); // 4096 for the H100 target
  if (!Number.isInteger(gemmSize) || gemmSize < 1) throw new UsageError(`--gemm: '${args.options.gemm}' is not a size`);
  const chosen = args.options.variant as Variant | undefined;
  if (chosen && !VARIANTS.includes(chosen)) throw new UsageError(`--variant: '${chosen}' is not one of ${VARIANTS.join(', ')}`);
  const gpu = await Gpu.create();
  const tf = args.flags.has('no-peer') ? null : await loadTfPeer();
  try {
    const variant = chosen ?? defaultVariant(gpu);
    const runs = Number(args.options.runs ?? 3);
    const batch = Number(args.options.batch ?? 8);
    const results = [];
    const rows: string[][] = [];
    for (const c of cases(batch, variant, gemmSize)) {
      if (args.options.only && !c.name.includes(args.options.only)) continue;
      const ours = await timeOurs(gpu, c, runs);
      const peer = tf ? await timePeer(tf, c, runs) : null;
      const gflops = (ms: number) => c.flops / ms / 1e6;
      const check = peer ? relativeError(ours.output, peer.output) : NaN;
      const result = {
        name: c.name,
        shape: c.shape,
        ours: { ms: ours.ms, gflops: gflops(ours.ms) },
        peer: peer ? { name: tf!.name, ms: peer.ms, gflops: gflops(peer.ms) } : null,
        ratio: peer ? peer.ms / ours.ms : null,
        relativeDifference: peer ? check : null,
      };
      results.push(result);
      rows.push([c.name, c.shape, ours.ms.toFixed(1), gflops(ours.ms).toFixed(2),
        peer ? peer.ms.toFixed(1) : '-', peer ? gflops(peer.ms).toFixed(2) : '-', result.ratio ? `${result.ratio.toFixed(2)}x` : '-',
        peer ? check.toExponential(1) : '-']);
      process.stderr.write(`${c.name} done\n`);
    }
    printTable(['kernel', 'shape', 'ours ms', 'ours GFLOP/s', 'tfjs ms', 'tfjs GFLOP/s', 'ratio', 'rel diff'], rows);
    if (args.options.json) {
      writeJsonAtomic(args.options.json, {
        ...resultsHeader(gpu, 'bench.js'),
        variant,
        batch,
        runs,
        results,
      });
    }
  } finally {
    tf?.dispose();
    gpu.destroy();
  }
}

runBench(main, ['json', 'runs', 'batch', 'variant', 'only', 'gemm'], ['no-peer']);
