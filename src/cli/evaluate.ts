// node dist/evaluate.js --model DIR --data DIR: how a trained model does on labelled images (see --help).
import { Backbone } from '../api/backbone.js';
import { Classifier } from '../api/classifier.js';
import { readLabelledFolder } from '../data/folders.node.js';
import { checkWritable, writeFileAtomic } from '../files.node.js';
import { Gpu } from '../gpu/context.js';
import { readBackboneWeights } from '../api/weights.node.js';
import { encodePng, renderGrid } from '../render/grid.node.js';
import { renderEvaluationReport } from '../render/report.node.js';
import { InputError } from '../errors.js';
import { evaluatePredictions, evaluationText } from '../train/metrics.js';
import { loadModel, refuseModelFiles } from '../train/model-files.node.js';
import { relative } from 'node:path';
import { parseCommand, required } from './args.js';
import { predictFiles } from './images.js';
import { MAX_PIXELS_OPTION, MODEL_WEIGHTS_OPTION, PRECISION_OPTION } from './options.js';
import { runCli } from './run.js';

const COMMAND = {
  command: 'node dist/evaluate.js',
  summary:
    "Evaluates a trained model on DATA/<class>/* (the model's class names; a dataset folder gives its " +
    'validation/): accuracy, per-class precision, recall and F1, the confusion matrix and the most ' +
    'confidently wrong images, printed as tables. A file that cannot be read is reported on one line and ' +
    'the rest go on (exit 1 at the end).',
  options: {
    model: { type: 'string', value: 'DIR', description: 'the trained model folder (required)' },
    data: { type: 'string', value: 'DIR', description: 'a folder of class folders (required)' },
    weights: MODEL_WEIGHTS_OPTION,
    precision: { ...PRECISION_OPTION, description: `${PRECISION_OPTION.description} (default: the model's)` },
    mistakes: {
      type: 'integer',
      min: 0,
      default: 12,
      value: 'N',
      description: 'how many of the most confidently wrong images to list and draw',
    },
    json: { type: 'string', value: 'FILE', description: 'write the metrics, confusion matrix and mistakes as JSON' },
    report: {
      type: 'string',
      value: 'FILE.html',
      description: 'an HTML page: the metrics, the confusion matrix as a heat map, a grid of the mistakes',
    },
    grid: { type: 'string', value: 'FILE.png', description: 'draw the mistakes side by side with their captions' },
    quiet: { type: 'flag', description: 'no progress bar, progress lines or notes' },
    'max-pixels': MAX_PIXELS_OPTION,
  },
} as const;

const percent = (p: number) => `${Math.round(p * 100)}%`;

let gpu: Gpu | undefined;
runCli(
  async () => {
    const { values: v } = parseCommand(COMMAND);
    const dir = required('model', v.model);
    const data = required('data', v.data);
    const saved = loadModel(dir);
    const classes = saved.json.classes;
    for (const file of [v.json, v.report, v.grid]) if (file) checkWritable(file);
    refuseModelFiles(dir, v.weights ?? saved.json.backbone.weights, [v.json, v.report, v.grid]);
    const folder = readLabelledFolder(data, classes, { skipBad: true });
    if (!v.quiet) for (const note of folder.notes) console.warn(`note: ${note}`);
    const weights = readBackboneWeights(v.weights ?? saved.json.backbone.weights);
    const { read, failures } = await predictFiles(
      async () => {
        gpu = await Gpu.create({ log: false });
        return Classifier.fromSaved(await Backbone.load(weights, { gpu }), saved, dir, { precision: v.precision });
      },
      folder.samples.map((s) => ({ ...s, name: relative(folder.root, s.file) })),
      { maxPixels: v['max-pixels'], quiet: v.quiet },
    );
    if (!read.length) throw new InputError(`${data}: no image could be read (${failures.length} failed)`);
    const predictions = read.map((r) => r.prediction);
    const probabilities = predictions.map((p) => classes.map((c) => p.probabilities[c]));
    const e = evaluatePredictions(
      classes,
      read.map((r) => r.label),
      probabilities,
    );
    console.log(evaluationText(classes, e));
    const shown = e.mistakes.slice(0, v.mistakes);
    const described = shown.map((m) => ({
      file: read[m.index].file,
      name: read[m.index].name,
      label: classes[m.label],
      predicted: classes[m.predicted],
      confidence: m.confidence,
      caption: predictions[m.index].caption,
    }));
    if (shown.length) {
      console.log(`\nmost confidently wrong (${shown.length} of ${e.mistakes.length}):`);
      for (const m of described)
        console.log(`  ${m.name}: ${m.predicted} ${percent(m.confidence)} (true class: ${m.label})`);
    }
    const captioned = described.map((m, i) => ({
      image: read[shown[i].index].image,
      lines: [m.name, m.caption, `true class: ${m.label}`],
    }));
    if (v.json) {
      const { mistakes: _all, ...metrics } = e;
      const mistakes = e.mistakes.map((m) => ({
        file: read[m.index].file,
        label: classes[m.label],
        predicted: classes[m.predicted],
        confidence: m.confidence,
        probabilities: predictions[m.index].probabilities,
      }));
      const json = { model: dir, data: folder.root, classes, ...metrics, mistakes, failures };
      writeFileAtomic(v.json, `${JSON.stringify(json, null, 2)}\n`);
    }
    if (v.grid && captioned.length) writeFileAtomic(v.grid, encodePng(renderGrid(captioned)));
    else if (v.grid) console.warn(`note: ${v.grid} not written: no mistakes to draw`);
    if (v.report) writeFileAtomic(v.report, renderEvaluationReport(saved.json, folder.root, e, captioned));
    if (failures.length) {
      console.error(`error: ${failures.length} image(s) could not be read; the others were evaluated`);
      process.exitCode = 1;
    }
  },
  () => gpu?.destroy(),
);
