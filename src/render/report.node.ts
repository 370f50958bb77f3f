// A self-contained HTML page: the captioned predictions (PNG data URLs) and the training
// curves (inline SVG, loss and accuracy per epoch for train and validation) from model.json.
import type { EpochRecord, ModelJson } from '../train/model-format.js';
import { type Captioned, encodePng, renderCell } from './grid.node.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

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

export function renderReport(model: ModelJson, predictions: Captioned[]): string {
  const h = model.history;
  const pictures = predictions
    .map(
      (p) =>
        `<figure><img alt="${escape(p.lines.join(': '))}" ` +
        `src="data:image/png;base64,${Buffer.from(encodePng(renderCell(p))).toString('base64')}"></figure>`,
    )
    .join('\n');
  const last = h[h.length - 1];
  const style =
    'body{font-family:system-ui,sans-serif;margin:24px;color:#222}figure{display:inline-block;margin:6px}' +
    'section{margin-bottom:28px}svg{margin-right:16px}';
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
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(model.classes.join(' vs. '))}: predictions</title>
<style>${style}</style></head>
<body>
<h1>${escape(model.classes.join(' vs. '))}</h1>
<p>${summary}</p>
<section><h2>Training</h2>${curves}</section>
<section><h2>Predictions</h2>
${pictures}
</section>
</body></html>
`;
}
