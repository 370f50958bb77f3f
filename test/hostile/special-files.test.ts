// Paths that are not regular files, where a regular file is read: a FIFO (whose read would
// wait forever for a writer), a device such as /dev/zero (whose read never ends), a folder,
// and links to them. Each is refused in one line naming it and what it is; in the feature
// cache, such an entry (or one holding values that are not finite) is dropped and recomputed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBytes } from '../../src/files.node.js';
import type { RgbImage } from '../../src/image/format.js';
import { DiskFeatureCache } from '../../src/train/feature-cache.node.js';
import { saveTestModel } from '../support/saved-model.js';
import { runTool } from '../support/tools.js';

const root = mkdtempSync(join(tmpdir(), 'hostile-special-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fifo = join(root, 'pipe');
execFileSync('mkfifo', [fifo]);
symlinkSync('/dev/zero', join(root, 'zero-link'));
const lastLine = (r: { stderr: string }) => r.stderr.trim().split('\n').at(-1);

describe('special files where a file is read', () => {
  it('readBytes refuses FIFOs, devices, folders and links to them, and files past its limit', () => {
    const cases: [string, string][] = [
      [fifo, 'a FIFO'],
      ['/dev/zero', 'a device'],
      [join(root, 'zero-link'), 'a device'],
      [root, 'a folder'],
    ];
    for (const [path, what] of cases)
      expect(() => readBytes(path, Error)).toThrow(`${path}: ${what}, not a file to read`);
    writeFileSync(join(root, 'big'), new Uint8Array(100));
    expect(() => readBytes(join(root, 'big'), Error, 99)).toThrow(`${join(root, 'big')}: 100 bytes, over the 99`);
  });

  it('a FIFO or /dev/zero as the weights ends in one line, exit 2', () => {
    for (const [weights, what] of [
      [fifo, 'a FIFO'],
      ['/dev/zero', 'a device'],
    ]) {
      const r = runTool('embed', '--weights', weights, 'test/fixtures/jpeg/baseline-420.jpg');
      expect(r.status).toBe(2);
      expect(lastLine(r)).toBe(`error: ${weights}: ${what}, not a file to read`);
    }
  });

  it('a FIFO named as an image is called a FIFO, not missing', () => {
    const model = join(root, 'model');
    saveTestModel(model, { features: 2048, hidden: 8, classes: 2 });
    const r = runTool('predict', '--model', model, fifo);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`error: ${fifo}: a FIFO`);
    expect(r.stderr).not.toContain('no such file or folder');
  });

  it('the feature cache drops links to devices, FIFOs, folders and NaN entries; they are rewritten', async () => {
    const dir = join(root, 'cache');
    const warnings: string[] = [];
    const cache = new DiskFeatureCache(dir, { maxBytes: 2 ** 30, warn: (line) => warnings.push(line) });
    const image = (v: number): RgbImage => ({ width: 2, height: 1, data: new Uint8Array(6).fill(v) });
    const images = [1, 2, 3, 4, 5].map(image);
    const F = 8;
    const rows = images.map((_, i) => new Float32Array(F).fill(i + 0.5));
    await cache.put('id', images, rows);
    expect((await cache.get('id', images, F)).map((r) => r && r[0])).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
    // Replace each entry with something hostile.
    const entries = readdirSync(dir).flatMap((sub) => readdirSync(join(dir, sub)).map((f) => join(dir, sub, f)));
    const byValue = new Map<number, string>();
    for (const e of entries) byValue.set(new Float32Array(readBytes(e, Error).buffer.slice(16))[0], e);
    const at = (i: number) => byValue.get(i + 0.5)!;
    rmSync(at(0));
    symlinkSync('/dev/zero', at(0));
    rmSync(at(1));
    execFileSync('mkfifo', [at(1)]);
    rmSync(at(2));
    mkdirSync(at(2));
    const nan = readBytes(at(3), Error);
    new DataView(nan.buffer).setFloat32(16 + 4 * 5, NaN, true);
    writeFileSync(at(3), nan);
    const got = await cache.get('id', images, F);
    expect(got.map((r) => r && r[0])).toEqual([null, null, null, null, 4.5]);
    expect(warnings).toHaveLength(4);
    for (const w of warnings) expect(w).toMatch(/^warning: feature cache \S+: .+; dropped and recomputed$/);
    expect(warnings.join('\n')).toMatch(/a device/);
    expect(warnings.join('\n')).toMatch(/a FIFO/);
    expect(warnings.join('\n')).toMatch(/a folder/);
    expect(warnings.join('\n')).toMatch(/not finite/);
    // The next write replaces them, and they read back.
    await cache.put('id', images.slice(0, 4), rows.slice(0, 4));
    expect((await cache.get('id', images, F)).map((r) => r && r[0])).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
  });

  it('a feature cache under a regular file fails at once, in one line', () => {
    writeFileSync(join(root, 'plain'), 'x');
    expect(() => new DiskFeatureCache(join(root, 'plain', 'cache'), { maxBytes: 1 })).toThrow(
      `${join(root, 'plain', 'cache')}: cannot keep the feature cache here (it, or a folder above it, is a file)`,
    );
  });
});
