// model.json's fields as train.js saves them, for tests in Node and in the browser project
// (no Node APIs here).
import type { HeadShape } from '../../src/autograd/head.js';
import { TORCHVISION_PREPROCESSING } from '../../src/image/preprocess.js';
import type { ModelJson } from '../../src/train/model-format.js';

/** model.json's fields for a head of `shape` on the random:5 backbone, as train.js would save them. */
export function modelSettings(
  shape: HeadShape,
  classes = ['alien', 'predator'],
): Omit<ModelJson, 'format' | 'head'> & { head: HeadShape } {
  return {
    architecture: 'resnet50',
    classes,
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
      validationSplit: null,
      data: 'none',
      lrSchedule: 'constant',
      lrStepEpochs: 7,
      earlyStopping: null,
      save: 'last',
      classWeights: null,
      precision: 'f32',
    },
    history: [],
  };
}
