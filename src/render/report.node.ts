// Self-contained HTML pages: predict.js's (the captioned predictions and the training record
// of model.json: settings, loss and accuracy curves as inline SVG, the last validation's
// confusion matrix) and evaluate.js's (metrics, the confusion matrix as a heat map, the most
// confidently wrong images). Images are PNG data URLs; captions are real text.
import { type Evaluation, metricsRows } from '../train/metrics.js';
import type { EpochRecord, ModelJson } from '../train/model-format.js';
import { type Captioned, encodePng, fitToCell } from './grid.node.js';
import { TABLE_STYLE, confusionHeatMap, escapeHtml as escape, htmlTable } from './html.js';

function chart(title: string, all: EpochRecord[], pick: (r: EpochRecord) => [number, number]): string {
  // Epochs without validation data (a library fit() given none) are left out of the curves.
  const history = all.filter((r) => r.validation);
  const W = 420,
    H = 260,
    L = 50,
    R = 15,
    T = 30,
    B = 40;
  const values = history.flatMap(pick);
  const lo = Math.min(0, ...values),
    hi = Math.max(...values, 1e-9) * 1.05;
  const n = history.length;
  const x = (i: number) => L + (n > 1 ? (i * (W - L - R)) / (n - 1) : (W - L - R) / 2);
  const y = (v: number) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  const line = (k: 0 | 1, color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" ` +
    `points="${history.map((r, i) => `${x(i).toFixed(1)},${y(pick(r)[k]).toFixed(1)}`).join(' ')}"/>` +
    history
      .map(
        (r, i) =>
          `<circle cx="${x(i).toFixed(1)}" cy="${y(pick(r)[k]).toFixed(1)}" r="3" ` +
          `fill="${color}"><title>${pick(r)[k].toFixed(4)}</title></circle>`,
      )
      .join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => lo + f * (hi - lo));
  const tick = (v: number) =>
    `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>` +
    `<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v.toFixed(2)}</text>`;
  const epoch = (r: EpochRecord, i: number) =>
    `<text x="${x(i)}" y="${H - B + 16}" text-anchor="middle" font-size="11">${r.epoch}</text>`;
  const legend =
    `<text x="${W - R - 150}" y="${T + 4}" font-size="12" fill="#1f77b4">train</text>` +
    `<text x="${W - R - 90}" y="${T + 4}" font-size="12" fill="#ff7f0e">validation</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${escape(title)}">
<text x="${W / 2}" y="18" text-anchor="middle" font-weight="bold">${escape(title)}</text>
${ticks.map(tick).join('')}
${history.map(epoch).join('')}
<text x="${W / 2}" y="${H - 6}" text-anchor="middle" font-size="12">epoch</text>
${line(0, '#1f77b4')}${line(1, '#ff7f0e')}
${legend}
</svg>`;
}

/** An image with its caption lines under it, as text. */
function figure(item: Captioned): string {
  const png = Buffer.from(encodePng(fitToCell(item.image))).toString('base64');
  const [name, ...rest] = item.lines.map(escape);
  return (
    `<figure><img alt="${escape(item.lines.join(': '))}" src="data:image/png;base64,${png}">` +
    `<figcaption><b>${name ?? ''}</b>${rest.map((l) => `<br>${l}`).join('')}</figcaption></figure>`
  );
}

/** The training settings model.json records, as a definition list. */
function settings(model: ModelJson): string {
  const t = model.training;
  const rows: [string, string][] = [
    ['recipe', t.recipe],
    ['data', `${t.data}${t.validationSplit ? `, ${t.validationSplit} of each class held out for validation` : ''}`],
    ['batch size', String(t.batchSize)],
    [
      'learning rate',
      `${t.lr}, ${t.lrSchedule}${t.lrSchedule === 'step' ? ` (x0.1 every ${t.lrStepEpochs} epochs)` : ''}`,
    ],
    ['augmentation', `${t.augment} (fill ${t.fill})`],
    ['class weights', t.classWeights ? model.classes.map((c, k) => `${c} ${t.classWeights![k]}`).join(', ') : 'none'],
    ['early stopping', t.earlyStopping === null ? 'off' : `patience ${t.earlyStopping}`],
    ['epoch kept', t.save === 'best' ? 'best validation loss' : 'last'],
    ['seed', String(t.seed)],
  ];
  if (t.limit !== null) rows.push(['limit', `${t.limit} images per class and split`]);
  return `<dl>${rows.map(([k, v]) => `<dt>${escape(k)}</dt><dd>${escape(v)}</dd>`).join('')}</dl>`;
}

const STYLE =
  'body{font-family:system-ui,sans-serif;margin:24px;color:#222}' +
  'figure{display:inline-block;margin:6px;vertical-align:top;max-width:352px}' +
  'figcaption{text-align:center;font-size:14px;overflow-wrap:anywhere;margin-top:4px}' +
  'section{margin-bottom:28px}svg{margin-right:16px}' +
  'dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{color:#555}dd{margin:0}' +
  TABLE_STYLE;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>${STYLE}</style></head>
<body>
${body}
</body></html>
`;
}

/** The training section: summary, settings, curves and the last validation's confusion matrix. */
function trainingSection(model: ModelJson): string {
  const h = model.history;
  const last = h[h.length - 1];
  const backbone = `${escape(model.backbone.weights)}${model.backbone.synthetic ? ', synthetic weights' : ''}`;
  const lastEpoch = last?.validation
    ? `; last validation loss ${last.validation.loss.toFixed(4)}, accuracy ${last.validation.acc.toFixed(4)}`
    : '';
  const summary =
    `${escape(model.architecture)} features (backbone ${backbone}), ` +
    `head ${model.head.features} &rarr; ${model.head.hidden} &rarr; ${model.head.classes}, ` +
    `${h.length} epoch${h.length === 1 ? '' : 's'}${lastEpoch}.`;
  const curves = h.some((r) => r.validation)
    ? chart('loss', h, (r) => [r.train.loss, r.validation!.loss]) +
      chart('accuracy', h, (r) => [r.train.acc, r.validation!.acc])
    : '<p>No epochs recorded.</p>';
  const confusion = last?.validation?.confusion
    ? `<h3>Validation after epoch ${last.epoch}</h3>${confusionHeatMap(model.classes, last.validation.confusion)}`
    : '';
  return `<section><h2>Training</h2><p>${summary}</p>${settings(model)}${curves}${confusion}</section>`;
}

/** predict.js --report: the captioned predictions and the model's training record. */
export function renderReport(model: ModelJson, predictions: Captioned[]): string {
  const title = model.classes.join(' vs. ');
  return page(
    `${title}: predictions`,
    `<h1>${escape(title)}</h1>\n${trainingSection(model)}\n` +
      `<section><h2>Predictions</h2>\n${predictions.map(figure).join('\n')}\n</section>`,
  );
}

/** evaluate.js --report: metrics, the confusion matrix as a heat map, the mistakes, the training record. */
export function renderEvaluationReport(
  model: ModelJson,
  data: string,
  evaluation: Evaluation,
  mistakes: Captioned[],
): string {
  const e = evaluation;
  const f = (x: number) => x.toFixed(4);
  const title = `${model.classes.join(' vs. ')}: evaluation on ${data}`;
  const metrics = htmlTable(['class', 'precision', 'recall', 'F1', 'images'], metricsRows(e));
  const wrong = mistakes.length
    ? mistakes.map(figure).join('\n')
    : '<p>No mistakes: every image was classified correctly.</p>';
  const shown = mistakes.length < e.mistakes.length ? ` (the ${mistakes.length} most confident)` : '';
  return page(
    title,
    `<h1>${escape(title)}</h1>\n` +
      `<section><h2>Accuracy ${f(e.accuracy)}</h2><p>${e.correct} of ${e.images} images classified correctly.</p>` +
      `${metrics}<h3>Confusion matrix</h3>${confusionHeatMap(model.classes, e.confusion)}</section>\n` +
      `<section><h2>Most confidently wrong${shown}</h2>\n${wrong}\n</section>\n${trainingSection(model)}`,
  );
}
