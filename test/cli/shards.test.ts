// Feature extraction in shards (embed.js --data --shard I/N --features-out): three shards run
// as parallel processes give, merged, the unsharded run's features to the bit; train.js
// --features trains a head on them; missing, duplicated or foreign shards are refused, and so
// are shards at two precisions.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { relativeError } from '../../src/reference/cpu.js';
import { parseSafetensors, serializeSafetensors } from '../../src/weights/safetensors.js';
import { TOOL_ENV } from '../support/tools.js';

const DATA = '../shared/datasets/alien-vs-predator';
const ready = existsSync('dist/embed.js') && existsSync(DATA);
const dir = mkdtempSync(join(tmpdir(), 'shards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const embedArgs = ['dist/embed.js', '--data', DATA, '--limit', '1', '--weights', 'random:4', '--quiet'];
const node = (...args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8', env: TOOL_ENV });

/** Runs a command to its end: its exit status and stderr. */
function run(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: TOOL_ENV });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

const features = (file: string) => parseSafetensors(new Uint8Array(readFileSync(file)), file);

describe.skipIf(!ready)('feature shards', () => {
  const shards = join(dir, 'shards');
  mkdirSync(shards);

  it('three parallel shards merge to the unsharded features to the bit; train.js --features trains', async () => {
    const whole = join(dir, 'whole.safetensors');
    const half = join(dir, 'half.safetensors');
    const runs = await Promise.all([
      run([...embedArgs, '--features-out', whole]),
      run([...embedArgs, '--precision', 'f16', '--features-out', half]),
      ...[0, 1, 2].map((i) =>
        run([...embedArgs, '--shard', `${i}/3`, '--features-out', join(shards, `${i}.safetensors`)]),
      ),
    ]);
    for (const r of runs) expect(r.status, r.stderr).toBe(0);
    const one = features(whole);
    const parts = [0, 1, 2].map((i) => features(join(shards, `${i}.safetensors`)));
    const merged = (name: string) => Buffer.concat(parts.map((p) => Buffer.from(p.tensors.get(name)!.data.buffer)));
    for (const name of ['features', 'labels', 'splits'])
      expect(merged(name).equals(Buffer.from(one.tensors.get(name)!.data.buffer)), name).toBe(true);
    expect(parts.map((p) => p.tensors.get('labels')!.shape[0])).toEqual([1, 1, 2]);
    expect(parts.flatMap((p) => JSON.parse(p.metadata.files))).toEqual(JSON.parse(one.metadata.files));
    // At f16 storage: recorded, and the features near f32's.
    const f16 = features(half);
    expect([one.metadata.precision, f16.metadata.precision]).toEqual(['f32', 'f16']);
    const rows = (s: typeof one) => s.tensors.get('features')!.data as Float32Array;
    expect(relativeError(rows(f16), rows(one))).toBeLessThanOrEqual(5e-3);

    const out = join(dir, 'model');
    const trained = node('dist/train.js', '--features', shards, '--epochs', '2', '--batch-size', '2', '--out', out);
    expect(trained.status, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(
      /features: .*: 4 images of .*: train 1 alien, 1 predator; validation 1 alien, 1 predator/,
    );
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(model.training).toMatchObject({ recipe: 'frozen', augment: 'none', data: shards });
    expect(model.backbone.sha256).toBe('synthetic:4');
    expect(model.history).toHaveLength(2);
  }, 300_000);

  it('refuses a missing, duplicated or foreign shard with one line and exit code 2', () => {
    const error = (r: { status: number | null; stderr: string }) => {
      expect(r.status, r.stderr).toBe(2);
      return r.stderr.trim().split('\n').at(-1)!;
    };
    const partial = join(dir, 'partial');
    mkdirSync(partial);
    copyFileSync(join(shards, '0.safetensors'), join(partial, '0.safetensors'));
    copyFileSync(join(shards, '2.safetensors'), join(partial, '2.safetensors'));
    expect(error(node('dist/train.js', '--features', partial))).toBe(`error: ${partial}: shard 1/3 missing`);
    copyFileSync(join(shards, '2.safetensors'), join(partial, 'copy.safetensors'));
    expect(error(node('dist/train.js', '--features', partial))).toBe(
      `error: ${join(partial, 'copy.safetensors')}: shard 2/3 again (also ${join(partial, '2.safetensors')})`,
    );
    // Shard 1 as if embedded at f16, beside shards 0 and 2 at f32.
    const mixed = join(dir, 'mixed');
    mkdirSync(mixed);
    for (const i of [0, 2]) copyFileSync(join(shards, `${i}.safetensors`), join(mixed, `${i}.safetensors`));
    const shard1 = features(join(shards, '1.safetensors'));
    const f16Shard = serializeSafetensors(shard1.tensors, { ...shard1.metadata, precision: 'f16' });
    writeFileSync(join(mixed, '1.safetensors'), f16Shard);
    expect(error(node('dist/train.js', '--features', mixed))).toBe(
      `error: ${join(mixed, '1.safetensors')}: features at f16, but ${join(mixed, '0.safetensors')}'s at f32`,
    );
    expect(error(node('dist/train.js', '--features', shards, '--weights', 'random:5'))).toMatch(
      /: features of backbone weights random:4 \(sha256 synthetic:4\.\.\.\), not of random:5$/,
    );
    // The merge step of a sweep array: folders of models, or a one-line refusal.
    const empty = join(dir, 'no-models');
    mkdirSync(empty);
    expect(error(node('dist/train.js', '--pick-best', empty))).toBe(
      `error: ${empty}: no saved models in its folders (DIR/*/model.json)`,
    );
    expect(error(node('dist/train.js', '--pick-best', empty, '--data', DATA))).toMatch(
      /--pick-best: not with --data, --features or --resume \(it trains nothing\)$/,
    );
    expect(error(node('dist/embed.js', '--data', DATA, '--shard', '3/3', '--features-out', 'x'))).toMatch(
      /--shard 3\/3: give I\/N with 0 <= I < N/,
    );
  }, 300_000);
});
