// The validation split the training page and `train.js --val-split` share (src/data/split.ts):
// per class, seeded, never all of a class, both parts in the given order.
import { describe, expect, it } from 'vitest';
import { compareFileNames, heldOutCount, holdOut, splitByClass } from '../../src/data/split.js';
import { SEED, seedNote } from '../support/helpers.js';

describe('validation split', () => {
  it('holds out round(n * fraction) of a class, at least one, never all', () => {
    expect([1, 2, 3, 10, 12].map((n) => heldOutCount(n, 0.25))).toEqual([0, 1, 1, 3, 3]);
    expect(heldOutCount(10, 0)).toBe(0);
    expect(heldOutCount(4, 0.9)).toBe(3);
  });

  it('is seeded, keeps order, and splits each class apart', () => {
    const items = Array.from({ length: 30 }, (_, i) => ({ id: i, label: i % 3 }));
    const a = splitByClass(items, (x) => x.label, 3, 0.2, SEED);
    expect(
      splitByClass(items, (x) => x.label, 3, 0.2, SEED),
      seedNote(),
    ).toEqual(a);
    expect(a.validation.map((x) => x.label)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(a.train).toHaveLength(24);
    // Class-major, each part in the items' order, and together all the items once.
    const ids = (xs: { id: number }[]) => xs.map((x) => x.id);
    for (const part of [a.train, a.validation])
      for (let i = 1; i < part.length; i++)
        expect(part[i].label > part[i - 1].label || part[i].id > part[i - 1].id).toBe(true);
    expect([...ids(a.train), ...ids(a.validation)].sort((x, y) => x - y)).toEqual(ids(items));
    const other = holdOut(items.slice(0, 10), 0.5, SEED + 1, 0).validation;
    const same = holdOut(items.slice(0, 10), 0.5, SEED + 1, 0).validation;
    expect(other).toEqual(same);
    expect(
      new Set([SEED, SEED + 1, SEED + 2].map((s) => ids(holdOut(items, 0.3, s, 0).validation).join())).size,
    ).toBeGreaterThan(1);
  });

  it('orders files by number in their names, as the CLI reads folders', () => {
    expect(['10.jpg', '2.jpg', '1.jpg', 'a.jpg'].sort(compareFileNames)).toEqual(['1.jpg', '2.jpg', '10.jpg', 'a.jpg']);
  });
});
