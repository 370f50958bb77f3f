// node dist/predict.js --model DIR IMAGE|FOLDER|GLOB...: predictions of a trained model (see --help).
import { basename, dirname } from 'node:path';
import { expandImageInputs } from '../data/inputs.node.js';
import { InputError } from '../errors.js';
import { caption } from '../train/predict.js';
import { Gpu } from '../gpu/context.js';
import { readBackboneWeights } from '../api/weights.node.js';
import { encodePng, renderGrid } from '../render/grid.node.js';
import { renderReport } from '../render/report.node.js';
import { Backbone } from '../api/backbone.js';
import { Classifier } from '../api/classifier.js';
import { loadModel, refuseModelFiles } from '../train/model-files.node.js';
import { checkWritable, writeFileAtomic } from '../files.node.js';
import { parseCommand, required } from './args.js';
import { predictFiles } from './images.js';
import { MAX_PIXELS_OPTION, MODEL_WEIGHTS_OPTION, PRECISION_OPTION } from './options.js';
import { runCli } from './run.js';

const COMMAND = {
  command: 'node dist/predict.js',
  summary:
    'Prints each image\'s class probabilities under a trained model, captioned like "87% alien, 13% predator"; ' +
    'can draw them as a PNG grid and an HTML report. Folders give their images (subfolders too) and quoted ' +
    'globs (*, ?, **) are expanded; a file that cannot be read is reported on one line and the rest go on ' +
    '(exit 1 at the end). When every image sits in a folder named like a class, the accuracy is printed too.',
  positionals: { name: 'IMAGE|FOLDER|GLOB...', min: 1 },
  options: {
    top: { type: 'integer', min: 1, value: 'K', description: 'print only the K most probable classes per image' },
    quiet: { type: 'flag', description: 'no progress bar or progress lines' },
    'max-pixels': MAX_PIXELS_OPTION,
    model: {
      type: 'string',
      value: 'DIR',
      description: 'the trained model folder (model.json, head.safetensors) (required)',
    },
    weights: MODEL_WEIGHTS_OPTION,
    precision: { ...PRECISION_OPTION, description: `${PRECISION_OPTION.description} (default: the model's)` },
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
    // Outputs are checked before any work: writable, and none of them a file of the model.
    for (const file of [v.json, v.grid]) if (file) checkWritable(file);
    refuseModelFiles(dir, v.weights ?? saved.json.backbone.weights, [v.json, v.grid]);
    const weights = readBackboneWeights(v.weights ?? saved.json.backbone.weights);
    const inputs = expandImageInputs(positionals);
    for (const line of inputs.missing) console.error(`error: ${line}`);
    const classes = saved.json.classes;
    // The library's Classifier, as a program embedding it would use it.
    const { read, failures: unread } = await predictFiles(
      async () => {
        gpu = await Gpu.create({ log: false });
        return Classifier.fromSaved(await Backbone.load(weights, { gpu }), saved, dir, { precision: v.precision });
      },
      inputs.files.map((file, i) => ({ file, name: inputs.names[i] })),
      { maxPixels: v['max-pixels'], quiet: v.quiet },
    );
    const failures = [...inputs.missing, ...unread];
    if (!read.length) throw new InputError(`no image to predict (${failures.length} failed)`);
    const predictions = read.map((r) => r.prediction);
    const results = read.map(({ file }, i) => ({
      file,
      caption: predictions[i].caption,
      probabilities: predictions[i].probabilities,
    }));
    // caption() with top undefined lists every class, as the prediction's own caption does.
    for (const r of results)
      console.log(
        `${r.file}: ${caption(
          classes.map((c) => r.probabilities[c]),
          classes,
          v.top,
        )}`,
      );
    // Images in folders named like the classes have labels: then the accuracy says how the model did.
    const labels = read.map(({ file }) => classes.indexOf(basename(dirname(file))));
    const correct = labels.every((l) => l >= 0)
      ? results.filter((r, i) => predictions[i].label === classes[labels[i]]).length
      : null;
    const accuracy = correct === null ? null : correct / results.length;
    if (accuracy !== null)
      console.log(`accuracy: ${accuracy.toFixed(4)} (${correct} of ${results.length} images in class folders)`);
    const captioned = results.map((r, i) => ({ image: read[i].image, lines: [read[i].name, r.caption] }));
    if (v.json)
      writeFileAtomic(
        v.json,
        `${JSON.stringify({ model: dir, classes, predictions: results, accuracy, failures }, null, 2)}\n`,
      );
    if (v.grid) writeFileAtomic(v.grid, encodePng(renderGrid(captioned)));
    if (v.report) writeFileAtomic(v.report, renderReport(saved.json, captioned));
    if (failures.length) {
      console.error(`error: ${failures.length} input(s) failed; the others were predicted`);
      process.exitCode = 1;
    }
  },
  () => gpu?.destroy(),
);
