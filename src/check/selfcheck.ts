// The self-check's checks (node dist/selfcheck.js prints them): every kernel variant the adapter
// runs against the float64 CPU references on fresh random inputs (the quick cases of the kernel
// catalogue, ./cases.ts: ResNet-50 layer kinds at odd sizes, odd GEMMs), and the PyTorch goldens
// (Adam, 20 head training steps, ResNet-50 at batch 1 and a split batch, 20 steps of the
// article's PyTorch loop with training-mode batchnorm), each with its relative error and tolerance.
import { CONV_ODD_CASES, GEMM_CASES } from './cases.js';
import { KERNELS } from './kernels.js';
import {
  type ResNetGolden,
  type AdamGoldenCase,
  replayAdamGolden,
  replayHeadGolden,
  replayPytorchRecipeGolden,
} from './goldens.js';
import { batchNormApply, batchStatistics } from '../kernels/batchnorm-train.js';
import { PYTORCH_TRAIN_MODE } from '../model/resnet-train.js';
import { randomArray, seededRandom } from '../util/random.js';
import type { Gpu } from '../gpu/context.js';
import { KERNEL_VARIANTS, supportsVariant } from '../kernels/common.js';
import { conv2d } from '../kernels/conv2d.js';
import { gemm } from '../kernels/gemm.js';
import { conv2dRef, gemmRef, relativeError, batchNormTrainRef } from '../reference/cpu.js';
import type { TensorMap } from '../weights/host-tensor.js';
import { roundToHalf } from '../util/half.js';

export interface Check {
  name: string;
  error: number;
  tolerance: number;
  passed: boolean;
}

const CONVS = CONV_ODD_CASES.filter((c) => c.quick);

/** An f16 kernel's output against float64 on the same halves: its rounding to a half is at most 2^-11. */
const F16_TOLERANCE = 1e-3;
/** ResNet-50 at f16 against float32's features: issue 17's bound. */
const F16_RESNET_TOLERANCE = 5e-3;

/** The PyTorch goldens the self-check replays (test/fixtures/, beside dist/selfcheck.js as fixtures/). */
export interface SelfcheckGoldens {
  resnet: ResNetGolden;
  head: { tensors: TensorMap; metadata: Record<string, string> };
  adam: { cases: AdamGoldenCase[] };
  recipe: { tensors: TensorMap; metadata: Record<string, string> };
}

/** Runs every check on `g`, telling `report` of each as it completes; returns them all. */
export async function runSelfcheck(
  g: Gpu,
  goldens: SelfcheckGoldens,
  report: (check: Check) => void,
): Promise<Check[]> {
  const { resnet: resnetGolden, head: headGolden, adam: adamGolden, recipe: recipeGolden } = goldens;
  const checks: Check[] = [];
  const check = (name: string, error: number, tolerance: number) => {
    const c = { name, error, tolerance, passed: error <= tolerance };
    checks.push(c);
    report(c);
  };
  const random = seededRandom(Date.now() % 2 ** 31);
  const data = (n: number, scale = 1) => randomArray(n, random, scale);

  // Every kernel of the catalogue: its quick runs, under each variant this adapter runs.
  for (const spec of KERNELS)
    for (const variant of spec.variants.filter((v) => !v || supportsVariant(g, v)))
      for (const run of spec.runs(variant, { kind: 'quick' })) {
        const comparisons = await run.compare(g, random);
        const error = Math.max(...comparisons.map((c) => relativeError(c.got, c.want)));
        check(run.name, Number.isNaN(error) ? Infinity : error, spec.tolerance);
      }
  if (g.hasF16) {
    // The f16 storage path on the same halves as the float64 reference: only the output's
    // rounding to a half differs (F16_TOLERANCE). In Node, Dawn offers shader-f16 on NVIDIA
    // only through a toggle (it withholds it for driver bugs), so these checks matter there.
    const halves = (n: number, scale = 1) => roundToHalf(data(n, scale));
    for (const variant of KERNEL_VARIANTS.filter((x) => supportsVariant(g, x))) {
      const [{ M, N, K }] = GEMM_CASES.filter((c) => c.quick);
      const a = halves(M * K),
        b = halves(K * N, 1 / Math.sqrt(K)),
        bias = data(N);
      const product = await gemm(g, g.upload(a, [M, K], 'A', 'f16'), g.upload(b, [K, N], 'B', 'f16'), {
        bias: g.upload(bias),
        relu: true,
        variant,
      });
      const gemmWant = gemmRef(a, b, M, N, K, { bias, relu: true });
      check(`gemm ${variant} at f16 ${M}x${N}x${K}`, relativeError(await product.read(), gemmWant), F16_TOLERANCE);
      for (const s of [CONVS[0], CONVS[2]]) {
        const x = halves(s.N * s.H * s.W * s.C),
          w = halves(s.kh * s.kw * s.C * s.K, 1 / Math.sqrt(s.kh * s.kw * s.C)),
          convBias = data(s.K);
        const xt = g.upload(x, [s.N, s.H, s.W, s.C], 'x', 'f16');
        const y = await conv2d(g, xt, g.upload(w, [s.kh, s.kw, s.C, s.K], 'w', 'f16'), {
          stride: s.stride,
          pad: s.pad,
          bias: g.upload(convBias),
          relu: true,
          variant,
        });
        const want = conv2dRef(x, w, s, { bias: convBias, relu: true });
        check(`conv2d ${variant} at f16 ${s.name}`, relativeError(await y.read(), want), F16_TOLERANCE);
      }
    }
    const f16Model = resnetGolden.model(g, 'f16');
    const errors = await resnetGolden.parity(f16Model, 1);
    f16Model.destroy();
    check('ResNet-50 at f16 against torchvision, batch 1: features', errors.features, F16_RESNET_TOLERANCE);
    check('ResNet-50 at f16 against torchvision, batch 1: logits', errors.logits, F16_RESNET_TOLERANCE);
  }

  // Training-mode batchnorm of a batch split in two chunks, with the running-statistics update.
  {
    const C = 64,
      rows = 2 * 28 * 28;
    const values = data(rows * C, 2).map((v) => v + 3);
    const layer = { gamma: data(C), beta: data(C), runningMean: data(C), runningVar: data(C).map((v) => 1 + v * v) };
    const want = batchNormTrainRef(values, C, { ...layer, eps: 1e-5, momentum: 0.1 }, { relu: true });
    const chunks = [0, 1].map((k) =>
      g.upload(values.subarray((k * rows * C) / 2, ((k + 1) * rows * C) / 2), [1, 28, 28, C]),
    );
    const running = g.upload(new Float32Array([...layer.runningMean, ...layer.runningVar]), [2, C]);
    const stats = await batchStatistics(
      g,
      chunks,
      { gamma: g.upload(layer.gamma), beta: g.upload(layer.beta), running, eps: 1e-5 },
      PYTORCH_TRAIN_MODE,
    );
    const out = new Float32Array(rows * C);
    for (const [k, t] of chunks.entries()) {
      await batchNormApply(g, t, stats, { relu: true });
      out.set(await t.read(), (k * rows * C) / 2);
    }
    check('batchnorm in training mode 2x28x28x64 in two chunks', relativeError(out, want.y), 1e-5);
    const r = await running.read();
    check(
      'batchnorm in training mode: running statistics',
      relativeError(r, [...want.runningMean, ...want.runningVar]),
      1e-5,
    );
  }

  for (const c of adamGolden.cases)
    check(`Adam against torch.optim.Adam (${c.name})`, await replayAdamGolden(g, c), 1e-6);
  const head = await replayHeadGolden(g, headGolden);
  check('head: 20 training steps against PyTorch, losses', head.losses, 1e-5);
  check('head: 20 training steps against PyTorch, worst final weight', Math.max(...Object.values(head.weights)), 1e-5);
  const model = resnetGolden.model(g);
  for (const [n, maxBatch] of [
    [1, 1],
    [4, 3],
  ]) {
    const errors = await resnetGolden.parity(model, n, maxBatch);
    const split = n > maxBatch ? `, split ${maxBatch}+${n - maxBatch}` : '';
    check(`ResNet-50 against torchvision, batch ${n}${split}: features`, errors.features, 1e-4);
    check(`ResNet-50 against torchvision, batch ${n}${split}: logits`, errors.logits, 1e-4);
  }
  model.destroy();
  // The article's PyTorch loop (tolerances as in test/model/recipes.test.ts: 1e-5, or 4x PyTorch's float32 error).
  const recipe = await replayPytorchRecipeGolden(g, recipeGolden);
  const floor = (key: string, base: number) => Math.max(base, 4 * Number(recipeGolden.metadata[`float32_${key}`]));
  check('pytorch recipe: 20 steps against PyTorch, losses', recipe.losses, floor('losses', 1e-5));
  check('pytorch recipe: worst final head weight', Math.max(...Object.values(recipe.weights)), floor('head', 1e-5));
  check('pytorch recipe: worst running statistics', recipe.running, floor('running', 1e-5));
  check('pytorch recipe: validation logits after model.eval()', recipe.logits, floor('logits', 1e-4));

  return checks;
}
