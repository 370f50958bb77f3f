// ResNet-50 forward parity with PyTorch (golden from tools/make-resnet-golden.py, float64),
// at batch 1 and at a batch that the adapter's binding limit forces us to split.
import { describe, expect, it } from 'vitest';
import { resnetSpec, plan } from '../src/model/architecture.js';
import { ResNet } from '../src/model/resnet.js';
import { syntheticImages, syntheticWeights } from '../src/model/synthetic.js';
import { toFloat32 } from '../src/weights/host-tensor.js';
import { parseSafetensors } from '../src/weights/safetensors.js';
import { relativeError } from '../src/reference/cpu.js';
import { fixture, useGpu } from './helpers.js';

const PARITY = 1e-4;
const golden = parseSafetensors(await fixture('resnet50-golden.safetensors'), 'resnet50-golden');
const meta = golden.metadata;
const BATCH = Number(meta.batch);
const goldenFeatures = toFloat32(golden.tensors.get('features')!);
const goldenLogits = toFloat32(golden.tensors.get('logits')!);

describe('ResNet-50 against torchvision (float64)', () => {
  const ctx = useGpu();
  let model: ResNet;
  const images = syntheticImages(Number(meta.image_seed), BATCH);

  it('loads synthetic weights with folded batchnorm', () => {
    const spec = resnetSpec('resnet50');
    model = ResNet.load(ctx.gpu, spec, syntheticWeights(plan(spec), Number(meta.weight_seed), true), 'synthetic');
    expect(model.hasClassifier).toBe(true);
    expect(model.plan.featureSize).toBe(2048);
  });

  it('batch 1: features and logits within 1e-4', async () => {
    const out = await model.embed(images.subarray(0, 224 * 224 * 3), 1, { logits: true });
    expect(relativeError(out.features, goldenFeatures.subarray(0, 2048))).toBeLessThan(PARITY);
    expect(relativeError(out.logits!, goldenLogits.subarray(0, 1000))).toBeLessThan(PARITY);
  });

  it(`a split batch (${BATCH} images where bindings are small), within 1e-4, no pool growth on a second run`, async () => {
    const { gpu } = ctx;
    // lavapipe's 128 MiB bindings force the split of all the images; elsewhere it is requested,
    // on 2 images for software adapters without that limit (SwiftShader in the browser run is slow).
    const bindingLimited = gpu.limits.maxStorageBufferBindingSize <= 128 * 2 ** 20;
    if (bindingLimited) expect(model.maxBatch()).toBeLessThan(BATCH);
    const n = bindingLimited || !gpu.adapter.isCpu ? BATCH : 2;
    const out = await model.embed(images.subarray(0, n * 224 * 224 * 3), n, { logits: true, maxBatch: Math.min(model.maxBatch(), n - 1) });
    const errors = {
      features: relativeError(out.features, goldenFeatures.subarray(0, n * 2048)),
      logits: relativeError(out.logits!, goldenLogits.subarray(0, n * 1000)),
    };
    console.log(`resnet50 parity at batch ${n}: features ${errors.features.toExponential(2)}, logits ${errors.logits.toExponential(2)}`);
    expect(errors.features).toBeLessThan(PARITY);
    expect(errors.logits).toBeLessThan(PARITY);
    // Images differ from each other, so the check is not passed by a constant output.
    expect(relativeError(out.features.subarray(0, 2048), out.features.subarray(2048, 4096))).toBeGreaterThan(0.05);
    // Repeated forwards (in chunks of 2, 2 and 1, or just 2) reuse the pooled buffers.
    const m = Math.min(n, 5);
    const some = images.subarray(0, m * 224 * 224 * 3);
    await model.embed(some, m, { logits: true, maxBatch: 2 });
    const allocated = gpu.pool.allocatedBytes;
    const again = await model.embed(some, m, { logits: true, maxBatch: 2 });
    expect(gpu.pool.allocatedBytes).toBe(allocated);
    expect(relativeError(again.logits!, goldenLogits.subarray(0, m * 1000))).toBeLessThan(PARITY);
  }, 600_000);
});

// On a software adapter this runs the kernels that real GPUs get: tiled convs, direct 3x3.
describe('ResNet-50 with the kernels chosen for GPUs', () => {
  const ctx = useGpu({ kernelsFor: 'gpu' });
  it('batch 2, split 1+1: features and logits within 1e-4', async () => {
    const spec = resnetSpec('resnet50');
    const model = ResNet.load(ctx.gpu, spec, syntheticWeights(plan(spec), Number(meta.weight_seed), true), 'synthetic');
    const out = await model.embed(syntheticImages(Number(meta.image_seed), 2), 2, { logits: true, maxBatch: 1 });
    const errors = { features: relativeError(out.features, goldenFeatures.subarray(0, 4096)), logits: relativeError(out.logits!, goldenLogits.subarray(0, 2000)) };
    console.log(`resnet50 parity with GPU kernels at batch 2: features ${errors.features.toExponential(2)}, logits ${errors.logits.toExponential(2)}`);
    expect(errors.features).toBeLessThan(PARITY);
    expect(errors.logits).toBeLessThan(PARITY);
    model.destroy();
  }, 600_000);
});
