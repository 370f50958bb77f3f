// Small inputs that would take gigabytes or never end, each refused from what it declares, in
// one line naming the file and the limit, within 512 MB of memory and 30 s (a child process's
// own peak, measured by test/hostile/rss.mjs): Keras files (a weight declared huge and never
// written, a layer listed 500 times, a chunk B-tree whose nodes name each other twice, a chunk
// whose deflate stream inflates to 256 MiB; tools/make-hostile-h5.py), a GIF whose frame is far
// larger than its screen, an interlaced PNG whose data inflates far past its size, and a
// progressive JPEG of 2000 scans.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { TOOL_ENV } from '../support/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'hostile-bombs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LIMIT_KIB = 512 * 1024;
const LIMIT_MS = 30_000;

/** A tool run under rss.mjs: its status, last error line, peak memory and time. */
function run(...args: string[]) {
  const start = performance.now();
  const r = spawnSync(process.execPath, ['test/hostile/rss.mjs', ...args], { encoding: 'utf8', env: TOOL_ENV });
  const ms = performance.now() - start;
  const lines = r.stderr.trim().split('\n');
  const rss = Number(/peak-rss-kib (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return { status: r.status, error: lines.find((l) => l.startsWith('error: ')) ?? '', rss, ms };
}

function expectRefused(r: ReturnType<typeof run>, message: RegExp) {
  expect(r.status).toBe(2);
  expect(r.error).toMatch(message);
  expect(r.rss, `peak RSS ${r.rss} KiB`).toBeLessThan(LIMIT_KIB);
  expect(r.ms).toBeLessThan(LIMIT_MS);
}

describe('small inputs that would take gigabytes or never end', () => {
  for (const [file, message] of [
    ['unwritten.h5', /unwritten\.h5: its weights declare more than \d+ values, more than any model here has/],
    ['repeated-layers.h5', /repeated-layers\.h5: layer 'conv1' is listed twice in layer_names/],
    ['btree-chain.h5', /btree-chain\.h5: layer 'conv1': .* cannot be read \(the chunk B-tree names node \d+ twice\)/],
    ['gzip-bomb.h5', /gzip-bomb\.h5: .*a compressed chunk inflates past its 20 bytes/],
  ] as const) {
    it(`a Keras file: ${file}`, () => {
      const path = join('test/fixtures/hostile', file);
      expectRefused(run('dist/convert-weights.js', path, join(dir, `${file}.safetensors`)), message);
    });
  }

  it('a GIF: a 1x1 screen with a 60000x60000 frame', () => {
    const gif = new Uint8Array([
      ...new TextEncoder().encode('GIF89a'),
      1,
      0,
      1,
      0,
      0,
      0,
      0, // screen 1x1, no global colour table
      0x2c,
      0,
      0,
      0,
      0,
      0x60,
      0xea,
      0x60,
      0xea,
      0x80, // image at 0,0 of 60000x60000, local table of 2
      0,
      0,
      0,
      255,
      255,
      255,
      2,
      2,
      0x4c,
      0x01,
      0, // LZW minimum code size 2, one sub-block
      0x3b,
    ]);
    writeFileSync(join(dir, 'frame.gif'), gif);
    expectRefused(
      run('dist/embed.js', '--weights', 'random:1', join(dir, 'frame.gif')),
      /frame\.gif: its first frame: 60000x60000 is 3600 megapixels, over the limit of 100 megapixels/,
    );
  });

  it('a PNG: 1x1, interlaced, whose image data inflates to 64 MiB', () => {
    const chunk = (type: string, data: Uint8Array) => {
      const body = new Uint8Array([...new TextEncoder().encode(type), ...data]);
      const out = new Uint8Array(12 + data.length);
      const view = new DataView(out.buffer);
      view.setUint32(0, data.length);
      out.set(body, 4);
      view.setUint32(8 + data.length, crc32(body));
      return out;
    };
    const ihdr = new Uint8Array(13);
    new DataView(ihdr.buffer).setUint32(0, 1);
    new DataView(ihdr.buffer).setUint32(4, 1);
    ihdr.set([8, 2, 0, 0, 1], 8); // 8-bit RGB, interlaced
    const idat = deflateSync(new Uint8Array(64 * 2 ** 20), { level: 9 });
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', idat),
      chunk('IEND', new Uint8Array(0)),
    ]);
    expect(png.length).toBeLessThan(128 * 1024);
    writeFileSync(join(dir, 'bomb.png'), png);
    expectRefused(
      run('dist/embed.js', '--weights', 'random:1', join(dir, 'bomb.png')),
      /bomb\.png: corrupt or unsupported PNG \(its image data inflates past the 4 bytes a 1x1 image needs\)/,
    );
  });

  it('a progressive JPEG of 2000 scans', () => {
    const jpeg = new Uint8Array(readFileSync('test/fixtures/jpeg/progressive-420.jpg'));
    // Its last scan (an AC refinement), repeated: the segments from the last SOS to EOI.
    let last = -1;
    for (let i = 0; i + 1 < jpeg.length; i++) if (jpeg[i] === 0xff && jpeg[i + 1] === 0xda) last = i;
    const scan = jpeg.subarray(last, jpeg.length - 2);
    const parts = [jpeg.subarray(0, jpeg.length - 2), ...Array(2000).fill(scan), new Uint8Array([0xff, 0xd9])];
    writeFileSync(join(dir, 'scans.jpg'), Buffer.concat(parts));
    expectRefused(
      run('dist/embed.js', '--weights', 'random:1', join(dir, 'scans.jpg')),
      /scans\.jpg: corrupt or unsupported JPEG \(more than 100 scans/,
    );
  });
});
