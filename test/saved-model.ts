// Test fixtures made in the test: a saved model (random head, synthetic backbone) and a tiny
// dataset of two images per class and split taken from the shared dataset.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HEAD_PARAMETERS, type HeadShape, initHead } from '../src/autograd/head.js';
import { saveModel } from '../src/train/model-files.node.js';
import { TORCHVISION_PREPROCESSING } from '../src/image/preprocess.js';
import type { ModelJson } from '../src/train/model-format.js';

export const DATASET = '../shared/datasets/alien-vs-predator';

/** model.json's fields for a head of `shape` on the random:5 backbone, as train.js would save them. */
export function modelSettings(shape: HeadShape): Omit<ModelJson, 'format' | 'head'> & { head: HeadShape } {
  return {
    architecture: 'resnet50',
    classes: ['alien', 'predator'],
    preprocessing: TORCHVISION_PREPROCESSING,
    head: shape,
    backbone: { weights: 'random:5', sha256: 'synthetic:5', synthetic: true },
    training: {
      recipe: 'frozen',
      batchSize: 32,
      lr: 1e-3,
      augment: 'none',
      fill: 'constant',
      seed: 1,
      limit: null,
      data: 'none',
    },
    history: [],
  };
}

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
