// Each kernel described once: its cases (from ./cases.ts), our launcher run on fresh random
// inputs into a poisoned output, the float64 reference on the same inputs, the tolerance, the
// FLOP count and TF.js's op where there is one. The kernel tests (test/kernels/catalogue.test.ts),
// the self-check (its quick runs) and bench:kernels (its timed runs) all iterate KERNELS.
import type { Gpu } from '../gpu/context.js';
import type { Precision } from '../gpu/shader.js';
import type { Tensor } from '../gpu/tensor.js';
import { KERNEL_VARIANTS, type Variant } from '../kernels/common.js';
import { conv2d } from '../kernels/conv2d.js';
import { gemm } from '../kernels/gemm.js';
import { batchNorm } from '../kernels/batchnorm.js';
import { biasGrad, reluBackward } from '../kernels/head-backward.js';
import { globalAvgPool, maxPool2d } from '../kernels/pool.js';
import { softmax, softmaxCrossEntropy } from '../kernels/softmax.js';
import { type WinogradTile, conv3x3Winograd, winogradPositions, winogradWeights } from '../kernels/winograd.js';
import {
  type ConvShape,
  batchNormRef,
  biasGradRef,
  conv2dRef,
  convOutSize,
  gemmRef,
  globalAvgPoolRef,
  maxPoolRef,
  reluBackwardRef,
  softmaxCrossEntropyRef,
  softmaxRef,
} from '../reference/cpu.js';
import { randomArray, seededRandom as seeded } from '../util/random.js';
import {
  CONV_ODD_CASES,
  CONV_SPLIT_K_CASES,
  CONV_TILE128_CASES,
  type ConvCase,
  GEMM_CASES,
  GEMM_TILE128_CASES,
  WINOGRAD_ODD_CASES,
  convFlops,
  resnet50ConvLayers,
} from './cases.js';

/**
 * Which runs: every case (the Node tests), the browser project's share (SwiftShader is slow), the
 * self-check's quick ones, or the benchmark's (ResNet-50's convs at `batch`, GEMM `n`^3).
 */
export type RunMode =
  | { kind: 'test' }
  | { kind: 'browser' }
  | { kind: 'quick' }
  | {
      kind: 'bench';
      batch: number;
      n: number;
      /** Each conv also at both tiles of the tiled variant. */
      tiles?: boolean;
      /** Each run also at f16 storage (GEMM, direct and Winograd F(4x4) convs), beside its f32 one. */
      f16?: boolean;
    };

type BenchMode = Extract<RunMode, { kind: 'bench' }>;
const precisionsOf = (mode: BenchMode): Precision[] => (mode.f16 ? ['f32', 'f16'] : ['f32']);
const precisionSuffix = (p: Precision) => (p === 'f16' ? ' f16' : '');

/** One output of ours beside the float64 reference's. */
export interface Comparison {
  what: string;
  got: Float32Array;
  want: ArrayLike<number>;
}

/** TF.js's counterpart of a run, which bench:kernels times beside ours (bench/kernel-cases.ts). */
export type PeerOp =
  | { op: 'matMul'; M: number; N: number; K: number; a: Float32Array; b: Float32Array }
  | { op: 'conv2d'; shape: ConvShape; x: Float32Array; w: Float32Array };

export interface KernelRun {
  /** The check's name: the kernel, its variant and tile, the case. */
  name: string;
  /** The shape, for tables. */
  shape: string;
  flops: number;
  /** Fresh random inputs, ours into a poisoned output, and the float64 reference of the same inputs. */
  compare(gpu: Gpu, random: () => number): Promise<Comparison[]>;
  /** For timing: ours on fixed inputs, allocated once, and TF.js's op on the same (bench mode only). */
  timed?: { ours(gpu: Gpu): Promise<{ run: () => Promise<Tensor>; dispose: () => void }>; peer?: PeerOp };
}

export interface KernelSpec {
  /** The kernel family (one shader family, one launcher in src/kernels/). */
  name: string;
  /** The variants it runs under, each a describe block of the tests; null: the one it has. */
  variants: readonly (Variant | null)[];
  tolerance: number;
  runs(variant: Variant | null, mode: RunMode): KernelRun[];
}

/** The tolerance of an f32 kernel against float64 (relative L2 error). */
export const F32_TOLERANCE = 1e-5;

/** An output tensor (f32 or f16) filled with NaN, so any element a kernel fails to write shows up. */
export function poisonedTensor(gpu: Gpu, shape: readonly number[], dtype: Precision = 'f32'): Tensor {
  const t = gpu.tensor(shape, dtype);
  t.write(new Float32Array(t.size).fill(NaN));
  return t;
}

const suffix = (variant: Variant | null, tile?: 64 | 128) =>
  `${variant ? ` ${variant}` : ''}${tile === 128 ? ' 128x128 tiles' : ''}`;

// ---- GEMM ----

interface GemmRun {
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
  tile?: 64 | 128;
}

function gemmRun(variant: Variant, g: GemmRun): KernelRun {
  const { M, N, K, transA, transB, tile } = g;
  return {
    name: `gemm${suffix(variant, tile)} ${M}x${N}x${K}${transA ? ' A^T' : ''}${transB ? ' B^T' : ''}`,
    shape: `${M}x${N}x${K}`,
    flops: 2 * M * N * K,
    compare: async (gpu, random) => {
      const a = randomArray(M * K, random),
        b = randomArray(K * N, random),
        bias = randomArray(N, random);
      const relu = (M + N) % 2 === 0;
      const out = poisonedTensor(gpu, [M, N]);
      await gemm(gpu, gpu.upload(a, transA ? [K, M] : [M, K]), gpu.upload(b, transB ? [N, K] : [K, N]), {
        transA,
        transB,
        bias: gpu.upload(bias),
        relu,
        variant,
        tile,
        out,
      });
      const want = gemmRef(a, b, M, N, K, { transA, transB, bias, relu });
      return [{ what: 'product', got: await out.read(), want }];
    },
  };
}

function gemmTimed(variant: Variant, n: number, tile?: 64 | 128, precision: Precision = 'f32'): KernelRun {
  const a = randomArray(n * n, seeded(1)),
    b = randomArray(n * n, seeded(2));
  return {
    ...gemmRun(variant, { M: n, N: n, K: n, transA: false, transB: false, tile }),
    name: `gemm${tile ? ` tile${tile}` : ''}${precisionSuffix(precision)}`,
    timed: {
      ours: async (gpu) => {
        const A = gpu.upload(a, [n, n], 'A', precision),
          B = gpu.upload(b, [n, n], 'B', precision),
          C = gpu.tensor([n, n], precision);
        return {
          run: () => gemm(gpu, A, B, { out: C, variant, tile }),
          dispose: () => [A, B, C].forEach((t) => t.release()),
        };
      },
      peer: tile ? undefined : { op: 'matMul', M: n, N: n, K: n, a, b },
    },
  };
}

export const GEMM: KernelSpec = {
  name: 'gemm',
  variants: KERNEL_VARIANTS,
  tolerance: F32_TOLERANCE,
  runs(variant, mode) {
    const v = variant!;
    if (mode.kind === 'bench') {
      const runs = precisionsOf(mode).map((p) => gemmTimed(v, mode.n, undefined, p));
      // Both tiles of the tiled family beside its default.
      if (v === 'tiled') runs.push(gemmTimed(v, mode.n, 64), gemmTimed(v, mode.n, 128));
      return runs;
    }
    const quick = mode.kind === 'quick';
    const runs: KernelRun[] = [];
    // Every case with each operand transposed or not; the self-check's quick cases one way each.
    GEMM_CASES.filter((c) => !quick || c.quick).forEach((c, i) => {
      const layouts = quick
        ? [[i % 2 === 1, i % 2 === 0]]
        : [
            [false, false],
            [false, true],
            [true, false],
            [true, true],
          ];
      for (const [transA, transB] of layouts) runs.push(gemmRun(v, { ...c, transA, transB }));
    });
    // The tiled family's 128x128 tile on its own cases.
    if (v === 'tiled')
      for (const c of GEMM_TILE128_CASES.filter((c) => !quick || c.quick))
        for (const [transA, transB] of quick
          ? [[false, true]]
          : [
              [false, false],
              [true, true],
              [false, true],
            ])
          runs.push(gemmRun(v, { ...c, transA, transB, tile: 128 }));
    return runs;
  },
};

// ---- direct convolution ----

interface ConvRun {
  s: ConvCase;
  bias: boolean;
  residual: boolean;
  relu: boolean;
  tile?: 64 | 128;
  splitK?: number;
}

/** A conv's shape in tables: input, kernel and stride, output channels. */
const convShape = (s: ConvCase) =>
  `${s.N}x${s.H}x${s.W}x${s.C} k${s.kh === s.kw ? s.kh : `${s.kh}x${s.kw}`}/${s.stride} -> ${s.K}`;

/** The epilogue the i-th odd case gets: every combination of bias, residual and ReLU comes up. */
const epilogueOf = (i: number) => ({ bias: i % 2 === 0, residual: i % 3 !== 1, relu: i % 2 === 1 });

function convRun(variant: Variant, r: ConvRun): KernelRun {
  const { s, tile, splitK } = r;
  return {
    name: `conv2d${suffix(variant, tile)} ${s.name}${splitK ? ` (${tile} tile, split ${splitK})` : ''}`,
    shape: convShape(s),
    flops: convFlops(s),
    compare: async (gpu, random) => {
      const { OH, OW } = convOutSize(s);
      const x = randomArray(s.N * s.H * s.W * s.C, random);
      const w = randomArray(s.kh * s.kw * s.C * s.K, random, 1 / Math.sqrt(s.kh * s.kw * s.C));
      const bias = r.bias ? randomArray(s.K, random) : undefined;
      const residual = r.residual ? randomArray(s.N * OH * OW * s.K, random) : undefined;
      const out = poisonedTensor(gpu, [s.N, OH, OW, s.K]);
      await conv2d(gpu, gpu.upload(x, [s.N, s.H, s.W, s.C]), gpu.upload(w, [s.kh, s.kw, s.C, s.K]), {
        stride: s.stride,
        pad: s.pad,
        relu: r.relu,
        variant,
        tile,
        splitK,
        out,
        bias: bias && gpu.upload(bias),
        residual: residual && gpu.upload(residual, [s.N, OH, OW, s.K]),
      });
      const got = await out.read();
      out.release();
      return [{ what: 'output', got, want: conv2dRef(x, w, s, { bias, residual, relu: r.relu }) }];
    },
  };
}

function convTimed(variant: Variant, s: ConvCase, tile?: 64 | 128, precision: Precision = 'f32'): KernelRun {
  const x = randomArray(s.N * s.H * s.W * s.C, seeded(3));
  const w = randomArray(s.kh * s.kw * s.C * s.K, seeded(4), 1 / Math.sqrt(s.kh * s.kw * s.C));
  return {
    ...convRun(variant, { s, bias: false, residual: false, relu: false, tile }),
    name: `conv ${s.name}${tile ? ` tile${tile}` : ''}${precisionSuffix(precision)}`,
    timed: {
      ours: async (gpu) => {
        const X = gpu.upload(x, [s.N, s.H, s.W, s.C], 'X', precision),
          W = gpu.upload(w, [s.kh, s.kw, s.C, s.K], 'W', precision);
        let Y: Tensor | undefined;
        return {
          run: async () => (Y = await conv2d(gpu, X, W, { stride: s.stride, pad: s.pad, out: Y, variant, tile })),
          dispose: () => [X, W, Y].forEach((t) => t?.release()),
        };
      },
      peer: tile ? undefined : { op: 'conv2d', shape: s, x, w },
    },
  };
}

export const CONV2D: KernelSpec = {
  name: 'conv2d',
  variants: KERNEL_VARIANTS,
  tolerance: F32_TOLERANCE,
  runs(variant, mode) {
    const v = variant!;
    const tileable = (s: ConvCase) => v === 'tiled' && s.C % 4 === 0 && s.K % 4 === 0;
    if (mode.kind === 'bench')
      return resnet50ConvLayers(mode.batch).flatMap((s) => [
        ...precisionsOf(mode).map((p) => convTimed(v, s, undefined, p)),
        // Both tiles of the tiled family, whichever convTile picks by default (ours alone).
        ...(mode.tiles && tileable(s) ? [convTimed(v, s, 64), convTimed(v, s, 128)] : []),
      ]);
    if (mode.kind === 'quick') {
      // The quick odd cases, at both tiles where the tiled family takes them, and the quick splits.
      const runs = CONV_ODD_CASES.filter((c) => c.quick).flatMap((s, i) =>
        (tileable(s) ? ([64, 128] as const) : [undefined]).map((tile) => convRun(v, { s, ...epilogueOf(i), tile })),
      );
      if (v === 'tiled')
        for (const s of CONV_SPLIT_K_CASES.filter((c) => c.quick))
          runs.push(convRun(v, { s, bias: true, residual: false, relu: true, tile: s.tile, splitK: s.splitK }));
      return runs;
    }
    const browser = mode.kind === 'browser';
    const layers = resnet50ConvLayers();
    const runs = CONV_ODD_CASES.map((s, i) => convRun(v, { s, ...epilogueOf(i) }));
    // Every ResNet-50 shape under Node; in the browser those of layers 3 and 4.
    for (const l of browser ? layers.filter((c) => c.H <= 14) : layers)
      runs.push(convRun(v, { s: l, bias: true, residual: l.residual, relu: l.relu }));
    if (v !== 'tiled') return runs;
    // The 128x128 tile: its own cases, and (Node) every ResNet-50 shape it takes.
    CONV_TILE128_CASES.forEach((s, i) => runs.push(convRun(v, { s, ...epilogueOf(i), tile: 128 })));
    for (const l of browser ? [] : layers.filter((l) => l.C % 4 === 0))
      runs.push(convRun(v, { s: l, bias: true, residual: l.residual, relu: l.relu, tile: 128 }));
    // Split-K launches (in the browser, the small ones).
    (browser ? CONV_SPLIT_K_CASES.filter((c) => c.C * c.K < 4096) : CONV_SPLIT_K_CASES).forEach((s, i) =>
      runs.push(convRun(v, { s, ...epilogueOf(i), tile: s.tile, splitK: s.splitK })),
    );
    return runs;
  },
};

// ---- Winograd ----

function winogradRun(gemmVariant: Variant, s: ConvCase, tile: WinogradTile, i: number): KernelRun {
  const epilogue = epilogueOf(i);
  return {
    name: `conv3x3 Winograd F(${tile}x${tile}, 3x3) ${gemmVariant} ${s.name}`,
    shape: convShape(s),
    flops: convFlops(s),
    compare: async (gpu, random) => {
      const x = randomArray(s.N * s.H * s.W * s.C, random);
      const w = randomArray(9 * s.C * s.K, random, 1 / Math.sqrt(9 * s.C));
      const bias = epilogue.bias ? randomArray(s.K, random) : undefined;
      const residual = epilogue.residual ? randomArray(s.N * s.H * s.W * s.K, random) : undefined;
      const out = poisonedTensor(gpu, [s.N, s.H, s.W, s.K]);
      await conv3x3Winograd(
        gpu,
        gpu.upload(x, [s.N, s.H, s.W, s.C]),
        gpu.upload(winogradWeights(w, s.C, s.K, tile), [winogradPositions(tile), s.C, s.K]),
        {
          relu: epilogue.relu,
          out,
          gemm: gemmVariant === 'broadcast' ? 'broadcast' : 'register',
          bias: bias && gpu.upload(bias),
          residual: residual && gpu.upload(residual, [s.N, s.H, s.W, s.K]),
        },
      );
      const got = await out.read();
      out.release();
      return [{ what: 'output', got, want: conv2dRef(x, w, s, { ...epilogue, bias, residual }) }];
    },
  };
}

function winogradTimed(gemmVariant: Variant, s: ConvCase, tile: WinogradTile, precision: Precision = 'f32'): KernelRun {
  const x = randomArray(s.N * s.H * s.W * s.C, seeded(3));
  const w = randomArray(9 * s.C * s.K, seeded(4), 1 / Math.sqrt(9 * s.C));
  return {
    ...winogradRun(gemmVariant, s, tile, 0),
    // GFLOP/s counted as for the direct conv, beside the direct conv's TF.js peer.
    name: `conv ${s.name} winograd${tile === 2 ? '' : ' F4'}${precisionSuffix(precision)}`,
    timed: {
      ours: async (gpu) => {
        const X = gpu.upload(x, [s.N, s.H, s.W, s.C], 'X', precision);
        const U = gpu.upload(winogradWeights(w, s.C, s.K, tile), [winogradPositions(tile), s.C, s.K]);
        let Y: Tensor | undefined;
        const gemmPass = gemmVariant === 'register' ? 'register' : undefined;
        return {
          run: async () => (Y = await conv3x3Winograd(gpu, X, U, { out: Y, gemm: gemmPass })),
          dispose: () => [X, U, Y].forEach((t) => t?.release()),
        };
      },
      peer: { op: 'conv2d', shape: s, x, w },
    },
  };
}

/** The self-check's Winograd case: ResNet-50's layer3 3x3 kind. */
const QUICK_WINOGRAD = CONV_ODD_CASES.find((c) => c.name === 'layer3 3x3')!;

export const WINOGRAD: KernelSpec = {
  name: 'conv3x3 Winograd',
  // The variant of its batched GEMM pass.
  variants: ['register', 'broadcast'],
  tolerance: F32_TOLERANCE,
  runs(variant, mode) {
    const v = variant!;
    const stride1 = (s: ConvCase) => s.kh === 3 && s.stride === 1;
    if (mode.kind === 'bench')
      return resnet50ConvLayers(mode.batch)
        .filter(stride1)
        .flatMap((s) => [
          winogradTimed(v, s, 2),
          winogradTimed(v, s, 4),
          ...(mode.f16 ? [winogradTimed(v, s, 4, 'f16')] : []),
        ]);
    if (mode.kind === 'quick')
      return v === 'register' ? ([2, 4] as const).map((tile) => winogradRun(v, QUICK_WINOGRAD, tile, 2)) : [];
    const shapes = [...WINOGRAD_ODD_CASES, ...resnet50ConvLayers().filter(stride1)];
    return ([2, 4] as const).flatMap((tile) => shapes.map((s, i) => winogradRun(v, s, tile, i)));
  },
};

// ---- pooling, softmax, cross-entropy ----

/** A kernel of one variant and no benchmark runs: its cases, of which the self-check takes the first `quick`. */
function simpleSpec<C>(
  name: string,
  tolerance: number,
  cases: readonly C[],
  quick: number,
  run: (c: C) => KernelRun,
): KernelSpec {
  return {
    name,
    variants: [null],
    tolerance,
    runs: (_variant, mode) =>
      mode.kind === 'bench' ? [] : (mode.kind === 'quick' ? cases.slice(0, quick) : cases).map(run),
  };
}

const MAX_POOL_CASES = [
  // N, H, W, C, kernel, stride, pad: ResNet's stem pool first
  [2, 112, 112, 64, 3, 2, 1],
  [3, 9, 7, 5, 3, 2, 1],
  [1, 10, 11, 3, 2, 2, 0],
  [2, 8, 8, 6, 5, 3, 2],
] as const;

// Tolerance 0: max pooling picks one of its inputs, exactly.
export const MAX_POOL: KernelSpec = simpleSpec('max pool', 0, MAX_POOL_CASES, 1, ([N, H, W, C, k, stride, pad]) => ({
  name: `max pool ${k}x${k}/${stride} pad ${pad} ${N}x${H}x${W}x${C}`,
  shape: `${N}x${H}x${W}x${C}`,
  flops: 0,
  compare: async (gpu, random) => {
    const x = randomArray(N * H * W * C, random, 5);
    const want = maxPoolRef(x, N, H, W, C, k, stride, pad);
    const out = poisonedTensor(gpu, [N, want.OH, want.OW, C]);
    await maxPool2d(gpu, gpu.upload(x, [N, H, W, C]), { kernel: k, stride, pad, out });
    return [{ what: 'output', got: await out.read(), want: want.y }];
  },
}));

const AVG_POOL_CASES = [
  [3, 7, 7, 2048],
  [3, 5, 3, 7],
  [1, 1, 1, 1],
] as const;

export const GLOBAL_AVG_POOL: KernelSpec = simpleSpec(
  'global average pool',
  1e-6,
  AVG_POOL_CASES,
  1,
  ([N, H, W, C]) => ({
    name: `global average pool ${N}x${H}x${W}x${C}`,
    shape: `${N}x${H}x${W}x${C}`,
    flops: N * H * W * C,
    compare: async (gpu, random) => {
      const x = randomArray(N * H * W * C, random);
      const out = poisonedTensor(gpu, [N, C]);
      await globalAvgPool(gpu, gpu.upload(x, [N, H, W, C]), out);
      return [{ what: 'output', got: await out.read(), want: globalAvgPoolRef(x, N, H * W, C) }];
    },
  }),
);

const SOFTMAX_CASES = [
  // rows, columns, the logits' scale (up to 1e4: the max subtraction matters)
  [32, 5, 30],
  [32, 2, 3],
  [7, 1000, 10],
  [65, 13, 1],
  [3, 5, 1e4],
] as const;

export const SOFTMAX: KernelSpec = simpleSpec('softmax', F32_TOLERANCE, SOFTMAX_CASES, 0, ([rows, cols, scale]) => ({
  name: `softmax ${rows}x${cols}, logits up to ${scale}`,
  shape: `${rows}x${cols}`,
  flops: 3 * rows * cols,
  compare: async (gpu, random) => {
    const x = randomArray(rows * cols, random, scale);
    const out = poisonedTensor(gpu, [rows, cols]);
    await softmax(gpu, gpu.upload(x, [rows, cols]), out);
    return [{ what: 'probabilities', got: await out.read(), want: softmaxRef(x, rows, cols) }];
  },
}));

export const CROSS_ENTROPY: KernelSpec = simpleSpec(
  'softmax cross-entropy',
  F32_TOLERANCE,
  SOFTMAX_CASES,
  1,
  ([rows, cols, scale]) => ({
    name: `softmax cross-entropy ${rows}x${cols}, logits up to ${scale}`,
    shape: `${rows}x${cols}`,
    flops: 4 * rows * cols,
    compare: async (gpu, random) => {
      const x = randomArray(rows * cols, random, scale);
      const labels = Uint32Array.from({ length: rows }, () => Math.floor(random() * cols));
      const loss = poisonedTensor(gpu, [1]);
      const grad = poisonedTensor(gpu, [rows, cols]);
      await softmaxCrossEntropy(gpu, gpu.upload(x, [rows, cols]), gpu.upload(labels), { loss, grad });
      const want = softmaxCrossEntropyRef(x, labels, rows, cols);
      return [
        { what: 'loss', got: await loss.read(), want: [want.loss] },
        { what: 'gradient', got: await grad.read(), want: want.grad },
      ];
    },
  }),
);

// ---- batchnorm (inference), the head's backward ----

const BATCHNORM_CASES = [
  [2, 5, 3, 7],
  [1, 56, 56, 64],
  [3, 7, 7, 2048],
] as const;

export const BATCHNORM: KernelSpec = simpleSpec('batchnorm', F32_TOLERANCE, BATCHNORM_CASES, 0, ([N, H, W, C]) => ({
  name: `batchnorm ${N}x${H}x${W}x${C}`,
  shape: `${N}x${H}x${W}x${C}`,
  flops: 2 * N * H * W * C,
  compare: async (gpu, random) => {
    const x = randomArray(N * H * W * C, random, 3);
    const bn = {
      gamma: randomArray(C, random),
      beta: randomArray(C, random),
      mean: randomArray(C, random),
      variance: Float32Array.from({ length: C }, () => 0.5 + 1.5 * random()),
      eps: 1e-5,
    };
    const out = poisonedTensor(gpu, [N, H, W, C]);
    const upload = (v: Float32Array) => gpu.upload(v);
    const tensors = { gamma: upload(bn.gamma), beta: upload(bn.beta), mean: upload(bn.mean) };
    await batchNorm(gpu, gpu.upload(x, [N, H, W, C]), { ...tensors, variance: upload(bn.variance), eps: bn.eps }, out);
    return [{ what: 'output', got: await out.read(), want: batchNormRef(x, C, bn) }];
  },
}));

const HEAD_BACKWARD_CASES = [
  [32, 128],
  [7, 3],
  [1, 2049],
] as const;

export const HEAD_BACKWARD: KernelSpec = simpleSpec(
  'head backward',
  F32_TOLERANCE,
  HEAD_BACKWARD_CASES,
  1,
  ([rows, cols]) => ({
    name: `ReLU backward and bias gradient ${rows}x${cols}`,
    shape: `${rows}x${cols}`,
    flops: 2 * rows * cols,
    compare: async (gpu, random) => {
      const dy = randomArray(rows * cols, random);
      const y = randomArray(rows * cols, random).map((v) => (v < -0.3 ? 0 : Math.max(v, 0)));
      const dx = poisonedTensor(gpu, [rows, cols]);
      const db = poisonedTensor(gpu, [cols]);
      await reluBackward(gpu, gpu.upload(dy, [rows, cols]), gpu.upload(y, [rows, cols]), dx);
      await biasGrad(gpu, gpu.upload(dy, [rows, cols]), db);
      return [
        { what: 'ReLU backward', got: await dx.read(), want: reluBackwardRef(dy, y) },
        { what: 'bias gradient', got: await db.read(), want: biasGradRef(dy, rows, cols) },
      ];
    },
  }),
);

/** Every kernel the catalogue describes, in the order the tests, the self-check and the benchmark run them. */
export const KERNELS: readonly KernelSpec[] = [
  GEMM,
  CONV2D,
  WINOGRAD,
  MAX_POOL,
  GLOBAL_AVG_POOL,
  SOFTMAX,
  CROSS_ENTROPY,
  BATCHNORM,
  HEAD_BACKWARD,
];
