// Preprocessing parity with torchvision (golden from tools/make-preprocess-golden.py): the
// 224x224 image before normalization equals PIL's exactly on every validation image of the
// article's dataset, at hash-drawn sample positions (the issue asks for 2/255; our JPEG decoder
// and resampler are bit-exact ports); plus the resampler on synthetic images.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/image/decode.node.js';
import { sniffFormat } from '../../src/image/format.js';
import { PREPROCESSING, preprocess } from '../../src/image/preprocess.js';
import { resizeBilinearAntialias } from '../../src/image/resize.js';
import { uniformStream } from '../../src/util/random.js';
import { parseSafetensors } from '../../src/weights/safetensors.js';

const VALIDATION = '../shared/datasets/alien-vs-predator/validation';
const golden = parseSafetensors(
  new Uint8Array(readFileSync('test/fixtures/preprocess-golden.safetensors')),
  'preprocess-golden',
);

describe('preprocessing against torchvision Resize((224, 224)) on PIL', () => {
  it.skipIf(!existsSync(VALIDATION))("every validation image equals torchvision's before normalization", () => {
    const files = golden.metadata.files.split('\n');
    const samples = golden.tensors.get('samples')!.data as Uint8Array;
    const perImage = Number(golden.metadata.samples);
    expect(files.length).toBe(200);
    let worst = 0;
    let exact = 0;
    let over2 = 0;
    let pngs = 0;
    files.forEach((file, i) => {
      const bytes = new Uint8Array(readFileSync(join(VALIDATION, file)));
      if (sniffFormat(bytes) === 'png') pngs++;
      const { resized, input } = preprocess(decodeImage(bytes, file));
      const positions = uniformStream(Number(golden.metadata.sample_seed), i, perImage);
      for (let s = 0; s < perImage; s++) {
        const p = Math.floor(positions[s] * 224 * 224 * 3);
        const want = samples[i * perImage + s];
        const diff = Math.abs(resized.data[p] - want);
        worst = Math.max(worst, diff);
        if (diff === 0) exact++;
        if (diff > 2) over2++;
        // The normalized value is the 8-bit one through ToTensor and Normalize.
        const c = p % 3;
        expect(
          Math.abs(input[p] - (resized.data[p] / 255 - PREPROCESSING.mean[c]) / PREPROCESSING.std[c]),
        ).toBeLessThan(1e-6);
      }
    });
    expect(over2).toBe(0);
    expect(worst).toBe(0);
    expect(exact).toBe(samples.length);
    expect(pngs).toBeGreaterThan(0); // PNG files named .jpg decode by content
    console.log(
      `preprocess parity: worst ${worst}/255, ${((100 * exact) / samples.length).toFixed(2)}% exact, ${over2} ` +
        `of ${samples.length} over 2/255`,
    );
  });
});

describe('antialiased bilinear resize', () => {
  const gradient = (w: number, h: number) => {
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) data.set([(x * 255) / (w - 1), (y * 255) / (h - 1), 128], (y * w + x) * 3);
    return { width: w, height: h, data };
  };

  it('keeps a constant image constant at any scale', () => {
    for (const [w, h, ow, oh] of [
      [500, 333, 224, 224],
      [100, 80, 224, 224],
      [224, 900, 224, 224],
      [7, 3, 5, 11],
    ]) {
      const out = resizeBilinearAntialias({ width: w, height: h, data: new Uint8Array(w * h * 3).fill(77) }, ow, oh);
      expect(out.data.every((v) => v === 77)).toBe(true);
    }
  });

  it('maps a gradient to a gradient (monotone, ends near 0 and 255)', () => {
    const out = resizeBilinearAntialias(gradient(640, 480), 224, 224);
    const red = Array.from({ length: 224 }, (_, x) => out.data[(100 * 224 + x) * 3]);
    for (let x = 1; x < 224; x++) expect(red[x]).toBeGreaterThanOrEqual(red[x - 1]);
    expect(red[0]).toBeLessThan(3);
    expect(red[223]).toBeGreaterThan(252);
  });

  it('averages a 2x downscale of a 2x2 checkerboard to grey', () => {
    const w = 64,
      h = 64;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) data.fill((x + y) % 2 ? 255 : 0, (y * w + x) * 3, (y * w + x) * 3 + 3);
    const out = resizeBilinearAntialias({ width: w, height: h, data }, 32, 32);
    // Interior pixels see a symmetric window over the pattern: 127 or 128.
    for (let y = 2; y < 30; y++)
      for (let x = 2; x < 30; x++) expect(Math.abs(out.data[(y * 32 + x) * 3] - 127.5)).toBeLessThanOrEqual(1);
  });
});
