// Feature shards that lie: fewer feature rows than labels, widths that differ between shards,
// the same image twice, metadata missing or of the wrong type, a shard named x/y, values that
// are not finite, another dataset or backbone, a truncated file. Each is refused in one line
// naming the shard, before any training.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFeatureShards } from '../../src/train/shards.node.js';
import { type ShardSpec, shardSet } from '../support/shards.js';

describe('feature shards that lie', () => {
  const good = () => [
    { index: 0, files: ['a.jpg', 'b.jpg'] },
    { index: 1, files: ['c.jpg', 'd.jpg'] },
  ];
  it('a shard a task left half-written (truncated): refused in one line naming it, the others untouched', () => {
    const dir = shardSet(good());
    const file = join(dir, '1.safetensors');
    const whole = readFileSync(file);
    const other = readFileSync(join(dir, '0.safetensors'));
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
    expect(() => readFeatureShards(dir)).toThrow(new RegExp(`^${file.replace(/[.]/g, '\\.')}: `));
    expect(readFileSync(join(dir, '0.safetensors')).equals(other)).toBe(true);
  });

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
  cases.push(
    [
      'a shard of another dataset',
      (s) => (s[1].metadata = { dataset: 'e' }),
      /1\.safetensors: a shard of another dataset or shard count than .*0\.safetensors$/,
    ],
    [
      'a shard of other backbone weights',
      (s) => (s[1].metadata = { backbone: 'c', weights: 'v' }),
      /1\.safetensors: .*v/,
    ],
  );
  for (const [what, edit, message] of cases) {
    it(`${what}: refused in one line naming the shard`, () => {
      const specs: ShardSpec[] = good();
      edit(specs);
      const dir = shardSet(specs);
      expect(() => readFeatureShards(dir)).toThrow(message);
    });
  }
});
