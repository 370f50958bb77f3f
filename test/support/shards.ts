// Feature shards as embed.js --features-out writes them, made by the tests: any number of
// shards, each with its own images, widths, values and metadata (to make lying ones too).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEATURES_FORMAT } from '../../src/train/shards.node.js';
import { serializeSafetensors } from '../../src/weights/safetensors.js';

const root = mkdtempSync(join(tmpdir(), 'shards-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
let sets = 0;

export interface ShardSpec {
  index: number;
  files: string[];
  width?: number;
  rows?: number;
  /** Every feature value (default 0.5), or a source of values. */
  values?: number | (() => number);
  metadata?: Record<string, string | undefined>;
  drop?: string;
}

/** A set of shards in a new folder, each as embed.js writes it unless the spec says otherwise. */
export function shardSet(specs: ShardSpec[]): string {
  const dir = join(root, `set${sets++}`);
  mkdirSync(dir);
  const total = specs.reduce((n, s) => n + s.files.length, 0);
  for (const s of specs) {
    const n = s.files.length;
    const width = s.width ?? 4;
    const rows = s.rows ?? n;
    const tensors = new Map([
      [
        'features',
        {
          dtype: 'float32' as const,
          shape: [rows, width],
          data: Float32Array.from(
            { length: rows * width },
            typeof s.values === 'function' ? s.values : () => (s.values as number | undefined) ?? 0.5,
          ),
        },
      ],
      ['labels', { dtype: 'int32' as const, shape: [n], data: Int32Array.from(s.files, (_, i) => i % 2) }],
      ['splits', { dtype: 'uint8' as const, shape: [n], data: new Uint8Array(n) }],
    ]);
    if (s.drop) tensors.delete(s.drop);
    const metadata: Record<string, string> = {
      format: FEATURES_FORMAT,
      shard: `${s.index}/${specs.length}`,
      start: '0',
      total: String(total),
      dataset: 'd',
      data: 'data',
      classes: '["alien", "predator"]',
      files: JSON.stringify(s.files),
      architecture: 'resnet50',
      backbone: 'b',
      weights: 'w',
      preprocessing: '{}',
      precision: 'f32',
    };
    for (const [k, v] of Object.entries(s.metadata ?? {})) {
      if (v === undefined) delete metadata[k];
      else metadata[k] = v;
    }
    writeFileSync(join(dir, `${s.index}.safetensors`), serializeSafetensors(tensors, metadata));
  }
  return dir;
}
