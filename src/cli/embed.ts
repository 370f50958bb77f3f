// node dist/embed.js IMAGE...: ResNet features of images (see --help).
// ResNet features (and ImageNet logits) of images, preprocessed like torchvision's eval transform.
import IMAGENET_LABELS from '../model/imagenet-classes.json';
import { Gpu } from '../gpu/context.js';
import { readImage } from '../image/files.node.js';
import { preprocess } from '../image/preprocess.js';
import { loadBackbone } from '../model/backbone.js';
import { readBackboneWeights } from '../model/load.node.js';
import { softmax } from '../kernels/softmax.js';
import { IMAGENET_CLASS_COUNT } from '../model/architecture.js';
import { checkWritable, writeFileAtomic } from '../files.node.js';
import { UsageError, parseCommand, required } from './args.js';
import { relative } from 'node:path';
import { DecodeQueue } from '../data/decode-all.node.js';
import { readImageFolders } from '../data/folders.node.js';
import type { RgbImage } from '../image/format.js';
import { featuresOf } from '../train/fit.js';
import { Progress } from '../train/progress.node.js';
import { parseShard, shardSamples, writeFeatureShard } from '../train/shards.node.js';
import { MAX_PIXELS_OPTION, PRECISION_OPTION } from './options.js';
import { runCli } from './run.js';

const COMMAND = {
  command: 'node dist/embed.js',
  summary:
    'ResNet features (2048 per image for ResNet-50) and, where the weights carry the ImageNet classifier, the ' +
    "top-5 ImageNet classes of each image, preprocessed like torchvision's evaluation transform. With --data, " +
    'the features of one shard of a dataset folder for train.js --features (many machines, one shard each).',
  positionals: { name: 'IMAGE...', min: 0 },
  options: {
    data: {
      type: 'string',
      value: 'DIR',
      description: 'a dataset folder (train/<class>/*, validation/<class>/*) to embed in shards, instead of IMAGE...',
    },
    shard: {
      type: 'string',
      value: 'I/N',
      default: '0/1',
      description: 'which contiguous block of the dataset (0-based I of N) this run embeds',
    },
    'features-out': {
      type: 'string',
      value: 'FILE',
      description: 'with --data: write the shard (safetensors: features, labels, file names) here',
    },
    limit: { type: 'integer', min: 1, value: 'N', description: 'with --data: at most N images per class and split' },
    'val-split': {
      type: 'number',
      above: 0,
      below: 1,
      value: 'FRACTION',
      description: 'with --data and no validation/: hold out this share of each class (as train.js --val-split)',
    },
    seed: { type: 'integer', min: 0, default: 0, description: 'the --val-split seed (as train.js --seed)' },
    precision: { ...PRECISION_OPTION, default: 'f32' },
    quiet: { type: 'flag', description: 'no progress lines' },
    'max-pixels': MAX_PIXELS_OPTION,
    weights: {
      type: 'string',
      value: 'FILE|random:SEED',
      default: 'weights/resnet50.safetensors',
      description: 'backbone weights',
    },
    logits: { type: 'flag', description: 'include the 1000 ImageNet logits in the JSON output' },
    json: {
      type: 'string',
      value: 'FILE',
      description: 'write features (and logits) as JSON instead of printing a summary',
    },
  },
} as const;

/** Images per backbone call when embedding a dataset shard (train.js's default batch). */
const EMBED_BATCH = 32;
/** Images decoded ahead of the GPU and embedded together. */
const EMBED_CHUNK = 8 * EMBED_BATCH;

let gpu: Gpu | undefined;
runCli(
  async () => {
    const { values, positionals } = parseCommand(COMMAND);
    if (values.data !== undefined) {
      if (positionals.length) throw new UsageError('give IMAGE... or --data DIR, not both');
      const out = required('features-out', values['features-out']);
      const shard = parseShard(values.shard);
      const dataset = readImageFolders(values.data, values.limit ?? Infinity, {
        validationSplit: values['val-split'],
        seed: values.seed,
      });
      checkWritable(out);
      const weights = readBackboneWeights(values.weights);
      const { samples, splits, start } = shardSamples(dataset, shard);
      gpu = await Gpu.create({ log: false });
      const model = loadBackbone(gpu, weights, values.precision);
      // Decoding runs in worker threads a chunk ahead of the GPU, and holds two chunks at most.
      const queue = new DecodeQueue(
        samples.map((s) => s.file),
        { skipBad: false, maxPixels: values['max-pixels'], ahead: 2 * EMBED_CHUNK },
      );
      const F = model.plan.featureSize;
      const features = new Float32Array(samples.length * F);
      const progress = new Progress('features', samples.length, { quiet: values.quiet });
      try {
        for (let s = 0; s < samples.length; s += EMBED_CHUNK) {
          const count = Math.min(EMBED_CHUNK, samples.length - s);
          const images = await Promise.all(Array.from({ length: count }, (_, i) => queue.image(s + i)));
          const rows = await featuresOf(gpu, model, images as RgbImage[], EMBED_BATCH, weights.preprocessing, {
            update: (done) => progress.update(s + done),
            finish: () => {},
          });
          features.set(rows, s * F);
        }
      } finally {
        await queue.close();
      }
      progress.finish();
      writeFeatureShard(
        out,
        dataset,
        weights,
        shard,
        {
          features,
          labels: Int32Array.from(samples, (s) => s.label),
          splits: Uint8Array.from(splits),
          files: samples.map((s) => relative(dataset.root, s.file)),
          start,
        },
        values.precision,
      );
      console.log(`${out}: shard ${values.shard}, ${samples.length} of the dataset's images`);
      return;
    }
    if (!positionals.length) throw new UsageError('IMAGE...: none given (or --data DIR) (see --help)');
    // Decode everything first: a bad image fails before any GPU work. Each image is prepared
    // as the weights declare (torchvision's transform, or Keras's load_img and caffe).
    const weights = readBackboneWeights(values.weights);
    const p = weights.preprocessing;
    const perImage = p.size * p.size * 3;
    const inputs = new Float32Array(positionals.length * perImage);
    positionals.forEach((file, i) =>
      inputs.set(preprocess(readImage(file, values['max-pixels']), p.size, p).input, i * perImage),
    );
    gpu = await Gpu.create({ log: !values.json });
    const model = loadBackbone(gpu, weights, values.precision);
    if (weights.synthetic)
      console.warn(`warning: ${values.weights}: synthetic random weights, the outputs mean nothing`);
    const logits = values.logits || (!values.json && model.hasClassifier);
    const start = performance.now();
    const out = await model.embed(inputs, positionals.length, { logits });
    const seconds = (performance.now() - start) / 1000;
    const F = model.plan.featureSize;
    if (values.json) {
      const images = positionals.map((file, i) => ({
        file,
        features: Array.from(out.features.subarray(i * F, (i + 1) * F)),
        ...(values.logits
          ? { logits: Array.from(out.logits!.subarray(i * IMAGENET_CLASS_COUNT, (i + 1) * IMAGENET_CLASS_COUNT)) }
          : {}),
      }));
      writeFileAtomic(values.json, `${JSON.stringify({ architecture: model.plan.spec.name, images })}\n`);
      console.log(
        `${values.json}: ${positionals.length} image${positionals.length > 1 ? 's' : ''} ` +
          `(${(positionals.length / seconds).toFixed(2)} images/s)`,
      );
      return;
    }
    const classes = IMAGENET_CLASS_COUNT;
    let probabilities: Float32Array | undefined;
    if (out.logits) {
      const logitsTensor = gpu.upload(out.logits, [positionals.length, classes]);
      probabilities = await (await softmax(gpu, logitsTensor)).read();
    }
    positionals.forEach((file, i) => {
      const f = out.features.subarray(i * F, (i + 1) * F);
      const norm = Math.sqrt(f.reduce((a, v) => a + v * v, 0));
      let line = `${file}: ${F} features, L2 norm ${norm.toFixed(3)}`;
      if (probabilities) {
        const p = probabilities.subarray(i * classes, (i + 1) * classes);
        const top = Array.from(p.keys())
          .sort((a, b) => p[b] - p[a])
          .slice(0, 5);
        line += `\n  ${top.map((k) => `${(100 * p[k]).toFixed(1)}% ${(IMAGENET_LABELS as string[])[k]}`).join(', ')}`;
      }
      console.log(line);
    });
  },
  () => gpu?.destroy(),
);
