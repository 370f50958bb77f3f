// The library: Backbone and Classifier (fit, predict, save, load), and below them the WebGPU
// runtime, the WGSL kernels, ResNet and the trainable head, with no Node APIs, so the same
// code runs under Node and in browsers (dist/browser/webgpu-transfer.js). The Node entry
// (index.node.ts) adds files and folders; the command-line tools in src/cli/ sit on top.
export { Backbone, type BackboneOptions, type BackboneSource } from './api/backbone.js';
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
export { type FolderDataset, type Host, host, setHost } from './api/host.js';
export {
  type BatchReport,
  type FeatureCache,
  FitAbortedError,
  type LabelledImages,
  MemoryFeatureCache,
  type ProgressSink,
  fitHead,
} from './train/fit.js';
export { EarlyStopping, LR_SCHEDULES, type LrSchedule, balancedClassWeights, scheduledLr } from './train/controls.js';
export { type Evaluation, evaluatePredictions } from './train/metrics.js';
export { DisposedError, ImageInputError, InputError, LabelError, UnsupportedError } from './errors.js';
export { Gpu } from './gpu/context.js';
export {
  type AdapterDescription,
  type DeviceOptions,
  adapterIdentity,
  adapterLabel,
  requestDevice,
} from './gpu/device.js';
export { Tensor } from './gpu/tensor.js';
export { type StructLayout, type WgslType, wgslStruct } from './gpu/layout.js';
export { type WgslSource, inlineWgsl, withStructs } from './gpu/shader.js';

export { type Variant, KERNEL_VARIANTS, chooseVariant, defaultVariant, supportsVariant } from './kernels/common.js';
export { KERNEL_SHADERS } from './kernels/shaders.js';
export { type GemmOptions, batchedGemm, gemm } from './kernels/gemm.js';
export { type Conv2dOptions, conv2d, conv2dOutputShape } from './kernels/conv2d.js';
export { type WinogradTile, conv3x3Winograd, winogradPositions, winogradWeights } from './kernels/winograd.js';
export { batchNorm } from './kernels/batchnorm.js';
export { type BatchNormLayer, batchNormApply, batchStatistics } from './kernels/batchnorm-train.js';
export { globalAvgPool, maxPool2d } from './kernels/pool.js';
export { type CrossEntropyFlavor, softmax, softmaxCrossEntropy } from './kernels/softmax.js';
export {
  ADAM_DEFAULTS,
  Adam,
  type AdamFlavor,
  type AdamOptions,
  KERAS_ADAM_DEFAULTS,
  PYTORCH_041_ADAM_DEFAULTS,
  adamStep,
} from './kernels/adam.js';
export { biasGrad, reluBackward } from './kernels/head-backward.js';
export {
  type Affine,
  type FillMode,
  IDENTITY,
  type PixelImage,
  type ResampleTarget,
  augmentBatch,
  kerasSourceMap,
} from './kernels/augment.js';
export {
  type AugmentMode,
  type Augmentation,
  noAugmentation,
  randomAffine,
  randomAugmentation,
  resampleTarget,
} from './data/augment.js';
export {
  ARTICLE_RANDOM_AFFINE,
  type TorchvisionAffine,
  drawTorchvisionAffine,
  inverseAffineMatrix,
  torchvisionAugment,
} from './data/torchvision-augment.js';
export { affineNearest, flipLeftRight } from './image/affine.js';
export {
  compareClassNames,
  compareFileNames,
  heldOutCount,
  holdOut,
  splitByClass,
  validFraction,
} from './data/split.js';
export { randomArray, seededRandom, uniformStream } from './util/random.js';

export { RESNETS, type ResNetSpec, plan, resnetSpec } from './model/architecture.js';
export { ResNet } from './model/resnet.js';
export {
  type BatchNormMode,
  BatchStatsResNet,
  PYTORCH_TRAIN_MODE,
  withRunningStatistics,
} from './model/resnet-train.js';
export { kerasArchitecture, kerasToTensors } from './model/keras.js';
export {
  type BackboneWeights,
  backboneFromBytes,
  backboneWeights,
  declaredPreprocessing,
  detectArchitecture,
  loadBackbone,
  resolveWeights,
  syntheticBackbone,
} from './model/backbone.js';
export { syntheticImages, syntheticWeights } from './model/synthetic.js';
export { foldBatchNorm, oihwToHwio } from './model/prepare.js';
export { parseSafetensors, serializeSafetensors } from './weights/safetensors.js';
export { parseWeightFile } from './weights/parse.js';
export { type KerasWeightFile, isHdf5, readKerasH5 } from './weights/h5.js';

export {
  HEAD_PARAMETERS,
  Head,
  type HeadShape,
  type HeadWeights,
  headShapes,
  initHead,
  initHeadGlorot,
} from './autograd/head.js';
export {
  type EpochRecord,
  MODEL_FORMAT,
  ModelError,
  type ModelJson,
  type SavedModel,
  backboneForModel,
  checkBackbone,
  encodeHead,
  modelJsonText,
  parseHead,
  parseModelJson,
  savedModelFromBytes,
} from './train/model-format.js';
export { caption } from './train/predict.js';
export { RECIPES, RECIPE_NAMES, type Recipe, type RecipeName, recipeMismatch } from './train/recipe.js';
export {
  ARTICLE_SETTINGS,
  SETTINGS,
  type Setting,
  type SettingName,
  type SettingValues,
  type SettingsProblem,
  checkedSettings,
  defaultOf,
  resolveSettings,
  settingCheck,
  settingsProblem,
} from './train/settings.js';

export type { RgbImage } from './image/format.js';
export {
  CAFFE_PREPROCESSING,
  PREPROCESSING,
  PREPROCESSINGS,
  type Preprocessing,
  TORCHVISION_PREPROCESSING,
  describePreprocessing,
  preprocess,
  resizeFor,
} from './image/preprocess.js';
export { resizeNearest } from './image/resize.js';
export { DEFAULT_MAX_PIXELS, type ImageFormat, PixelLimitError, rgbFromRgba, sniffFormat } from './image/format.js';
export { decodeJpeg } from './image/jpeg/decode.js';
export { decodeInBrowser } from './image/decode-blob.js';
export { sha256Hex } from './util/sha256.js';

/** Float64 CPU references of the kernels, for checks. */
export * as reference from './reference/cpu.js';
