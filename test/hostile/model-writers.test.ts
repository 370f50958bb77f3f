// One writer per model folder and what interrupted writers leave: a live writer's lock stops
// a second one with a clear error, a dead writer's lock is taken over, a save removes the
// staging files of interrupted saves, a model whose save stopped after its commit point loads
// without writing anything, and bad output folders fail before any work.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { loadModel } from '../../src/train/model-files.node.js';
import { saveTestModel } from '../saved-model.js';
import { TOOL_ENV } from '../tools.js';

const root = mkdtempSync(join(tmpdir(), 'hostile-writers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const shape = { features: 2048, hidden: 8, classes: 2 };
let count = 0;
const save = (dir: string, seed = 1) => saveTestModel(dir, shape, seed);
const fresh = () => join(root, `m${count++}`);
const lockOf = (pid: number) => JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00Z' });
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
    writeFileSync(join(dir, 'model.lock'), lockOf(2 ** 22 + 12345));
    save(dir, 2);
    expect(existsSync(join(dir, 'model.lock'))).toBe(false);
    expect(loadModel(dir).adam?.step).toBe(2);
  });

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
      'head.safetensors.4242-0badf00d.new',
      'model.json.4242-0badf00d.tmp',
      'head.safetensors.new',
      'model.json.17.tmp',
    ];
    for (const f of left) {
      writeFileSync(join(dir, f), 'partial');
    }
    save(dir, 2);
    expect(readdirSync(dir).sort()).toEqual(['head.safetensors', 'model.json']);
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
