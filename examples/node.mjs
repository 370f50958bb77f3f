// The library from Node: train a classifier on a dataset folder, predict, save, load, and
// predict again from the loaded copy (the same probabilities).
//
//   node examples/node.mjs DATA [--weights FILE|random:SEED] [--limit N] [--epochs N] [--out DIR]
//
// DATA holds train/<class>/* and validation/<class>/* (the article's alien-vs-predator layout).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Backbone, Classifier } from 'webgpu-transfer';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    weights: { type: 'string', default: 'weights/resnet50.safetensors' },
    limit: { type: 'string' },
    epochs: { type: 'string', default: '3' },
    out: { type: 'string', default: 'example-model' },
  },
});
const data = positionals[0];
if (!data) {
  console.error('usage: node examples/node.mjs DATA [--weights FILE|random:SEED] [--limit N] [--epochs N] [--out DIR]');
  process.exit(2);
}

// The backbone is loaded once and shared by every classifier on it.
const backbone = await Backbone.load(values.weights);
const classes = readdirSync(join(data, 'train')).sort();
const classifier = Classifier.create(backbone, classes, { recipe: 'pytorch', batchSize: 32 });
await classifier.fit(data, {
  epochs: Number(values.epochs),
  limit: values.limit ? Number(values.limit) : undefined,
  onEpoch: (e) => console.log(`epoch ${e.epoch}: loss ${e.train.loss.toFixed(4)}, accuracy ${e.validation.acc}`),
});

// Two validation images of each class, as paths.
const images = classes.flatMap((c) =>
  readdirSync(join(data, 'validation', c))
    .sort()
    .slice(0, 2)
    .map((f) => join(data, 'validation', c, f)),
);
const predictions = await classifier.predict(images);
images.forEach((file, i) => console.log(`${file}: ${predictions[i].caption}`));

await classifier.save(values.out);
const loaded = await Classifier.load(backbone, values.out);
const again = await loaded.predict(images);
const same = again.every((p, i) => classes.every((c) => p.probabilities[c] === predictions[i].probabilities[c]));
console.log(`saved to ${values.out}; the loaded model predicts ${same ? 'the same' : 'DIFFERENT'} probabilities`);

loaded.dispose();
classifier.dispose();
backbone.dispose(); // frees the GPU, so Node can exit
process.exitCode = same ? 0 : 1;
