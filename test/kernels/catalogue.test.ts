// Every kernel of the catalogue (src/check/kernels.ts) against its float64 reference: each
// variant the adapter runs, each case (odd shapes no tile divides, ResNet-50's), fresh random
// inputs (seed printed on failure), poisoned outputs, the kernel's own tolerance.
import { describe, expect, it } from 'vitest';
import { KERNELS } from '../../src/check/kernels.js';
import { relativeError } from '../../src/reference/cpu.js';
import { IN_BROWSER, rng, seedNote, skipUnsupported, useGpu } from '../support/helpers.js';

const ctx = useGpu();

for (const spec of KERNELS)
  for (const variant of spec.variants)
    describe(`${spec.name}${variant ? ` (${variant})` : ''}`, () => {
      if (variant) skipUnsupported(ctx, variant);
      const random = rng();
      for (const run of spec.runs(variant, { kind: IN_BROWSER ? 'browser' : 'test' }))
        it(run.name, async () => {
          for (const c of await run.compare(ctx.gpu, random)) {
            expect(c.got.every(Number.isFinite), `${c.what} finite`).toBe(true);
            expect(relativeError(c.got, c.want), `${c.what}; ${seedNote()}`).toBeLessThanOrEqual(spec.tolerance);
          }
        });
    });
