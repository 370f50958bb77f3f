// Our JPEG decoder against PIL (libjpeg-turbo 2.1, the decoder behind torchvision's loader):
// every fixture layout of tools/make-jpeg-fixtures.py decodes to exactly PIL's RGB, and so does
// every JPEG of the article's dataset (sha256 of the whole decode). Corrupt files fail cleanly.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/image/decode.node.js';
import { idctIslow } from '../../src/image/jpeg/idct.js';

const dir = 'test/fixtures/jpeg';
const DATASET = '../shared/datasets/alien-vs-predator';
const read = (path: string) => new Uint8Array(readFileSync(path));

describe('JPEG decoding equals PIL', () => {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.rgb.png'))
    .map((f) => f.slice(0, -'.rgb.png'.length));

  it('has the fixtures of every layout', () => {
    expect(names.length).toBeGreaterThanOrEqual(21);
  });

  for (const name of names) {
    it(`${name}: every value equals PIL's`, () => {
      const want = PNG.sync.read(readFileSync(join(dir, `${name}.rgb.png`)));
      const img = decodeImage(read(join(dir, `${name}.jpg`)), `${name}.jpg`);
      expect([img.width, img.height]).toEqual([want.width, want.height]);
      let mismatches = 0;
      for (let i = 0; i < want.width * want.height; i++) {
        for (let c = 0; c < 3; c++) if (img.data[i * 3 + c] !== want.data[i * 4 + c]) mismatches++;
      }
      expect(mismatches).toBe(0);
    });
  }

  it.skipIf(!existsSync(DATASET))('every JPEG of the alien-vs-predator dataset, whole image, bit for bit', () => {
    const hashes = JSON.parse(readFileSync(join(dir, 'dataset-sha256.json'), 'utf8')) as Record<string, string>;
    const files = Object.keys(hashes);
    expect(files.length).toBe(889); // 894 images, 5 of them PNG files named .jpg
    const wrong = files.filter((file) => {
      const img = decodeImage(read(join(DATASET, file)), file);
      return createHash('sha256').update(img.data).digest('hex') !== hashes[file];
    });
    expect(wrong).toEqual([]);
  });
});

describe('JPEG errors', () => {
  const good = read(join(dir, 'progressive-420.jpg'));

  it('names the file and the problem for truncated, corrupt and unsupported files', () => {
    expect(() => decodeImage(good.subarray(0, good.length / 2), 'half.jpg')).toThrow(
      /^half\.jpg: corrupt or unsupported JPEG \(truncated entropy-coded data\)$/,
    );
    expect(() => decodeImage(good.subarray(0, 60), 'head.jpg')).toThrow(
      /^head\.jpg: corrupt or unsupported JPEG \(truncated/,
    );
    expect(() => decodeImage(read(join(dir, 'arithmetic.jpg')), 'a.jpg')).toThrow(
      'a.jpg: corrupt or unsupported JPEG (arithmetic-coded JPEG is not supported)',
    );
    const at = (marker: number) => good.findIndex((v, i) => v === 0xff && good[i + 1] === marker);
    const badTable = good.slice();
    badTable[at(0xc4) + 5] = 200; // 200 codes of length 1
    expect(() => decodeImage(badTable, 'h.jpg')).toThrow('h.jpg: corrupt or unsupported JPEG (bad Huffman table)');
    const twelveBit = good.slice();
    twelveBit[at(0xc2) + 4] = 12;
    expect(() => decodeImage(twelveBit, 't.jpg')).toThrow(
      't.jpg: corrupt or unsupported JPEG (12-bit samples are not supported)',
    );
    const noFrame = Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]);
    expect(() => decodeImage(noFrame, 'e.jpg')).toThrow('e.jpg: corrupt or unsupported JPEG (no image data)');
  });
});

describe('ISLOW IDCT', () => {
  // A float64 IDCT (T.81 A.3.3) of random coefficients: libjpeg's fixed-point one is within 1 of it.
  it('is within one level of the exact transform on random blocks', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const quant = new Int16Array(64).fill(1);
    const out = new Uint8Array(64);
    let worst = 0;
    for (let t = 0; t < 200; t++) {
      const coef = new Int32Array(64);
      for (let i = 0; i < 64; i++)
        coef[i] = i === 0 ? Math.round((rand() - 0.5) * 400) : rand() < 0.3 ? Math.round((rand() - 0.5) * 60) : 0;
      idctIslow(coef, 0, quant, out, 0, 8);
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          let s = 0;
          for (let v = 0; v < 8; v++) {
            for (let u = 0; u < 8; u++) {
              const cu = u ? 1 : Math.SQRT1_2,
                cv = v ? 1 : Math.SQRT1_2;
              s +=
                cu *
                cv *
                coef[v * 8 + u] *
                Math.cos(((2 * x + 1) * u * Math.PI) / 16) *
                Math.cos(((2 * y + 1) * v * Math.PI) / 16);
            }
          }
          const exact = Math.min(255, Math.max(0, s / 4 + 128));
          worst = Math.max(worst, Math.abs(out[y * 8 + x] - exact));
        }
      }
    }
    expect(worst).toBeLessThan(1);
  });
});
