// Decompression bombs and truncated images: a few-KB file declaring a huge image is refused
// from its header before pixel memory is allocated (bounded peak memory of the CLI), the limit
// is a flag, and JPEG entropy data that ends early stops the decoder instead of decoding zeros.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/image/decode.node.js';
import { PixelLimitError } from '../../src/image/format.js';
import { TOOL_ENV } from '../support/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'hostile-images-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small real JPEG whose frame header now declares width x height. */
function jpegDeclaring(width: number, height: number): Uint8Array {
  const b = new Uint8Array(readFileSync('test/fixtures/jpeg/baseline-420.jpg'));
  for (let p = 2; p < b.length;) {
    const marker = b[p + 1];
    if (marker === 0xc0 || marker === 0xc2) {
      new DataView(b.buffer).setUint16(p + 5, height);
      new DataView(b.buffer).setUint16(p + 7, width);
      return b;
    }
    p += 2 + ((b[p + 2] << 8) | b[p + 3]);
  }
  throw new Error('no frame header');
}

/** A 1x1 PNG whose IHDR now declares width x height (CRC fixed, so only the size is wrong). */
function pngDeclaring(width: number, height: number): Uint8Array {
  const png = new PNG({ width: 1, height: 1 });
  const b = new Uint8Array(PNG.sync.write(png));
  const view = new DataView(b.buffer, b.byteOffset);
  view.setUint32(16, width);
  view.setUint32(20, height);
  view.setUint32(29, crc32(b.subarray(12, 29)));
  return b;
}

const run = (...args: string[]) =>
  spawnSync(process.execPath, ['test/hostile/rss.mjs', ...args], {
    encoding: 'utf8',
    env: TOOL_ENV,
  });

describe('decompression bombs', () => {
  it('refuses a 60000x60000 JPEG and a 30000x30000 PNG from their headers', () => {
    const jpeg = jpegDeclaring(60000, 60000);
    const png = pngDeclaring(30000, 30000);
    expect(jpeg.length).toBeLessThan(4096);
    expect(png.length).toBeLessThan(100);
    expect(() => decodeImage(jpeg, 'bomb.jpg')).toThrow(PixelLimitError);
    expect(() => decodeImage(jpeg, 'bomb.jpg')).toThrow(
      'bomb.jpg: 60000x60000 is 3600 megapixels, over the limit of 100 megapixels (see --max-pixels)',
    );
    expect(() => decodeImage(png, 'bomb.png')).toThrow(/^bomb\.png: 30000x30000 is 900 megapixels, over the limit/);
  });

  it('the CLI refuses them in one line, exit 2, with a bounded peak memory', () => {
    writeFileSync(join(dir, 'bomb.jpg'), jpegDeclaring(60000, 60000));
    writeFileSync(join(dir, 'bomb.png'), pngDeclaring(30000, 30000));
    for (const file of ['bomb.jpg', 'bomb.png']) {
      const r = run('dist/embed.js', '--weights', 'random:1', join(dir, file));
      const lines = r.stderr.trim().split('\n');
      expect(r.status, r.stderr).toBe(2);
      expect(lines.find((l) => l.startsWith('error: '))).toMatch(/megapixels, over the limit of 100 megapixels/);
      // The child's own peak (rss.mjs); decoding either bomb would take gigabytes.
      const rss = Number(/peak-rss-kib (\d+)/.exec(r.stderr)![1]);
      expect(rss, `${file}: peak RSS ${rss} KiB`).toBeLessThan(512 * 1024);
    }
  });

  it('--max-pixels sets the limit and --help says so', () => {
    writeFileSync(join(dir, 'small.jpg'), readFileSync('test/fixtures/jpeg/baseline-420.jpg'));
    const r = run('dist/embed.js', '--weights', 'random:1', '--max-pixels', '100', join(dir, 'small.jpg'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/small\.jpg: \d+x\d+ is 0\.0 megapixels, over the limit of 0\.0 megapixels/);
    for (const tool of ['train', 'predict', 'embed']) {
      const help = spawnSync(process.execPath, [`dist/${tool}.js`, '--help'], { encoding: 'utf8' });
      expect(help.stdout).toMatch(
        /--max-pixels N +refuse images declaring more pixels than this.*\(default: 100000000\)/,
      );
    }
  });
});

describe('truncated JPEG data', () => {
  it('stops when the entropy data ends instead of decoding zeros for the rest of a large frame', () => {
    // 16 megapixels declared by a 1.5 KB file: a marker arrives long before the frame is full.
    const start = performance.now();
    expect(() => decodeImage(jpegDeclaring(4000, 4000), 'short.jpg')).toThrow(
      /short\.jpg: corrupt or unsupported JPEG \(entropy-coded data ends early/,
    );
    expect(performance.now() - start).toBeLessThan(5000);
  });
});
