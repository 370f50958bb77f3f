// One writer per model folder and what interrupted writers leave: a live writer's lock stops
// a second one with a clear error, a dead writer's lock is taken over (by exactly one of 200
// writers started at once), a save removes the staging files of interrupted saves and nothing
// else, a folder that is not one of our models is never written, outputs that name a model's
// own files are refused, a signal leaves the folder as it was, and bad output folders fail
// before any work.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { build } from 'esbuild';
import { wgslModule } from '../../tools/wgsl-include.mjs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { writeFileAtomic } from '../../src/files.node.js';
import { loadModel } from '../../src/train/model-files.node.js';
import { DATASET, saveTestModel, tinyDataset } from '../support/saved-model.js';
import { TOOL_ENV } from '../support/tools.js';

const root = mkdtempSync(join(tmpdir(), 'hostile-writers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const shape = { features: 2048, hidden: 8, classes: 2 };
let count = 0;
const save = (dir: string, seed = 1) => saveTestModel(dir, shape, seed);
const fresh = () => join(root, `m${count++}`);
const lockOf = (pid: number) =>
  JSON.stringify({ tool: 'webgpu-transfer', pid, start: null, host: hostname(), since: '2026-01-01T00:00:00Z' });
/** A pid no process has: past the kernel's pid_max. */
const DEAD_PID = 2 ** 22 + 12345;
const node = (...args: string[]) =>
  spawnSync(process.execPath, args, {
    encoding: 'utf8',
    env: TOOL_ENV,
  });

describe('one writer per model folder', () => {
  it('a live writer holding the lock stops a second one, naming it; the model stays as it was', () => {
    const dir = fresh();
    save(dir);
    const before = readFileSync(join(dir, 'model.json'), 'utf8');
    // A lock held by a live process on this host: this test's own.
    writeFileSync(join(dir, 'model.lock'), lockOf(process.pid));
    expect(() => save(dir, 2)).toThrow(`${dir}: another process (pid ${process.pid}`);
    expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe(before);
    rmSync(join(dir, 'model.lock'));
  });

  it('takes over a lock whose writer is gone, and releases it after the save', () => {
    const dir = fresh();
    save(dir);
    writeFileSync(join(dir, 'model.lock'), lockOf(DEAD_PID));
    save(dir, 2);
    expect(existsSync(join(dir, 'model.lock'))).toBe(false);
    expect(loadModel(dir).adam?.step).toBe(2);
  });

  it('200 writers started at once over a stale lock: one holds it at a time, and no one takes it held', async () => {
    const dir = fresh();
    save(dir);
    writeFileSync(join(dir, 'model.lock'), lockOf(DEAD_PID));
    const child = join(root, 'lock-child.mjs');
    await build({
      entryPoints: ['test/hostile/lock-child.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: child,
      // The lock's module reaches the kernels' shaders through the model format.
      plugins: [
        {
          name: 'wgsl-include',
          setup: (b) => b.onLoad({ filter: /\.wgsl$/ }, (a) => ({ contents: wgslModule(a.path), loader: 'js' })),
        },
      ],
      logLevel: 'error',
    });
    const log = join(root, 'lock.log');
    const outcomes = await Promise.all(
      Array.from(
        { length: 200 },
        () =>
          new Promise<string>((resolve) => {
            const p = spawn(process.execPath, [child, dir, log], { stdio: ['ignore', 'pipe', 'inherit'] });
            let out = '';
            p.stdout.on('data', (d: Buffer) => (out += d.toString()));
            p.on('close', () => resolve(out.trim()));
          }),
      ),
    );
    const took = outcomes.filter((o) => o === 'took').length;
    const refused = outcomes.filter((o) => /^refused: .*another process \(pid \d+/.test(o)).length;
    expect(took).toBeGreaterThanOrEqual(1);
    expect(took + refused).toBe(200);
    // Every turn is whole: enter, the same writer's work, exit, with no one else between.
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines.length).toBe(12 * took);
    for (let i = 0; i < lines.length; i += 12) {
      const pid = lines[i].split(' ')[1];
      expect(lines.slice(i, i + 12)).toEqual([`enter ${pid}`, ...Array(10).fill(`work ${pid}`), `exit ${pid}`]);
    }
    expect(readdirSync(dir).sort()).toEqual(['head.safetensors', 'model.json']);
  }, 120_000);

  it('train.js refuses a folder another trainer writes, before any work, in one line', () => {
    const dir = fresh();
    save(dir);
    writeFileSync(join(dir, 'model.lock'), lockOf(process.pid));
    const r = node('dist/train.js', '--data', 'nowhere', '--weights', 'random:1', '--out', dir);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /^error: .*: another process \(pid \d+, since .*\) is writing this model/,
    );
    rmSync(join(dir, 'model.lock'));
  });
});

describe('what interrupted saves leave', () => {
  it('the next save removes staging files', () => {
    const dir = fresh();
    save(dir);
    const left = [
      `head.safetensors.${DEAD_PID}-0badf00d.new`,
      `model.json.${DEAD_PID}-0badf00d.tmp`,
      `model.lock.${DEAD_PID}-0badf00d.tmp`,
      'head.safetensors.new',
    ];
    for (const f of left) {
      writeFileSync(join(dir, f), 'partial');
    }
    save(dir, 2);
    expect(readdirSync(dir).sort()).toEqual(['head.safetensors', 'model.json']);
  });

  it('a save never touches what it did not write: a folder holding anything else is refused, as it was', () => {
    for (const foreign of ['draft.1.tmp', 'results.2024.new', 'photo.jpg', 'model.json']) {
      const dir = fresh();
      mkdirSync(dir);
      // Another tool's model.json, or our model beside a file of someone else's.
      if (foreign === 'model.json')
        writeFileSync(join(dir, 'model.json'), '{"format": "layers-model", "modelTopology": {}}');
      else {
        save(dir);
        writeFileSync(join(dir, foreign), 'keep me');
      }
      const before = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
      expect(() => save(dir, 2)).toThrow(`${dir}: not a model folder (it holds ${foreign})`);
      expect(Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]))).toEqual(before);
    }
  });

  it('train.js --out on a folder that is not a model is refused before any work, naming the first foreign file', () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.json'), '{"format": "layers-model"}');
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const r = node('dist/train.js', '--data', 'nowhere', '--weights', 'random:1', '--out', dir);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      `error: ${dir}: not a model folder (it holds model.json); ` +
        'give --out an empty or new folder, or one of our models',
    );
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'notes.txt']);
  });

  it("outputs that name the model's own files are refused before any work", () => {
    const dir = fresh();
    save(dir);
    const before = readFileSync(join(dir, 'model.json'));
    const predict = node('dist/predict.js', '--model', dir, '--json', join(dir, 'model.json'), 'nothing.jpg');
    expect(predict.status).toBe(2);
    expect(predict.stderr.trim().split('\n').at(-1)).toBe(
      `error: ${join(dir, 'model.json')}: is model.json of the model ${dir}; ` +
        'writing it would break the model (write elsewhere)',
    );
    const exp = node('dist/export.js', '--model', dir, '--onnx', join(dir, 'head.safetensors'));
    expect(exp.status).toBe(2);
    expect(exp.stderr).toMatch(/head\.safetensors: is head\.safetensors of the model .*; writing it would break/);
    expect(readFileSync(join(dir, 'model.json'))).toEqual(before);
    expect(loadModel(dir).adam?.step).toBe(1);
    // An output into a folder that is not there: refused before any image is read.
    const grid = join(root, 'no-such-folder', 'grid.png');
    const missing = node('dist/predict.js', '--model', dir, '--grid', grid, 'test/fixtures/jpeg/baseline-420.jpg');
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split('\n').at(-1)).toBe(`error: ${grid}: cannot write (no such file)`);
    expect(missing.stderr).not.toMatch(/predict/);
  });

  it("a killed writer's temp file is swept by the next write of that file; a live writer's is not", () => {
    const out = join(root, 'exports');
    mkdirSync(out);
    const dead = join(out, `m.onnx.${DEAD_PID}-deadbeef.tmp`);
    const live = join(out, `m.onnx.${process.pid}-0badf00d.tmp`);
    const other = join(out, `other.onnx.${DEAD_PID}-deadbeef.tmp`);
    for (const f of [dead, live, other]) writeFileSync(f, 'partial');
    writeFileAtomic(join(out, 'm.onnx'), 'model');
    expect(readdirSync(out).sort()).toEqual([
      'm.onnx',
      `m.onnx.${process.pid}-0badf00d.tmp`,
      `other.onnx.${DEAD_PID}-deadbeef.tmp`,
    ]);
  });

  it('a save stopped after model.json loads from its staged head without writing anything', () => {
    const dir = fresh();
    save(dir);
    const oldHead = readFileSync(join(dir, 'head.safetensors'));
    save(dir, 2);
    // As if the final rename never happened: the new head still staged, the old one in place.
    renameSync(join(dir, 'head.safetensors'), join(dir, 'head.safetensors.77-feedbeef.new'));
    writeFileSync(join(dir, 'head.safetensors'), oldHead);
    const listing = readdirSync(dir).sort();
    expect(loadModel(dir).adam?.step).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(listing);
  });
});

describe('signals', () => {
  it.skipIf(!existsSync(DATASET))(
    'SIGTERM during the first epoch leaves no folder and no lock; during a later one, the last whole epoch',
    async () => {
      const data = tinyDataset(join(root, 'signal-data'));
      const run = (out: string, epochs: number, killAt: string) =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const p = spawn(
            process.execPath,
            [
              'dist/train.js',
              '--data',
              data,
              '--weights',
              'random:1',
              '--batch-size',
              '2',
              '--epochs',
              String(epochs),
              '--out',
              out,
            ],
            { env: TOOL_ENV, stdio: ['ignore', 'pipe', 'pipe'] },
          );
          let stdout = '',
            stderr = '';
          p.stdout.on('data', (d: Buffer) => {
            stdout += d.toString();
            if (stdout.includes(killAt) && p.signalCode === null) p.kill('SIGTERM');
          });
          p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          p.on('close', (code) => resolve({ code, stderr }));
        });
      const first = fresh();
      const r1 = await run(first, 2, 'Epoch 1/');
      expect(r1.code).toBe(143);
      expect(r1.stderr.trim().split('\n').at(-1)).toBe(`interrupted: ${first} holds no model`);
      expect(existsSync(first)).toBe(false);
      const second = fresh();
      const r2 = await run(second, 3, 'Epoch 2/');
      expect(r2.code).toBe(143);
      expect(r2.stderr.trim().split('\n').at(-1)).toBe(`interrupted: ${second} holds epoch 1`);
      expect(readdirSync(second).sort()).toEqual(['head.safetensors', 'model.json']);
      expect(loadModel(second).json.history.length).toBe(1);
    },
    300_000,
  );
});

describe('output folders are checked before any work', () => {
  it('--out naming a file fails at once in one line', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    const r = node('dist/train.js', '--data', 'nowhere', '--weights', 'random:1', '--out', file);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(`error: ${file}: is a file, not a folder`);
  });

  it('--hidden on --resume is refused unless it matches the saved head', () => {
    const dir = fresh();
    save(dir);
    const r = node('dist/train.js', '--data', 'nowhere', '--resume', dir, '--hidden', '64');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toBe(
      "error: --hidden 64: the resumed model's head has 8 hidden units; --hidden applies to new models only",
    );
  });
});
