// Test fixtures made in the test: a saved model (random head, synthetic backbone) and a tiny
// dataset of two images per class and split taken from the shared dataset.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HEAD_PARAMETERS, type HeadShape, initHead } from '../../src/autograd/head.js';
import { saveModel } from '../../src/train/model-files.node.js';
import { modelSettings } from './model-settings.js';

export { modelSettings };

export const DATASET = '../shared/datasets/alien-vs-predator';

/** Saves a model with a head initialized from `seed` (Adam step `seed`, zero moments) into `dir`. */
export function saveTestModel(
  dir: string,
  shape: HeadShape,
  seed = 1,
  edit?: (json: ReturnType<typeof modelSettings>) => void,
): void {
  const head = initHead(shape, seed);
  const zeros = () => HEAD_PARAMETERS.map((name) => new Float32Array(head[name].length));
  const settings = modelSettings(shape);
  edit?.(settings);
  saveModel(dir, settings, head, { step: seed, m: zeros(), v: zeros() });
}

/** DIR/{train,validation}/{alien,predator}/{0,1}.jpg from the shared dataset. */
export function tinyDataset(dir: string): string {
  for (const split of ['train', 'validation']) {
    for (const c of ['alien', 'predator']) {
      mkdirSync(join(dir, split, c), { recursive: true });
      for (const f of ['0.jpg', '1.jpg']) copyFileSync(join(DATASET, split, c, f), join(dir, split, c, f));
    }
  }
  return dir;
}
