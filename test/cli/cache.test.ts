// The feature cache across train.js runs and sweeps on it: a second run with other head
// settings reads every feature from the cache and trains exactly as a run without the cache; a
// truncated cache file is ignored with a warning and rebuilt; comma-separated --lr and --hidden
// train one head per combination on the cached features, print a table and save the best; an
// f16 run keeps its features apart and records its precision.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskFeatureCache } from '../../src/train/feature-cache.node.js';
import { TOOL_ENV } from '../support/tools.js';

const DATA = '../shared/datasets/alien-vs-predator';
const ready = existsSync('dist/train.js') && existsSync(DATA);
const dir = mkdtempSync(join(tmpdir(), 'cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cache = join(dir, 'cache');
const common = ['--data', DATA, '--limit', '2', '--weights', 'random:3', '--recipe', 'frozen', '--augment', 'none'];
const train = (...args: string[]) =>
  spawnSync(process.execPath, ['dist/train.js', ...common, '--epochs', '2', ...args], {
    encoding: 'utf8',
    env: TOOL_ENV,
  });
const history = (file: string) =>
  JSON.parse(readFileSync(file, 'utf8')).map((r: { train: object; validation: object }) => [r.train, r.validation]);

describe('DiskFeatureCache', () => {
  it('keeps at most its size, dropping the least recently used features first', async () => {
    const store = new DiskFeatureCache(join(dir, 'small'), { maxBytes: 2 * (16 + 4 * 8) });
    const image = (v: number) => ({ width: 1, height: 1, data: Uint8Array.of(v, v, v) });
    const row = (v: number) => new Float32Array(8).fill(v);
    await store.put('id', [image(1), image(2)], [row(1), row(2)]);
    expect((await store.get('id', [image(1)], 8))[0]).toEqual(row(1)); // image 1 is now the recent one
    await new Promise((r) => setTimeout(r, 20));
    await store.put('id', [image(3)], [row(3)]);
    const kept = await store.get('id', [image(1), image(2), image(3)], 8);
    expect(kept.map((r) => r?.[0] ?? null)).toEqual([1, null, 3]);
  });
});

describe.skipIf(!ready)('the feature cache and sweeps', () => {
  it('a second run reads the cache and trains as a run without it; a damaged file is rebuilt', () => {
    const first = train('--cache', cache, '--out', join(dir, 'a'));
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/validation features: 4\/4 .* 0 from the feature cache/);
    const files = readdirSync(cache, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files).toHaveLength(8);
    const cached = train('--cache', cache, '--hidden', '16', '--out', join(dir, 'b'), '--json', join(dir, 'b.json'));
    expect(cached.status, cached.stderr).toBe(0);
    expect(cached.stderr).toMatch(/train features: 4\/4 .* 4 from the feature cache/);
    const fresh = train('--no-cache', '--hidden', '16', '--out', join(dir, 'c'), '--json', join(dir, 'c.json'));
    expect(fresh.status, fresh.stderr).toBe(0);
    expect(history(join(dir, 'b.json'))).toEqual(history(join(dir, 'c.json')));
    // A truncated file: a warning naming it, its features computed again and written back whole.
    const damaged = join(files[0].parentPath, files[0].name);
    const whole = readFileSync(damaged);
    writeFileSync(damaged, whole.subarray(0, 100));
    const again = train('--cache', cache, '--hidden', '16', '--out', join(dir, 'd'), '--json', join(dir, 'd.json'));
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain(`warning: feature cache ${damaged}: truncated (100 bytes); dropped and recomputed`);
    expect(readFileSync(damaged)).toEqual(whole);
    expect(history(join(dir, 'd.json'))).toEqual(history(join(dir, 'c.json')));
    // The pytorch recipe's validation features move with its running statistics: never cached.
    const moving = join(dir, 'moving');
    const pytorch = spawnSync(
      process.execPath,
      [
        'dist/train.js',
        '--data',
        DATA,
        '--limit',
        '1',
        '--weights',
        'random:3',
        '--augment',
        'none',
        '--epochs',
        '1',
        '--out',
        `${moving}-model`,
      ],
      { encoding: 'utf8', env: { ...TOOL_ENV, WEBGPU_TRANSFER_CACHE: moving } },
    );
    expect(pytorch.status, pytorch.stderr).toBe(0);
    expect(existsSync(moving)).toBe(false);
  }, 300_000);

  it('--precision f16: features cached apart from f32, the precision recorded; refused under pytorch', () => {
    const out = join(dir, 'half');
    const r = train('--cache', cache, '--precision', 'f16', '--hidden', '16', '--out', out, '--json', `${out}.json`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/train features: 4\/4 .* 0 from the feature cache/);
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')).training.precision).toBe('f16');
    // The same head on f16 features as on f32 ones (c.json): nearly the same losses, the same accuracies.
    const [half, full] = [history(`${out}.json`), history(join(dir, 'c.json'))];
    half.forEach(([train, validation]: { loss: number; acc: number }[], i: number) => {
      expect(train.loss).toBeCloseTo(full[i][0].loss, 3);
      expect(validation.loss).toBeCloseTo(full[i][1].loss, 3);
      expect([train.acc, validation.acc]).toEqual([full[i][0].acc, full[i][1].acc]);
    });
    const refused = spawnSync(
      process.execPath,
      ['dist/train.js', '--data', DATA, '--weights', 'random:3', '--precision', 'f16'],
      { encoding: 'utf8', env: TOOL_ENV },
    );
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim()).toBe(
      'error: --precision f16: precision f16 runs the inference-mode backbone, which the pytorch recipe does ' +
        'not train through (it uses batch statistics, in f32): train with the frozen recipe, or predict and ' +
        'embed at f16',
    );
  }, 300_000);

  it('sweeps --lr and --hidden on cached features: a table, JSON, and the best model saved', () => {
    const out = join(dir, 'sweep');
    const r = train('--cache', cache, '--lr', '1e-3,1e-2', '--hidden', '8,16', '--out', out, '--json', `${out}.json`);
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^ +0\.0/.test(l));
    expect(rows).toHaveLength(4);
    const results = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
    expect(results.map((p: { lr: number; hidden: number }) => [p.lr, p.hidden])).toEqual([
      [0.001, 8],
      [0.001, 16],
      [0.01, 8],
      [0.01, 16],
    ]);
    const best = results.reduce((a: { validation: { loss: number } }, b: { validation: { loss: number } }) =>
      b.validation.loss < a.validation.loss ? b : a,
    );
    const saved = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect([saved.training.lr, saved.head.hidden]).toEqual([best.lr, best.hidden]);
    expect(saved.history.at(-1).validation.loss).toBe(best.validation.loss);
    // The point with --hidden 16 and --lr 1e-3 is the run above: the same numbers.
    expect(results[1].validation).toEqual(
      history(join(dir, 'c.json'))[1][1] && {
        loss: history(join(dir, 'c.json'))[1][1].loss,
        acc: history(join(dir, 'c.json'))[1][1].acc,
      },
    );
    const refused = spawnSync(
      process.execPath,
      ['dist/train.js', '--data', DATA, '--weights', 'random:3', '--lr', '1e-3,1e-2'],
      { encoding: 'utf8', env: TOOL_ENV },
    );
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(
      /error: a sweep trains heads on cached backbone features: use --recipe frozen --augment none/,
    );
  }, 300_000);
});
