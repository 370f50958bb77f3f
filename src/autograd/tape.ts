// A tape-based autograd, just big enough for the dense head: each op runs its forward
// kernels now and records a closure that runs its backward kernels later, in reverse order.
import type { Gpu } from '../gpu/context.js';
import type { Tensor } from '../gpu/tensor.js';
import { gemm } from '../kernels/gemm.js';
import { biasGrad, reluBackward } from '../kernels/head-backward.js';
import { type CrossEntropyFlavor, softmaxCrossEntropy } from '../kernels/softmax.js';

export class Variable {
  grad: Tensor | null = null;
  constructor(
    public value: Tensor,
    readonly requiresGrad: boolean,
    readonly name = '',
  ) {}
}

export class Tape {
  private backwards: (() => Promise<void>)[] = [];
  /** Every tensor the tape allocated (outputs, gradients), released together by release(). */
  private owned: Tensor[] = [];

  constructor(readonly gpu: Gpu) {}

  private own(t: Tensor): Tensor {
    this.owned.push(t);
    return t;
  }

  private setGrad(v: Variable, g: Tensor): void {
    if (v.grad)
      throw new Error(`autograd: '${v.name}' is used twice; gradient accumulation is not supported by this small tape`);
    v.grad = g;
  }

  /** y = x W^T + b, optionally followed by ReLU (fused into the GEMM); W is [out, in] as in torch.nn.Linear. */
  async linear(x: Variable, w: Variable, b: Variable, options: { relu?: boolean } = {}): Promise<Variable> {
    const relu = options.relu ?? false;
    const y = new Variable(
      this.own(await gemm(this.gpu, x.value, w.value, { transB: true, bias: b.value, relu })),
      true,
      `${w.name}.out`,
    );
    this.backwards.push(async () => {
      if (!y.grad) return;
      const dy = relu ? this.own(await reluBackward(this.gpu, y.grad, y.value)) : y.grad;
      if (w.requiresGrad) this.setGrad(w, this.own(await gemm(this.gpu, dy, x.value, { transA: true })));
      if (b.requiresGrad) this.setGrad(b, this.own(await biasGrad(this.gpu, dy)));
      if (x.requiresGrad) this.setGrad(x, this.own(await gemm(this.gpu, dy, w.value)));
    });
    return y;
  }

  /** Mean softmax cross-entropy over the batch; returns the [1] loss tensor. */
  async softmaxCrossEntropy(
    logits: Variable,
    labels: Tensor,
    flavor: CrossEntropyFlavor = 'pytorch',
    rowScale?: Tensor,
  ): Promise<Tensor> {
    const { loss, grad } = await softmaxCrossEntropy(this.gpu, logits.value, labels, undefined, flavor, rowScale);
    this.own(loss);
    this.own(grad);
    this.backwards.push(async () => {
      if (logits.requiresGrad) this.setGrad(logits, grad);
    });
    return loss;
  }

  /** Takes a tensor out of the tape's ownership: the caller releases it. */
  keep(t: Tensor): Tensor {
    this.owned = this.owned.filter((o) => o !== t);
    return t;
  }

  async backward(): Promise<void> {
    for (const step of this.backwards.reverse()) await step();
    this.backwards = [];
  }

  /** Returns every tensor the tape made to the pool (after the recorded work is submitted). */
  release(): void {
    for (const t of this.owned) this.gpu.releaseAfterFlush(t);
    this.owned = [];
    this.backwards = [];
  }
}
