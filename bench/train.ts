// Training throughput and the article's full run, ours beside the article's PyTorch recipe
// (Debian's PyTorch on the same machine, --threads threads) as the peer, in the same run.
//   node dist/bench-train.js [--data ../shared/datasets/alien-vs-predator] [--weights FILE|random:SEED]
//     [--steps N] [--epochs 3] [--threads 2] [--no-full] [--no-peer] [--json FILE]
// step: images/s of one training step of batch 32 (augmented resize + forward + head backward + Adam).
// full: wall time of --epochs epochs over all images with --augment full, decoding included.
import { spawnSync } from 'node:child_process';
import { Head, initHead } from '../src/autograd/head.js';
import { randomAffine, seededRandom } from '../src/data/augment.js';
import { decodeAll } from '../src/data/decode-all.js';
import { readImageFolders } from '../src/data/folders.js';
import { Gpu } from '../src/gpu/context.js';
import { loadBackbone } from '../src/model/backbone.js';
import { readBackboneWeights } from '../src/model/load.js';
import { backboneFeatures } from '../src/train/features.js';
import { train } from '../src/train/trainer.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './measure.js';
import { type Args, runBench, printTable, resultsHeader, writeJsonAtomic } from './util.js';

interface PeerResult { threads: number; step: { batch: number; seconds: number; imagesPerSecond: number }; full?: { epochs: number; seconds: number } }

function runPeer(data: string, epochs: number, threads: number, steps: number, full: boolean): PeerResult | string {
  const r = spawnSync('/usr/bin/python3', ['tools/pytorch-train-peer.py', data, '--epochs', String(epochs), '--threads', String(threads), '--steps', String(steps), ...(full ? [] : ['--no-full'])], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.error || r.status !== 0) return `PyTorch peer failed: ${(r.error?.message ?? r.stderr.trim().split('\n').pop()) || `exit ${r.status}`}`;
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function main(args: Args): Promise<void> {
  const data = args.options.data ?? '../shared/datasets/alien-vs-predator';
  const weightsArg = args.options.weights ?? 'random:1';
  const epochs = Number(args.options.epochs ?? 3);
  const steps = Number(args.options.steps ?? 3);
  const threads = Number(args.options.threads ?? 2);
  const full = !args.flags.has('no-full');
  const dataset = readImageFolders(data);
  const weights = readBackboneWeights(weightsArg);
  const gpu = await Gpu.create();
  try {
    // Training step at batch 32.
    const batch = dataset.splits.train.slice(0, 32);
    const { images } = await decodeAll(batch.map((s) => s.file), { skipBad: false });
    const model = loadBackbone(gpu, weights);
    const head = new Head(gpu, { features: 2048, hidden: 128, classes: dataset.classes.length }, initHead({ features: 2048, hidden: 128, classes: dataset.classes.length }, 0));
    const labels = Uint32Array.from(batch, (s) => s.label);
    const random = seededRandom(1);
    const step = async () => {
      const features = await backboneFeatures(gpu, model, images.map((i) => i!), batch.map(() => randomAffine('full', random)), 'constant');
      const y = gpu.upload(labels, [labels.length]);
      const { loss, logits } = await head.trainStep(features, y);
      await loss.read();
      for (const t of [features, y, loss, logits]) t.release();
    };
    await step();
    const times: number[] = [];
    for (let i = 0; i < steps; i++) times.push((await gpu.measure(step)).wallMs);
    head.destroy();
    model.destroy();
    const stepMs = median(times);
    process.stderr.write(`step done: ${stepMs.toFixed(0)} ms\n`);

    let fullSeconds: number | null = null;
    if (full) {
      const out = mkdtempSync(join(tmpdir(), 'bench-train-'));
      const start = performance.now();
      await train(gpu, weights, dataset, {
        data, epochs, batchSize: 32, lr: 1e-3, hidden: 128, augment: 'full', fill: 'constant', seed: 0, limit: null, out, skipBadImages: false, resume: null,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      fullSeconds = (performance.now() - start) / 1000;
      rmSync(out, { recursive: true, force: true });
    }
    const peer = args.flags.has('no-peer') ? 'skipped (--no-peer)' : runPeer(data, epochs, threads, steps, full);
    const p = typeof peer === 'string' ? null : peer;
    const ours = { step: { batch: 32, ms: stepMs, imagesPerSecond: 32000 / stepMs }, full: fullSeconds === null ? null : { epochs, seconds: fullSeconds } };
    const peerName = `pytorch ${threads} threads (article recipe)`;
    const rows = [
      ['training step, batch 32 (images/s)', ours.step.imagesPerSecond.toFixed(2), p ? p.step.imagesPerSecond.toFixed(2) : '-', p ? `${(ours.step.imagesPerSecond / p.step.imagesPerSecond).toFixed(2)}x` : '-'],
      [`full run, ${epochs} epochs (s)`, fullSeconds === null ? '-' : fullSeconds.toFixed(0), p?.full ? p.full.seconds.toFixed(0) : '-', fullSeconds !== null && p?.full ? `${(p.full.seconds / fullSeconds).toFixed(2)}x` : '-'],
    ];
    printTable(['measure', '', 'ours', peerName, 'ratio'].filter((_, i) => i !== 1), rows);
    if (typeof peer === 'string') console.log(peer);
    if (args.options.json) {
      writeJsonAtomic(args.options.json, {
        ...resultsHeader(gpu, 'bench-train.js'),
        data, images: { train: dataset.splits.train.length, validation: dataset.splits.validation.length }, weights: weightsArg,
        ours,
        peer: p ? { name: peerName, step: p.step, full: p.full ?? null } : { name: peerName, error: peer },
        ratios: {
          step: p ? ours.step.imagesPerSecond / p.step.imagesPerSecond : null,
          full: fullSeconds !== null && p?.full ? p.full.seconds / fullSeconds : null,
        },
        articleKerasSeconds: 1426,
      });
    }
  } finally {
    gpu.destroy();
  }
}

runBench(main, ['data', 'weights', 'epochs', 'steps', 'threads', 'json'], ['no-full', 'no-peer']);
