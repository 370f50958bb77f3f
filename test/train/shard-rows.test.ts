// Feature shards read batch by batch (train.js --features) against the same features in
// memory: the rows read are the rows written, and a head trained on either is the same head,
// byte for byte, with the same history (same seed, same order).
import { describe, expect, it } from 'vitest';
import { Backbone, Classifier, syntheticBackbone } from '../../src/internals.node.js';
import { readFeatureShards } from '../../src/train/shards.node.js';
import { rng, useGpu } from '../support/helpers.js';
import { shardSet } from '../support/shards.js';

const ctx = useGpu();
const WIDTH = 512; // a ResNet-18's features

describe('feature shards read batch by batch', () => {
  it('reads the rows written, in any order, and trains the head the in-memory features train', async () => {
    const random = rng();
    // Three shards of 5, 4 and 6 images: the rows as the files hold them, recorded here.
    const sizes = [5, 4, 6];
    const written: Float32Array[] = [];
    let image = 0;
    const specs = sizes.map((n, index) => {
      const files = Array.from({ length: n }, () => `${image++}.jpg`);
      return { index, files, width: WIDTH, values: () => random() * 2 - 1 };
    });
    const dir = shardSet(specs);
    const merged = readFeatureShards(dir);
    try {
      const all = merged.train.features;
      expect(all.count).toBe(15);
      // Every row, read in a shuffled order, is the same bytes as read in order.
      const order = [14, 0, 7, 3, 9, 1, 12, 5, 2, 11, 6, 13, 4, 8, 10];
      const inOrder = new Float32Array(15 * WIDTH);
      all.read(
        Array.from({ length: 15 }, (_, i) => i),
        inOrder,
      );
      const shuffled = new Float32Array(15 * WIDTH);
      all.read(order, shuffled);
      order.forEach((i, k) =>
        expect(shuffled.subarray(k * WIDTH, (k + 1) * WIDTH)).toEqual(inOrder.subarray(i * WIDTH, (i + 1) * WIDTH)),
      );
      written.push(inOrder);
      expect(inOrder.every((v) => v >= -1 && v < 1)).toBe(true);

      // The same head from the rows on disk and from the same values in memory.
      const backbone = await Backbone.load(syntheticBackbone(1, 'resnet18'), { gpu: ctx.gpu });
      const trained = async (features: typeof all | Float32Array) => {
        const classifier = Classifier.create(backbone, ['alien', 'predator'], {
          recipe: 'frozen',
          augment: 'none',
          batchSize: 4,
          hidden: 16,
          seed: 3,
        });
        const labels = merged.train.labels;
        const half = 10;
        const pick = (rows: number[]) => {
          if (features instanceof Float32Array) {
            const out = new Float32Array(rows.length * WIDTH);
            rows.forEach((r, k) => out.set(features.subarray(r * WIDTH, (r + 1) * WIDTH), k * WIDTH));
            return out;
          }
          return {
            count: rows.length,
            featureSize: WIDTH,
            read: (indices: readonly number[], out: Float32Array) =>
              features.read(
                indices.map((i) => rows[i]),
                out,
              ),
          };
        };
        const trainRows = Array.from({ length: half }, (_, i) => i);
        const validationRows = Array.from({ length: 15 - half }, (_, i) => half + i);
        await classifier.fitFeatures(
          { features: pick(trainRows), labels: trainRows.map((r) => labels[r]) },
          {
            epochs: 2,
            validation: { features: pick(validationRows), labels: validationRows.map((r) => labels[r]) },
          },
        );
        const bytes = await classifier.toBytes();
        const history = classifier.history;
        classifier.dispose();
        return { head: bytes.head, history };
      };
      const streamed = await trained(all);
      const inMemory = await trained(written[0]);
      expect(Buffer.from(streamed.head).equals(Buffer.from(inMemory.head))).toBe(true);
      expect(streamed.history.map((h) => [h.train, h.validation])).toEqual(
        inMemory.history.map((h) => [h.train, h.validation]),
      );
      backbone.dispose();
    } finally {
      merged.close();
    }
  }, 120_000);
});
