/// <reference types="@webgpu/types" preserve="true" />
// The library's public API, the one docs/library.md documents: Backbone and Classifier (fit,
// predict, evaluate, save, load), their options and results, the training settings and recipes,
// the saved model's format, and the errors they throw. No Node APIs: the same code runs under
// Node and in browsers (dist/browser/webgpu-transfer.js); the Node entry (index.node.ts) adds
// files and folders. The kernels, the GPU runtime, ResNet and the head are in
// `webgpu-transfer/internals` (src/internals.ts), for tests, benchmarks and the training page.
export { Backbone, type BackboneOptions, type BackboneSource, type FeaturesOptions } from './api/backbone.js';
export {
  Classifier,
  type ClassifierOptions,
  type FitOptions,
  type ImageInput,
  type LabelledData,
  type LabelledFeatures,
  type LabelledImage,
  type Prediction,
  toRgbImage,
} from './api/classifier.js';
export {
  type BatchReport,
  type FeatureCache,
  type FeatureRows,
  FitAbortedError,
  MemoryFeatureCache,
  type ProgressSink,
  rowsInMemory,
} from './train/fit.js';
export { LR_SCHEDULES, type LrSchedule } from './train/controls.js';
export { type Evaluation, evaluatePredictions } from './train/metrics.js';
export { DisposedError, ImageInputError, InputError, LabelError, OptionError, UnsupportedError } from './errors.js';
export { Gpu } from './gpu/context.js';
export { type DeviceOptions, adapterLabel } from './gpu/device.js';
export type { Precision } from './gpu/shader.js';
export type { FillMode } from './kernels/augment.js';
export type { AugmentMode } from './data/augment.js';
export { RESNETS, type ResNetSpec, plan, resnetSpec } from './model/architecture.js';
export type { BackboneWeights } from './model/backbone.js';
export type { HeadShape } from './autograd/head.js';
export {
  type EpochRecord,
  MODEL_FORMAT,
  ModelError,
  type ModelJson,
  type SavedModel,
  type ValidationRecord,
} from './train/model-format.js';
export { caption } from './train/predict.js';
export { RECIPES, RECIPE_NAMES, type Recipe, type RecipeName } from './train/recipe.js';
export {
  ARTICLE_SETTINGS,
  SETTINGS,
  type Setting,
  type SettingName,
  type SettingValues,
  type SettingsProblem,
  type TrainingSettings,
  checkedSettings,
  defaultOf,
  resolveSettings,
  settingsProblem,
} from './train/settings.js';
export type { RgbImage } from './image/format.js';
export type { Preprocessing } from './image/preprocess.js';
export { DEFAULT_MAX_PIXELS, PixelLimitError } from './image/format.js';
