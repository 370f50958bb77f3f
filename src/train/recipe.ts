// The training recipes: the article's two code paths step for step, and the fast variant.
// A recipe fixes how the frozen backbone's batchnorm behaves while the head trains, the head's
// initialization, Adam's and the loss's flavour, the augmentation's fill, and which weights
// (and so which preprocessing) it takes.
import type { Precision } from '../gpu/shader.js';
import { type AdamOptions, KERAS_ADAM_DEFAULTS, PYTORCH_041_ADAM_DEFAULTS } from '../kernels/adam.js';
import type { CrossEntropyFlavor } from '../kernels/softmax.js';
import type { FillMode } from '../kernels/augment.js';
import type { ResNetSpec } from '../model/architecture.js';
import { type BatchNormMode, PYTORCH_TRAIN_MODE } from '../model/resnet-train.js';

export const RECIPE_NAMES = ['pytorch', 'keras', 'frozen'] as const;
export type RecipeName = (typeof RECIPE_NAMES)[number];

export interface Recipe {
  name: RecipeName;
  /** Batchnorm while training: batch statistics (with or without running updates), or null: inference mode, folded. */
  batchNorm: BatchNormMode | null;
  /** Whether the running statistics change in training, and so belong to the saved model. */
  savesRunningStatistics: boolean;
  init: 'pytorch' | 'glorot';
  /** Adam's formula and defaults: PyTorch 0.4.1's (the article's PyTorch) or Keras 2.2.2's. */
  adam: 'pytorch-0.4.1' | 'keras';
  loss: CrossEntropyFlavor;
  fill: FillMode;
  /** The weights it takes: torchvision's ResNets, Keras's, or either. */
  weights: 'torchvision' | 'keras' | 'any';
}

export const RECIPES: Record<RecipeName, Recipe> = {
  // model.train() over a frozen backbone: batch statistics, running statistics updated
  // (momentum 0.1); nn.Linear's init, PyTorch 0.4.1's torch.optim.Adam, CrossEntropyLoss,
  // torchvision 0.2.1's RandomAffine (black fill).
  pytorch: {
    name: 'pytorch',
    batchNorm: PYTORCH_TRAIN_MODE,
    savesRunningStatistics: true,
    init: 'pytorch',
    adam: 'pytorch-0.4.1',
    loss: 'pytorch',
    fill: 'constant',
    weights: 'torchvision',
  },
  // Keras 2.2.2 fit_generator with layer.trainable = False: batch statistics in the learning
  // phase, moving statistics left alone; glorot_uniform, Keras's Adam and clipped
  // sparse_categorical_crossentropy, ImageDataGenerator's 'nearest' fill.
  keras: {
    name: 'keras',
    batchNorm: { updateRunning: false, momentum: 0 },
    savesRunningStatistics: false,
    init: 'glorot',
    adam: 'keras',
    loss: 'keras',
    fill: 'nearest',
    weights: 'keras',
  },
  // The pytorch recipe with the backbone in inference mode throughout (batchnorm folded),
  // features of unaugmented images computed once: fastest; the head sees the features
  // prediction will see.
  frozen: {
    name: 'frozen',
    batchNorm: null,
    savesRunningStatistics: false,
    init: 'pytorch',
    adam: 'pytorch-0.4.1',
    loss: 'pytorch',
    fill: 'constant',
    weights: 'any',
  },
};

/** The recipe's Adam at learning rate `lr`. */
export function recipeAdam(recipe: Recipe, lr: number): AdamOptions {
  return { ...(recipe.adam === 'keras' ? KERAS_ADAM_DEFAULTS : PYTORCH_041_ADAM_DEFAULTS), lr };
}

/**
 * Why a recipe cannot train at `precision`, or null: f16 stores the inference-mode backbone's
 * activations (folded batchnorm), which only the frozen recipe trains through; the others
 * train through batch statistics in f32. Any model predicts and embeds at either precision.
 */
export function precisionProblem(recipe: Recipe, precision: Precision): string | null {
  if (precision === 'f32' || !recipe.batchNorm) return null;
  return (
    `precision f16 runs the inference-mode backbone, which the ${recipe.name} recipe does not train through ` +
    '(it uses batch statistics, in f32): train with the frozen recipe, or predict and embed at f16'
  );
}

/** Why weights of this architecture do not suit the recipe, or null. */
export function recipeMismatch(recipe: Recipe, spec: ResNetSpec): string | null {
  if (recipe.weights === 'any') return null;
  const keras = spec.preprocessing === 'caffe';
  if (recipe.weights === 'keras' && !keras)
    return `the keras recipe takes Keras ResNet-50 weights (.h5 converted by convert-weights), not ${spec.name}`;
  if (recipe.weights === 'torchvision' && keras)
    return `the pytorch recipe takes torchvision weights, not ${spec.name} (use --recipe keras or frozen)`;
  return null;
}
