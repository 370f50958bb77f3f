// node dist/predict.js --model DIR IMAGE...: predictions of a trained model (see --help).
import { basename } from 'node:path';
import { Gpu } from '../gpu/context.js';
import { readImage } from '../image/files.node.js';
import { readBackboneWeights } from '../model/load.node.js';
import { encodePng, renderGrid } from '../render/grid.node.js';
import { renderReport } from '../render/report.node.js';
import { Backbone } from '../api/backbone.js';
import { Classifier } from '../api/classifier.js';
import { loadModel } from '../train/model-files.node.js';
import { writeFileAtomic } from '../files.node.js';
import { parseCommand, required } from './args.js';
import { MAX_PIXELS_OPTION } from './options.js';
import { runCli } from './run.js';

const COMMAND = {
  command: 'node dist/predict.js',
  summary:
    'Prints each image\'s class probabilities under a trained model, captioned like "87% alien, 13% predator"; ' +
    'can draw them as a PNG grid and an HTML report.',
  positionals: { name: 'IMAGE...', min: 1 },
  options: {
    'max-pixels': MAX_PIXELS_OPTION,
    model: {
      type: 'string',
      value: 'DIR',
      description: 'the trained model folder (model.json, head.safetensors) (required)',
    },
    weights: {
      type: 'string',
      value: 'FILE|random:SEED',
      description: 'backbone weights (default: the ones the model was trained on)',
    },
    json: { type: 'string', value: 'FILE', description: 'write the probabilities as JSON' },
    grid: { type: 'string', value: 'FILE.png', description: 'draw the images side by side with their captions' },
    report: {
      type: 'string',
      value: 'FILE.html',
      description: 'an HTML page with the captioned images and the training curves',
    },
  },
} as const;

let gpu: Gpu | undefined;
runCli(
  async () => {
    const { values: v, positionals } = parseCommand(COMMAND);
    const dir = required('model', v.model);
    const saved = loadModel(dir);
    const weights = readBackboneWeights(v.weights ?? saved.json.backbone.weights);
    const images = positionals.map((file) => readImage(file, v['max-pixels']));
    gpu = await Gpu.create({ log: false });
    // The library's Classifier, as a program embedding it would use it.
    const classifier = Classifier.fromSaved(await Backbone.load(weights, { gpu }), saved, dir);
    const predictions = await classifier.predict(images);
    const classes = saved.json.classes;
    const results = positionals.map((file, i) => ({
      file,
      caption: predictions[i].caption,
      probabilities: predictions[i].probabilities,
    }));
    for (const r of results) console.log(`${r.file}: ${r.caption}`);
    const captioned = results.map((r, i) => ({ image: images[i], lines: [basename(r.file), r.caption] }));
    if (v.json) writeFileAtomic(v.json, `${JSON.stringify({ model: dir, classes, predictions: results }, null, 2)}\n`);
    if (v.grid) writeFileAtomic(v.grid, encodePng(renderGrid(captioned)));
    if (v.report) writeFileAtomic(v.report, renderReport(saved.json, captioned));
  },
  () => gpu?.destroy(),
);
