// node dist/predict.js --model DIR [--weights FILE] [--json FILE] [--grid FILE.png] [--report FILE.html] IMAGE...
import { basename } from 'node:path';
import { Gpu } from '../gpu/context.js';
import { readImage } from '../image/files.js';
import { readBackboneWeights } from '../model/load.js';
import { encodePng, renderGrid } from '../render/grid.js';
import { renderReport } from '../render/report.js';
import { checkBackbone } from '../train/model-format.js';
import { loadModel } from '../train/model-files.js';
import { caption, predict } from '../train/predict.js';
import { writeFileAtomic } from '../files.js';
import { UsageError, parseCli, runCli } from './run.js';

const USAGE = 'usage: node dist/predict.js --model DIR [--weights FILE|random:SEED] [--json FILE] [--grid FILE.png] [--report FILE.html] IMAGE...';

let gpu: Gpu | undefined;
runCli(
  async () => {
    const { values: v, positionals } = parseCli(USAGE, {
      model: { type: 'string' }, weights: { type: 'string' }, json: { type: 'string' }, grid: { type: 'string' }, report: { type: 'string' },
    });
    if (!v.model) throw new UsageError(`--model is required\n${USAGE}`);
    if (!positionals.length) throw new UsageError(`no images given\n${USAGE}`);
    const dir = v.model as string;
    const saved = loadModel(dir);
    const weights = readBackboneWeights((v.weights as string | undefined) ?? saved.json.backbone.weights);
    checkBackbone(saved, weights, dir);
    const images = positionals.map(readImage);
    gpu = await Gpu.create({ log: false });
    const probs = await predict(gpu, saved, weights, images);
    const classes = saved.json.classes;
    const C = classes.length;
    const results = positionals.map((file, i) => {
      const p = probs.subarray(i * C, (i + 1) * C);
      return { file, caption: caption(p, classes), probabilities: Object.fromEntries(classes.map((c, k) => [c, p[k]])) };
    });
    for (const r of results) console.log(`${r.file}: ${r.caption}`);
    const captioned = results.map((r, i) => ({ image: images[i], lines: [basename(r.file), r.caption] }));
    if (v.json) writeFileAtomic(v.json as string, `${JSON.stringify({ model: dir, classes, predictions: results }, null, 2)}\n`);
    if (v.grid) writeFileAtomic(v.grid as string, encodePng(renderGrid(captioned)));
    if (v.report) writeFileAtomic(v.report as string, renderReport(saved.json, captioned));
  },
  () => gpu?.destroy(),
);
