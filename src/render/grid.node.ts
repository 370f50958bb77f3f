// Predictions as one picture, like the matplotlib figure of deepsense.ai's "Keras vs. PyTorch"
// article: the images side by side, each with its caption ("87% alien, 13% predator") drawn
// under it with our bitmap font, wrapped to the cell's width.
import { PNG } from 'pngjs';
import type { RgbImage } from '../image/format.js';
import { resizeBilinearAntialias } from '../image/resize.js';
import { GLYPH_HEIGHT, drawText, textWidth } from './font.js';

const CELL_HEIGHT = 224;
// Wide enough for "87% alien, 13% predator" on one line.
const MIN_CELL_WIDTH = 280;
const MAX_CELL_WIDTH = 336;
const PAD = 8;
const SCALE = 2;
const LINE = (GLYPH_HEIGHT + 3) * SCALE;

export interface Captioned {
  image: RgbImage;
  lines: string[];
}

/** The image scaled to fit a cell: 224 px high, at most 336 px wide. */
export function fitToCell(img: RgbImage): RgbImage {
  const scale = Math.min(CELL_HEIGHT / img.height, MAX_CELL_WIDTH / img.width);
  return resizeBilinearAntialias(
    img,
    Math.max(1, Math.round(img.width * scale)),
    Math.max(1, Math.round(img.height * scale)),
  );
}

/**
 * A line broken into lines at most `width` px wide: after spaces and slashes where it can, inside
 * a word only where one word alone is wider.
 */
export function wrapText(line: string, width: number, scale = SCALE): string[] {
  const pieces = line.match(/[^ /]+[ /]*|[ /]+/g) ?? [''];
  const out: string[] = [];
  let current = '';
  for (let piece of pieces) {
    while (textWidth(current + piece.trimEnd(), scale) > width) {
      if (current) {
        out.push(current.trimEnd());
        current = '';
        continue;
      }
      // One piece wider than a line: cut it where it overflows.
      let n = 1;
      while (textWidth(piece.slice(0, n + 1), scale) <= width) n++;
      out.push(piece.slice(0, n));
      piece = piece.slice(n);
    }
    current += piece;
  }
  if (current.trimEnd() || !out.length) out.push(current.trimEnd());
  return out;
}

/** One cell: the image fitted into 224 px of height, captions centred below, wrapped to its width. */
export function renderCell(item: Captioned): RgbImage {
  const img = fitToCell(item.image);
  const width = Math.max(img.width, MIN_CELL_WIDTH) + 2 * PAD;
  const wrapped = item.lines.map((l) => wrapText(l, width - 2 * PAD));
  const lines = wrapped.flat();
  const height = CELL_HEIGHT + 2 * PAD + lines.length * LINE;
  const cell = { width, height, data: new Uint8Array(width * height * 3).fill(255) };
  const left = Math.floor((width - img.width) / 2),
    top = PAD + Math.floor((CELL_HEIGHT - img.height) / 2);
  for (let y = 0; y < img.height; y++)
    cell.data.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), ((top + y) * width + left) * 3);
  // The first caption (the image's name) in black, the others in grey.
  const firstLines = wrapped[0]?.length ?? 0;
  lines.forEach((line, i) =>
    drawText(
      cell,
      line,
      Math.floor((width - textWidth(line, SCALE)) / 2),
      CELL_HEIGHT + PAD + 4 + i * LINE,
      SCALE,
      i < firstLines ? [0, 0, 0] : [90, 90, 90],
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
