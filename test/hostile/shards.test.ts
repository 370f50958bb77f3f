// Feature shards that lie: fewer feature rows than labels, widths that differ between shards,
// the same image twice, metadata missing or of the wrong type, a shard named x/y, values that
// are not finite. Each is refused in one line naming the shard, before any training.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FEATURES_FORMAT, readFeatureShards } from '../../src/train/shards.node.js';
import { serializeSafetensors } from '../../src/weights/safetensors.js';

const root = mkdtempSync(join(tmpdir(), 'hostile-shards-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let sets = 0;

interface ShardSpec {
  index: number;
  files: string[];
  width?: number;
  rows?: number;
  values?: number;
  metadata?: Record<string, string | undefined>;
  drop?: string;
}

/** A set of shards in a new folder, each as embed.js writes it unless the spec says otherwise. */
function shardSet(specs: ShardSpec[]): string {
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
        { dtype: 'float32' as const, shape: [rows, width], data: new Float32Array(rows * width).fill(s.values ?? 0.5) },
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

describe('feature shards that lie', () => {
  const good = () => [
    { index: 0, files: ['a.jpg', 'b.jpg'] },
    { index: 1, files: ['c.jpg', 'd.jpg'] },
  ];
  it('a whole, honest set merges', () => {
    expect(readFeatureShards(shardSet(good())).train.labels).toEqual([0, 1, 0, 1]);
  });

  const cases: [string, (s: ShardSpec[]) => void, RegExp][] = [
    [
      '2 feature rows for 4 labels',
      (s) => {
        s[1].files = ['c', 'd', 'e', 'f'];
        s[1].rows = 2;
      },
      /1\.safetensors: 2 feature rows, 4 labels and 4 splits for 4 images$/,
    ],
    [
      'widths of 1024 and 2048',
      (s) => ((s[0].width = 1024), (s[1].width = 2048)),
      /1\.safetensors: 2048 features per image, but .*0\.safetensors has 1024$/,
    ],
    [
      'the same image in two shards',
      (s) => (s[1].files = ['c.jpg', 'a.jpg']),
      /1\.safetensors: image a\.jpg again \(also in .*0\.safetensors\)$/,
    ],
    [
      'no shard metadata',
      (s) => (s[1].metadata = { shard: undefined }),
      /1\.safetensors: its metadata has no 'shard'$/,
    ],
    ['no labels tensor', (s) => (s[0].drop = 'labels'), /0\.safetensors: it has no 'labels' tensor$/],
    [
      'files that are not JSON',
      (s) => (s[0].metadata = { files: '[a.jpg' }),
      /0\.safetensors: its metadata 'files' is not JSON$/,
    ],
    [
      'a shard named x/y',
      (s) => (s[1].metadata = { shard: 'x/y' }),
      /1\.safetensors: its shard 'x\/y' is not I\/N with 0 <= I < N$/,
    ],
    [
      'NaN among the features',
      (s) => (s[0].values = NaN),
      /0\.safetensors: features of a\.jpg are not finite \(NaN\)$/,
    ],
  ];
  for (const [what, edit, message] of cases) {
    it(`${what}: refused in one line naming the shard`, () => {
      const specs: ShardSpec[] = good();
      edit(specs);
      const dir = shardSet(specs);
      expect(() => readFeatureShards(dir)).toThrow(message);
    });
  }
});
