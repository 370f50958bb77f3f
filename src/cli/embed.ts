// node dist/embed.js IMAGE...: ResNet features of images (see --help).
// ResNet features (and ImageNet logits) of images, preprocessed like torchvision's eval transform.
import { readBackboneWeights } from '../api/weights.node.js';
import { readImage } from '../image/files.node.js';
import { Backbone, Gpu } from '../index.js';
import { checkWritable, makeParent, writeFileAtomic } from '../files.node.js';
import { UsageError, parseCommand, required } from './args.js';
import { relative } from 'node:path';
import { DecodeQueue } from '../data/decode-all.node.js';
import { readImageFolders } from '../data/folders.node.js';
import type { RgbImage } from '../image/format.js';
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
      makeParent(out);
      checkWritable(out);
      const weights = readBackboneWeights(values.weights);
      const { samples, splits, start } = shardSamples(dataset, shard);
      gpu = await Gpu.create({ log: false });
      const backbone = await Backbone.load(weights, { gpu });
      // Decoding runs in worker threads a chunk ahead of the GPU, and holds two chunks at most.
      const queue = new DecodeQueue(
        samples.map((s) => s.file),
        { skipBad: false, maxPixels: values['max-pixels'], ahead: 2 * EMBED_CHUNK },
      );
      const F = backbone.featureSize;
      const features = new Float32Array(samples.length * F);
      const progress = new Progress('features', samples.length, { quiet: values.quiet });
      try {
        for (let s = 0; s < samples.length; s += EMBED_CHUNK) {
          const count = Math.min(EMBED_CHUNK, samples.length - s);
          const images = await Promise.all(Array.from({ length: count }, (_, i) => queue.image(s + i)));
          const rows = await backbone.features(images as RgbImage[], {
            precision: values.precision,
            batchSize: EMBED_BATCH,
            progress: (done, note) => progress.update(s + done, note),
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
    const images = positionals.map((file) => readImage(file, values['max-pixels']));
    gpu = await Gpu.create({ log: !values.json });
    const backbone = await Backbone.load(weights, { gpu });
    if (weights.synthetic)
      console.warn(`warning: ${values.weights}: synthetic random weights, the outputs mean nothing`);
    const imagenet = values.logits || (!values.json && backbone.hasClassifier);
    const start = performance.now();
    const out = imagenet
      ? await backbone.imagenet(images, { precision: values.precision })
      : { features: await backbone.features(images, { precision: values.precision }), logits: null, top: null };
    const seconds = (performance.now() - start) / 1000;
    const F = backbone.featureSize;
    if (values.json) {
      const C = out.logits ? out.logits.length / images.length : 0;
      const rows = positionals.map((file, i) => ({
        file,
        features: Array.from(out.features.subarray(i * F, (i + 1) * F)),
        ...(out.logits ? { logits: Array.from(out.logits.subarray(i * C, (i + 1) * C)) } : {}),
      }));
      writeFileAtomic(values.json, `${JSON.stringify({ architecture: weights.spec.name, images: rows })}\n`);
      console.log(
        `${values.json}: ${positionals.length} image${positionals.length > 1 ? 's' : ''} ` +
          `(${(positionals.length / seconds).toFixed(2)} images/s)`,
      );
      return;
    }
    positionals.forEach((file, i) => {
      const f = out.features.subarray(i * F, (i + 1) * F);
      const norm = Math.sqrt(f.reduce((a, v) => a + v * v, 0));
      let line = `${file}: ${F} features, L2 norm ${norm.toFixed(3)}`;
      if (out.top) line += `\n  ${out.top[i].map((c) => `${(100 * c.probability).toFixed(1)}% ${c.label}`).join(', ')}`;
      console.log(line);
    });
  },
  () => gpu?.destroy(),
);
