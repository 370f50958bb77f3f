// Orders and splits of labelled images that the Node tools and the training page share, so that
// the same folder gives the same training run in both: class folders in code-unit order, files
// in numeric name order ("2.jpg" before "10.jpg"), and a validation share held out per class.
import { seededRandom } from '../util/random.js';

/** Class index = this order of the class folder names. */
export const compareClassNames = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Files of a class folder are taken in this order (and --limit keeps the first). */
export const compareFileNames = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** How many of a class's n images a validation fraction holds out: at least one, never all. */
export function heldOutCount(n: number, fraction: number): number {
  if (fraction <= 0 || n < 2) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
}

/**
 * Splits one class's items (in their order) into training and validation: heldOutCount of them,
 * chosen by a shuffle seeded by (seed, class index), held out; both parts keep the items' order.
 */
export function holdOut<T>(
  items: readonly T[],
  fraction: number,
  seed: number,
  classIndex: number,
): { train: T[]; validation: T[] } {
  const count = heldOutCount(items.length, fraction);
  const random = seededRandom((Math.imul(seed, 0x9e3779b1) ^ Math.imul(classIndex + 1, 0x85ebca6b)) >>> 0);
  const order = items.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const held = new Set(order.slice(0, count));
  return {
    train: items.filter((_, i) => !held.has(i)),
    validation: items.filter((_, i) => held.has(i)),
  };
}

/**
 * Holds out `fraction` of each class (holdOut per class, in class order): both parts are
 * class-major, each class's items in their given order. `labelOf` gives an item's class index.
 */
export function splitByClass<T>(
  items: readonly T[],
  labelOf: (item: T) => number,
  classes: number,
  fraction: number,
  seed: number,
): { train: T[]; validation: T[] } {
  const train: T[] = [];
  const validation: T[] = [];
  for (let k = 0; k < classes; k++) {
    const part = holdOut(
      items.filter((item) => labelOf(item) === k),
      fraction,
      seed,
      k,
    );
    train.push(...part.train);
    validation.push(...part.validation);
  }
  return { train, validation };
}

/** Checks a validation fraction given by a user: in [0, 1). */
export function validFraction(fraction: number): boolean {
  return Number.isFinite(fraction) && fraction >= 0 && fraction < 1;
}
