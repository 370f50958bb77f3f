// Predictions as one picture, like the matplotlib figure of deepsense.ai's "Keras vs. PyTorch"
// article: the images side by side, each with its caption ("87% alien, 13% predator") drawn
// under it with our bitmap font.
import { PNG } from 'pngjs';
import type { RgbImage } from '../image/format.js';
import { resizeBilinearAntialias } from '../image/resize.js';
import { GLYPH_HEIGHT, drawText, textWidth } from './font.js';

const CELL_HEIGHT = 224;
const MAX_CELL_WIDTH = 336;
const PAD = 8;
const SCALE = 2;
const LINE = (GLYPH_HEIGHT + 3) * SCALE;

export interface Captioned {
  image: RgbImage;
  lines: string[];
}

function fit(img: RgbImage): RgbImage {
  const scale = Math.min(CELL_HEIGHT / img.height, MAX_CELL_WIDTH / img.width);
  return resizeBilinearAntialias(
    img,
    Math.max(1, Math.round(img.width * scale)),
    Math.max(1, Math.round(img.height * scale)),
  );
}

/** One cell: the image fitted into 224 px of height, captions centred below. */
export function renderCell(item: Captioned): RgbImage {
  const img = fit(item.image);
  const width = Math.max(img.width, ...item.lines.map((l) => textWidth(l, SCALE))) + 2 * PAD;
  const height = CELL_HEIGHT + 2 * PAD + item.lines.length * LINE;
  const cell = { width, height, data: new Uint8Array(width * height * 3).fill(255) };
  const left = Math.floor((width - img.width) / 2),
    top = PAD + Math.floor((CELL_HEIGHT - img.height) / 2);
  for (let y = 0; y < img.height; y++)
    cell.data.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), ((top + y) * width + left) * 3);
  item.lines.forEach((line, i) =>
    drawText(
      cell,
      line,
      Math.floor((width - textWidth(line, SCALE)) / 2),
      CELL_HEIGHT + PAD + 4 + i * LINE,
      SCALE,
      i === 0 ? [0, 0, 0] : [90, 90, 90],
    ),
  );
  return cell;
}

export function encodePng(img: RgbImage): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height });
  for (let i = 0; i < img.width * img.height; i++) {
    png.data[4 * i] = img.data[3 * i];
    png.data[4 * i + 1] = img.data[3 * i + 1];
    png.data[4 * i + 2] = img.data[3 * i + 2];
    png.data[4 * i + 3] = 255;
  }
  return new Uint8Array(PNG.sync.write(png));
}

/** Cells side by side, wrapped into rows of at most `perRow`. */
export function renderGrid(items: Captioned[], perRow = 4): RgbImage {
  const cells = items.map(renderCell);
  const rows: RgbImage[][] = [];
  for (let i = 0; i < cells.length; i += perRow) rows.push(cells.slice(i, i + perRow));
  const width = Math.max(...rows.map((r) => r.reduce((a, c) => a + c.width, 0)));
  const rowHeights = rows.map((r) => Math.max(...r.map((c) => c.height)));
  const height = rowHeights.reduce((a, b) => a + b, 0);
  const out = { width, height, data: new Uint8Array(width * height * 3).fill(255) };
  let y0 = 0;
  rows.forEach((row, r) => {
    let x0 = 0;
    for (const c of row) {
      for (let y = 0; y < c.height; y++)
        out.data.set(c.data.subarray(y * c.width * 3, (y + 1) * c.width * 3), ((y0 + y) * width + x0) * 3);
      x0 += c.width;
    }
    y0 += rowHeights[r];
  });
  return out;
}
