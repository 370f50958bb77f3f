// Small SVG line charts for the training page: loss and accuracy against epochs, a series for
// training (a point per batch: the epoch's running mean) and one for validation (per epoch).

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
}

const SVG = 'http://www.w3.org/2000/svg';

function element<K extends keyof SVGElementTagNameMap>(
  name: K,
  attributes: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * Draws `series` into `svg` (its size from the layout): x from 0 to `xMax` epochs, y from 0 to
 * `yMax` (or the data's largest value, rounded up), with a title and a legend.
 */
export function drawChart(svg: SVGSVGElement, title: string, series: Series[], xMax: number, yMax?: number): void {
  const width = svg.clientWidth || 300;
  const height = svg.clientHeight || 150;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const margin = { left: 34, right: 8, top: 16, bottom: 18 };
  const w = width - margin.left - margin.right;
  const h = height - margin.top - margin.bottom;
  const largest = Math.max(0, ...series.flatMap((s) => s.points.map((p) => p[1])));
  const top = yMax ?? (largest > 0 ? niceCeiling(largest) : 1);
  const x = (v: number) => margin.left + (v / Math.max(xMax, 1e-9)) * w;
  const y = (v: number) => margin.top + h - (Math.min(v, top) / top) * h;
  const parts: SVGElement[] = [element('text', { x: margin.left, y: 11 }, title)];
  for (const t of [0, 0.5, 1]) {
    parts.push(
      element('line', { x1: margin.left, x2: margin.left + w, y1: y(t * top), y2: y(t * top), stroke: '#e3e6eb' }),
    );
    parts.push(element('text', { x: 2, y: y(t * top) + 3 }, formatTick(t * top)));
  }
  for (let e = 0; e <= xMax; e++) parts.push(element('text', { x: x(e) - 3, y: height - 4 }, String(e)));
  let legendX = margin.left + w;
  for (const s of [...series].reverse()) {
    const label = element('text', { x: legendX, y: 11, 'text-anchor': 'end', fill: s.color }, s.name);
    parts.push(label);
    legendX -= s.name.length * 6 + 10;
    if (!s.points.length) continue;
    const d = s.points.map(([px, py], i) => `${i ? 'L' : 'M'}${x(px).toFixed(1)},${y(py).toFixed(1)}`).join('');
    parts.push(element('path', { d, fill: 'none', stroke: s.color, 'stroke-width': 1.6 }));
    for (const [px, py] of s.points.length <= 40 ? s.points : [])
      parts.push(element('circle', { cx: x(px), cy: y(py), r: 2.2, fill: s.color }));
  }
  svg.replaceChildren(...parts);
}

function niceCeiling(v: number): number {
  const step = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= v) return m * step;
  return 10 * step;
}

function formatTick(v: number): string {
  return v === 0 ? '0' : v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2);
}
