// node dist/embed.js end to end: JSON output per image (a JPEG and a PNG named .jpg), and
// bad input failing with one line, exit code 2 and no output file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOOL_ENV } from '../support/tools.js';

const DATA = '../shared/datasets/alien-vs-predator/validation';
const ready = existsSync('dist/embed.js') && existsSync(DATA);
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['dist/embed.js', ...args], {
    encoding: 'utf8',
    env: TOOL_ENV,
  });

describe.skipIf(!ready)('node dist/embed.js', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embed-'));

  it('writes features and logits per image', () => {
    const out = join(dir, 'out.json');
    const images = [`${DATA}/alien/0.jpg`, `${DATA}/alien/18.jpg`];
    const r = run('--weights', 'random:3', '--logits', '--json', out, ...images);
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.images.map((i: { file: string }) => i.file)).toEqual(images);
    for (const image of json.images) {
      expect(image.features).toHaveLength(2048);
      expect(image.logits).toHaveLength(1000);
      expect(image.features.every(Number.isFinite) && image.logits.every(Number.isFinite)).toBe(true);
      expect(Math.min(...image.features)).toBeGreaterThanOrEqual(0); // pooled after ReLU
    }
    expect(json.images[0].features).not.toEqual(json.images[1].features);
  }, 300_000);

  it('refuses bad input with one line and exit code 2, writing nothing', () => {
    for (const args of [
      ['README.md'],
      [`${DATA}/alien/missing.jpg`],
      ['--weights', join(dir, 'none.safetensors'), `${DATA}/alien/0.jpg`],
      ['--bogus', 'x'],
    ]) {
      const r = run(...args, '--json', join(dir, 'bad.json'));
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^error: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(readdirSync(dir)).toEqual(['out.json']);
  }, 120_000);
});
