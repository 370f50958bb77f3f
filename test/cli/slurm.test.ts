// docs/cluster.md's Slurm job array, exactly as the docs print it (only the dataset and weights
// paths replaced, and --gres dropped: this cluster has no GPUs), submitted with sbatch --wait to
// a one-machine Slurm cluster started here: its shards merge to an unsharded embed.js run's
// features to the bit, and train.js --features trains the same head on either; then the docs'
// sweep array on those shards and its merge step (train.js --pick-best), run the same way.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSafetensors } from '../../src/weights/safetensors.js';
import { docsBlock } from '../support/docs.js';
import { type SlurmCluster, slurmMissing, startSlurm } from '../support/slurm.js';
import { TOOL_ENV } from '../support/tools.js';

const DATA = '../shared/datasets/alien-vs-predator';
const missing = slurmMissing() ?? (existsSync('dist/embed.js') && existsSync(DATA) ? null : 'no dist/ or dataset');

describe.skipIf(missing)('the docs Slurm job array on a Slurm cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slurm-test-'));
  // munged wants every folder above its socket open to all.
  chmodSync(dir, 0o755);
  let cluster: SlurmCluster | null = null;
  const work = join(dir, 'work');
  const data = join(dir, 'data');

  beforeAll(async () => {
    cluster = await startSlurm(join(dir, 'cluster'), TOOL_ENV);
    // 3 + 1 images per class: one per task of the docs' 8-task array.
    for (const [split, n] of [
      ['train', 3],
      ['validation', 1],
    ] as const)
      for (const c of ['alien', 'predator']) {
        mkdirSync(join(data, split, c), { recursive: true });
        for (let i = 0; i < n; i++) copyFileSync(join(DATA, split, c, `${i}.jpg`), join(data, split, c, `${i}.jpg`));
      }
    // The job runs from a folder with this checkout's dist/, as a user's would have.
    mkdirSync(work);
    symlinkSync(resolve('dist'), join(work, 'dist'));
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The jobs' outputs whose names start with `prefix`, for a failure's message. */
  const outputs = (prefix: string) =>
    readdirSync(dir)
      .filter((f) => f.startsWith(prefix))
      .map((f) => `--- ${f}\n${readFileSync(join(dir, f), 'utf8')}`)
      .join('\n');
  const node = (...args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8', env: TOOL_ENV });
  const tensors = (file: string) => parseSafetensors(new Uint8Array(readFileSync(file)), file).tensors;

  it('runs embed.sh with sbatch --wait: the unsharded features, trained alike; a lost shard refilled', () => {
    const docs = docsBlock('#!/bin/bash', '--job-name=embed-shards');
    expect(docs).toMatch(/^#SBATCH --array=0-7$/m);
    const script = join(dir, 'embed.sh');
    const text = docs
      .replaceAll('/data/alien-vs-predator', data)
      .replaceAll('weights/resnet50.safetensors', 'random:1')
      .replace(/^#SBATCH --gres=.*\n/m, '');
    writeFileSync(script, text);
    const submitted = cluster!.sbatch(['--wait', `--output=${join(dir, 'slurm-%A_%a.out')}`, script], work);
    expect(submitted.status, `${submitted.stderr}\n${outputs('slurm-')}\n${cluster!.logs()}`).toBe(0);
    expect(submitted.stdout).toMatch(/^Submitted batch job \d+/);

    const whole = join(dir, 'whole');
    const unsharded = node(
      'dist/embed.js',
      ...['--data', data, '--weights', 'random:1', '--quiet', '--features-out', join(whole, 'all.safetensors')],
    );
    expect(unsharded.status, unsharded.stderr).toBe(0);
    const shards = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => tensors(join(work, 'features', `${i}.safetensors`)));
    const all = tensors(join(whole, 'all.safetensors'));
    for (const name of ['features', 'labels', 'splits']) {
      const merged = Buffer.concat(shards.map((s) => Buffer.from(s.get(name)!.data.buffer)));
      expect(merged.equals(Buffer.from(all.get(name)!.data.buffer)), name).toBe(true);
    }

    // A partial set: the missing shard is named, and running its task again fills it, the same bytes.
    const third = join(work, 'features', '3.safetensors');
    const before = readFileSync(third);
    rmSync(third);
    const partial = node('dist/train.js', '--features', join(work, 'features'), '--out', join(dir, 'none'));
    expect(partial.status).toBe(2);
    expect(partial.stderr.trim()).toBe(`error: ${join(work, 'features')}: shard 3/8 missing`);
    const again = cluster!.sbatch(['--wait', '--array=3', `--output=${join(dir, 'again-%A_%a.out')}`, script], work);
    expect(again.status, `${again.stderr}\n${outputs('again-')}`).toBe(0);
    expect(readFileSync(third).equals(before)).toBe(true);

    // The head trained on the array's shards equals the one trained on the unsharded features.
    const heads = [join(work, 'features'), whole].map((features, i) => {
      const out = join(dir, `model-${i}`);
      const run = node('dist/train.js', '--features', features, '--epochs', '2', '--batch-size', '2', '--out', out);
      expect(run.status, run.stderr).toBe(0);
      return tensors(join(out, 'head.safetensors'));
    });
    expect([...heads[0].keys()].sort()).toEqual([...heads[1].keys()].sort());
    for (const [name, t] of heads[0])
      expect(Buffer.from(t.data.buffer).equals(Buffer.from(heads[1].get(name)!.data.buffer)), name).toBe(true);
  }, 600_000);

  it('runs the sweep as a job array on those shards, and the merge step keeps the best point', () => {
    const script = join(dir, 'sweep.sh');
    const docs = docsBlock('#!/bin/bash', '--job-name=sweep');
    expect(docs).toMatch(/^#SBATCH --array=0-2$/m);
    writeFileSync(script, docs);
    const swept = cluster!.sbatch(['--wait', `--output=${join(dir, 'sweep-%A_%a.out')}`, script], work);
    expect(swept.status, `${swept.stderr}\n${outputs('sweep-')}\n${cluster!.logs()}`).toBe(0);
    // The merge step's command as the docs give it to sbatch --wrap.
    const merge = /--wrap "([^"]+)"/.exec(docsBlock('sweep=$(sbatch --parsable sweep.sh)'))![1];
    expect(merge).toBe('node dist/train.js --pick-best sweep --out model');
    const merged = cluster!.sbatch(['--wait', `--output=${join(dir, 'merge.out')}`, '--wrap', merge], work);
    expect(merged.status, `${merged.stderr}\n${outputs('merge')}`).toBe(0);
    const printed = readFileSync(join(dir, 'merge.out'), 'utf8');
    const losses = [0, 1, 2].map((k) => {
      const json = JSON.parse(readFileSync(join(work, 'sweep', String(k), 'model.json'), 'utf8'));
      return json.history.at(-1).validation.loss as number;
    });
    const best = losses.indexOf(Math.min(...losses));
    expect(printed).toMatch(
      new RegExp(`^best: sweep/${best} \\(validation loss \\d\\.\\d{4}\\), saved to model$`, 'm'),
    );
    for (const k of [0, 1, 2]) expect(printed).toContain(`sweep/${k} `);
    const head = (folder: string) => readFileSync(join(work, folder, 'head.safetensors'));
    expect(head('model').equals(head(`sweep/${best}`))).toBe(true);
  }, 600_000);
});
