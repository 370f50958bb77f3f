// node dist/embed.js --weights W.safetensors [--logits] [--json OUT] IMAGE...
// ResNet features (and ImageNet logits) of images, preprocessed like torchvision's eval transform.
import IMAGENET_CLASSES from '../model/imagenet-classes.json';
import { Gpu } from '../gpu/context.js';
import { readImage } from '../image/files.js';
import { INPUT_SIZE, preprocess } from '../image/preprocess.js';
import { loadBackbone } from '../model/backbone.js';
import { readBackboneWeights } from '../model/load.js';
import { softmaxRef } from '../reference/cpu.js';
import { writeFileAtomic } from '../files.js';
import { UsageError, parseCli, runCli } from './run.js';

const USAGE = 'usage: node dist/embed.js [--weights weights/resnet50.safetensors | random:SEED] [--logits] [--json OUT.json] IMAGE...';

let gpu: Gpu | undefined;
runCli(
  async () => {
    const { values, positionals } = parseCli(USAGE, {
      weights: { type: 'string', default: 'weights/resnet50.safetensors' },
      logits: { type: 'boolean', default: false },
      json: { type: 'string' },
    });
    if (!positionals.length) throw new UsageError(`no images given\n${USAGE}`);
    // Decode everything first: a bad image fails before any GPU work.
    const inputs = new Float32Array(positionals.length * INPUT_SIZE * INPUT_SIZE * 3);
    positionals.forEach((file, i) => inputs.set(preprocess(readImage(file)).input, i * INPUT_SIZE * INPUT_SIZE * 3));
    const weights = readBackboneWeights(values.weights as string);
    gpu = await Gpu.create({ log: !values.json });
    const model = loadBackbone(gpu, weights);
    if (weights.synthetic) console.warn(`warning: ${values.weights}: synthetic random weights, the outputs mean nothing`);
    const logits = Boolean(values.logits) || (!values.json && model.hasClassifier);
    const start = performance.now();
    const out = await model.embed(inputs, positionals.length, { logits });
    const seconds = (performance.now() - start) / 1000;
    const F = model.plan.featureSize;
    if (values.json) {
      const images = positionals.map((file, i) => ({
        file,
        features: Array.from(out.features.subarray(i * F, (i + 1) * F)),
        ...(values.logits ? { logits: Array.from(out.logits!.subarray(i * 1000, (i + 1) * 1000)) } : {}),
      }));
      writeFileAtomic(values.json as string, `${JSON.stringify({ architecture: model.plan.spec.name, images })}\n`);
      console.log(`${values.json}: ${positionals.length} image${positionals.length > 1 ? 's' : ''} (${(positionals.length / seconds).toFixed(2)} images/s)`);
      return;
    }
    positionals.forEach((file, i) => {
      const f = out.features.subarray(i * F, (i + 1) * F);
      const norm = Math.sqrt(f.reduce((a, v) => a + v * v, 0));
      let line = `${file}: ${F} features, L2 norm ${norm.toFixed(3)}`;
      if (out.logits) {
        const p = softmaxRef(out.logits.subarray(i * 1000, (i + 1) * 1000), 1, 1000);
        const top = Array.from(p.keys()).sort((a, b) => p[b] - p[a]).slice(0, 5);
        line += `\n  ${top.map((k) => `${(100 * p[k]).toFixed(1)}% ${(IMAGENET_CLASSES as string[])[k]}`).join(', ')}`;
      }
      console.log(line);
    });
  },
  () => gpu?.destroy(),
);
