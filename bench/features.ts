// Training a head on feature shards larger than memory: writes ROWS synthetic feature rows
// (2048 floats each, 8 KB) over SHARDS shards as embed.js --features-out lays them out, then
// trains one epoch on them read batch by batch (train.js --features's path) in a process of
// its own, recording its peak RSS and rows/s; beside it, on a smaller set that fits in memory,
// the same epoch from the shards and from the features held in memory, each in its own process.
//   node dist/bench-features.js [options] (see --help)
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backbone } from '../src/api/backbone.js';
import { Classifier } from '../src/api/classifier.js';
import type { Values } from '../src/cli/args.js';
import { Gpu } from '../src/gpu/context.js';
import { syntheticBackbone } from '../src/model/backbone.js';
import { FEATURES_FORMAT, readFeatureShards } from '../src/train/shards.node.js';
import { safetensorsHeader } from '../src/weights/safetensors.js';
import { printTable, resultsHeader, runBench, writeJsonAtomic } from './util.js';

const FEATURES = 2048;
/** Rows written per write call: 8 MB. */
const CHUNK_ROWS = 1024;
/** Every tenth row is held out for validation. */
const VALIDATION_EVERY = 10;

const COMMAND = {
  command: 'node dist/bench-features.js',
  summary:
    'Peak RSS and rows/s of one head epoch on feature shards read batch by batch (train.js --features), on a ' +
    'set larger than memory allows, and beside the in-memory path on a set that fits.',
  options: {
    rows: { type: 'integer', min: 1, default: 500_000, description: 'feature rows of the large set' },
    'fit-rows': { type: 'integer', min: 1, default: 50_000, description: 'rows of the set that fits in memory' },
    shards: { type: 'integer', min: 1, default: 8, description: 'shards each set is written in' },
    'batch-size': { type: 'integer', min: 1, default: 32, description: 'rows per training step' },
    dir: { type: 'string', value: 'DIR', description: 'where the shards are written (default: a temporary folder)' },
    json: { type: 'string', value: 'FILE', description: 'write the results as JSON' },
  },
} as const;

/** The environment variable that makes this script one measured epoch (its value: 'shards' or 'memory'). */
const CHILD = 'BENCH_FEATURES_RUN';

/** Writes `rows` rows of seeded values over `shards` shards in `dir`, a few MB at a time. */
function writeShards(dir: string, rows: number, shards: number): void {
  mkdirSync(dir, { recursive: true });
  let state = 12345;
  const value = () => ((state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  for (let s = 0; s < shards; s++) {
    const start = Math.floor((s * rows) / shards);
    const n = Math.floor(((s + 1) * rows) / shards) - start;
    const files = Array.from({ length: n }, (_, i) => `${start + i}.jpg`);
    const labels = Int32Array.from(files, (_, i) => (start + i) % 2);
    const splits = Uint8Array.from(files, (_, i) => ((start + i) % VALIDATION_EVERY === 0 ? 1 : 0));
    const { header } = safetensorsHeader(
      [
        { name: 'features', dtype: 'float32', shape: [n, FEATURES] },
        { name: 'labels', dtype: 'int32', shape: [n] },
        { name: 'splits', dtype: 'uint8', shape: [n] },
      ],
      {
        format: FEATURES_FORMAT,
        shard: `${s}/${shards}`,
        start: String(start),
        total: String(rows),
        dataset: `bench-${rows}`,
        data: 'synthetic',
        classes: '["even","odd"]',
        files: JSON.stringify(files),
        architecture: 'resnet50',
        backbone: 'synthetic:1',
        weights: 'random:1',
        preprocessing: '{}',
        precision: 'f32',
      },
    );
    const fd = openSync(join(dir, `${s}.safetensors`), 'w');
    try {
      writeSync(fd, header);
      const chunk = new Float32Array(CHUNK_ROWS * FEATURES);
      for (let r = 0; r < n; r += CHUNK_ROWS) {
        const k = Math.min(CHUNK_ROWS, n - r);
        // Class 1's rows lean positive, so that the head has something to learn.
        for (let i = 0; i < k; i++)
          for (let j = 0; j < FEATURES; j++) chunk[i * FEATURES + j] = value() + (labels[r + i] ? 0.05 : -0.05);
        writeSync(fd, new Uint8Array(chunk.buffer, 0, k * FEATURES * 4));
      }
      writeSync(fd, new Uint8Array(labels.buffer));
      writeSync(fd, splits);
    } finally {
      closeSync(fd);
    }
  }
}

/** One measured epoch, in this process (a child): from the shards, or from the features read into memory first. */
async function epochChild(how: string, dir: string, batchSize: number): Promise<void> {
  const gpu = await Gpu.create({ log: false });
  const merged = readFeatureShards(dir);
  try {
    const inMemory = (rows: typeof merged.train.features) => {
      const out = new Float32Array(rows.count * rows.featureSize);
      const step = 4096;
      for (let s = 0; s < rows.count; s += step) {
        const n = Math.min(step, rows.count - s);
        rows.read(
          Array.from({ length: n }, (_, i) => s + i),
          out.subarray(s * rows.featureSize, (s + n) * rows.featureSize),
        );
      }
      return out;
    };
    const source = (part: typeof merged.train) =>
      how === 'memory' ? { features: inMemory(part.features), labels: part.labels } : part;
    const train = source(merged.train);
    const validation = source(merged.validation);
    const backbone = await Backbone.load(syntheticBackbone(1), { gpu });
    const classifier = Classifier.create(backbone, merged.classes, { recipe: 'frozen', augment: 'none', batchSize });
    const start = performance.now();
    await classifier.fitFeatures(train, { epochs: 1, validation });
    const seconds = (performance.now() - start) / 1000;
    const record = classifier.history[0];
    process.stdout.write(
      JSON.stringify({
        how,
        rows: merged.train.labels.length + merged.validation.labels.length,
        trainRows: merged.train.labels.length,
        seconds,
        trainRowsPerSecond: merged.train.labels.length / seconds,
        epochRecordImagesPerSecond: record.imagesPerSecond,
        validationAcc: record.validation?.acc ?? null,
        peakRssMiB: process.resourceUsage().maxRSS / 1024,
        adapter: resultsHeader(gpu, 'bench-features.js').adapter,
      }),
    );
    classifier.dispose();
    backbone.dispose();
  } finally {
    merged.close();
    gpu.destroy();
  }
}

type EpochResult = {
  how: string;
  rows: number;
  trainRows: number;
  seconds: number;
  trainRowsPerSecond: number;
  peakRssMiB: number;
  validationAcc: number | null;
  adapter: unknown;
};

function measuredEpoch(how: 'shards' | 'memory', dir: string, batchSize: number): EpochResult {
  const out = execFileSync(process.execPath, [process.argv[1], '--batch-size', String(batchSize), '--dir', dir], {
    env: { ...process.env, [CHILD]: how },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.toString()) as EpochResult;
}

async function main(v: Values<typeof COMMAND.options>): Promise<void> {
  const child = process.env[CHILD];
  if (child) return epochChild(child, v.dir!, v['batch-size']);
  const root = v.dir ?? mkdtempSync(join(tmpdir(), 'bench-features-'));
  try {
    const large = join(root, `rows-${v.rows}`);
    const small = join(root, `rows-${v['fit-rows']}`);
    let t = performance.now();
    writeShards(large, v.rows, v.shards);
    const writeSeconds = (performance.now() - t) / 1000;
    writeShards(small, v['fit-rows'], v.shards);
    process.stderr.write(`wrote ${v.rows} + ${v['fit-rows']} rows in ${writeSeconds.toFixed(1)} s (the large set)\n`);
    t = performance.now();
    const streamed = measuredEpoch('shards', large, v['batch-size']);
    const smallShards = measuredEpoch('shards', small, v['batch-size']);
    const smallMemory = measuredEpoch('memory', small, v['batch-size']);
    const row = (what: string, r: EpochResult) => [
      what,
      String(r.rows),
      r.trainRowsPerSecond.toFixed(0),
      r.peakRssMiB.toFixed(0),
      r.seconds.toFixed(1),
    ];
    printTable(
      ['set', 'rows', 'train rows/s', 'peak RSS MiB', 'epoch s'],
      [
        row('large, from shards', streamed),
        row('small, from shards', smallShards),
        row('small, in memory', smallMemory),
      ],
    );
    const ratio = smallShards.trainRowsPerSecond / smallMemory.trainRowsPerSecond;
    console.log(`shards / in memory, rows/s on the small set: ${ratio.toFixed(3)}`);
    if (v.json)
      writeJsonAtomic(v.json, {
        date: new Date().toISOString(),
        command: `node dist/bench-features.js ${process.argv.slice(2).join(' ')}`,
        features: FEATURES,
        shards: v.shards,
        batchSize: v['batch-size'],
        largeSetBytes: v.rows * FEATURES * 4,
        large: streamed,
        smallFromShards: smallShards,
        smallInMemory: smallMemory,
        shardsOverMemory: ratio,
      });
  } finally {
    if (!v.dir) rmSync(root, { recursive: true, force: true });
  }
}

runBench(COMMAND, main);
