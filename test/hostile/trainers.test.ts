// Real trainers: two started at once on one --out (one trains, the other stops at once with
// the lock error and the model stays loadable), and Ctrl-C saying which epoch the folder holds.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DATASET, tinyDataset as makeTinyDataset } from '../support/saved-model.js';
import { loadModel } from '../../src/train/model-files.node.js';
import { TOOL_ENV } from '../support/tools.js';

const ready = existsSync('dist/train.js') && existsSync(DATASET);
const root = mkdtempSync(join(tmpdir(), 'hostile-trainers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tinyDataset(): string {
  return makeTinyDataset(join(root, 'data'));
}

interface Run {
  child: ChildProcess;
  done: Promise<{ status: number | null; stdout: string; stderr: string }>;
}

function train(...args: string[]): Run {
  const child = spawn(process.execPath, ['dist/train.js', '--weights', 'random:1', '--batch-size', '4', ...args], {
    env: TOOL_ENV,
  });
  let stdout = '',
    stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (status) => resolve({ status, stdout, stderr })),
  );
  return { child, done };
}

describe.skipIf(!ready)('trainers', () => {
  it('two trainers on one --out: one writes the model, the other stops at once in one line', async () => {
    const data = tinyDataset();
    const out = join(root, 'shared-out');
    const [a, b] = await Promise.all([
      train('--data', data, '--epochs', '1', '--out', out).done,
      train('--data', data, '--epochs', '1', '--out', out).done,
    ]);
    const results = [a, b].sort((x, y) => (x.status ?? 0) - (y.status ?? 0));
    expect(results.map((r) => r.status)).toEqual([0, 2]);
    expect(results[1].stderr.trim().split('\n').at(-1)).toMatch(
      /: another process \(pid \d+, since .*\) is writing this model/,
    );
    expect(loadModel(out).json.history).toHaveLength(1);
    expect(readdirSync(out).sort()).toEqual(['head.safetensors', 'model.json']);
  }, 300_000);

  it('Ctrl-C says which epoch the folder holds and exits 130', async () => {
    const data = tinyDataset();
    const out = join(root, 'interrupted');
    const run = train('--data', data, '--epochs', '50', '--out', out);
    await new Promise<void>((resolve) => {
      const watch = (d: Buffer) => {
        // After the second epoch's validation line the first epoch is saved, whatever the timing.
        if (/epoch 2: validation/.test(d.toString())) {
          run.child.stdout!.off('data', watch);
          run.child.kill('SIGINT');
          resolve();
        }
      };
      run.child.stdout!.on('data', watch);
      run.child.on('close', () => resolve());
    });
    const r = await run.done;
    expect(r.status).toBe(130);
    expect(r.stderr).toMatch(new RegExp(`interrupted: ${out} holds epoch \\d+`));
    const kept = Number(/holds epoch (\d+)/.exec(r.stderr)![1]);
    expect(loadModel(out).json.history).toHaveLength(kept);
    expect(existsSync(join(out, 'model.lock'))).toBe(false);
  }, 300_000);
});
