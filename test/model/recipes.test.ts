// The training recipes against independent references: the article's PyTorch loop (train-mode
// batchnorm over a frozen ResNet-50, running statistics updated, then eval) replayed against
// Debian's PyTorch in float64 (tools/make-pytorch-recipe-golden.py), with the batch whole and
// split across chunks.
//
// Tolerances: 1e-5 relative (1e-4 for the logits), or, where PyTorch's own float32 run of the
// same loop lands further than that from float64 (the fixture records how far), within 4x of
// PyTorch's float32 error: Adam turns the rounding of near-cancelling gradient entries into
// whole steps, and deep batch statistics over few rows amplify rounding, for any float32
// implementation. Our Winograd convs (on CPU adapters) round about twice as much as direct ones.
import { describe, expect, it } from 'vitest';
import { replayPytorchRecipeGolden } from '../../src/check/goldens.js';
import { parseSafetensors } from '../../src/weights/safetensors.js';
import { fixture, useGpu } from '../support/helpers.js';

const ctx = useGpu();

describe('pytorch recipe: 20 steps of the article loop against PyTorch', () => {
  for (const chunks of [undefined, [3, 2]]) {
    const split = chunks ? `, batches split ${chunks.join('+')}` : '';
    const label = `losses, head, running statistics and eval logits${split}`;
    it(
      label,
      async () => {
        const golden = parseSafetensors(await fixture('pytorch-recipe-golden.safetensors'), 'golden');
        const floor = (key: string, base: number) => Math.max(base, 4 * Number(golden.metadata[`float32_${key}`]));
        const r = await replayPytorchRecipeGolden(ctx.gpu, golden, chunks);
        expect(r.moved, 'running statistics moved').toBeGreaterThan(1e-2);
        expect(r.losses).toBeLessThanOrEqual(floor('losses', 1e-5));
        for (const [name, e] of Object.entries(r.weights)) expect(e, name).toBeLessThanOrEqual(floor('head', 1e-5));
        expect(r.running).toBeLessThanOrEqual(floor('running', 1e-5));
        expect(r.logits).toBeLessThanOrEqual(floor('logits', 1e-4));
      },
      300_000,
    );
  }
});
