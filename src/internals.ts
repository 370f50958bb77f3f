/// <reference types="@webgpu/types" preserve="true" />
// Everything below the public API (./index.ts), for tests, benchmarks and the training page:
// the GPU runtime, the WGSL kernels and their float64 references, ResNet, the head and its
// autograd, augmentation, weight formats and preprocessing. Imported as
// `webgpu-transfer/internals`; it may change between versions without notice.
export * from './index.js';
export { type FolderDataset, type Host, host, setHost } from './api/host.js';
export { type LabelledImages, fitHead } from './train/fit.js';
export { EarlyStopping, balancedClassWeights, scheduledLr } from './train/controls.js';
export { type AdapterDescription, adapterIdentity, requestDevice } from './gpu/device.js';
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
  IDENTITY,
  type PixelImage,
  type ResampleTarget,
  augmentBatch,
  kerasSourceMap,
} from './kernels/augment.js';
export { type Augmentation, noAugmentation, randomAffine, randomAugmentation, resampleTarget } from './data/augment.js';
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
export { ResNet } from './model/resnet.js';
export {
  type BatchNormMode,
  BatchStatsResNet,
  PYTORCH_TRAIN_MODE,
  withRunningStatistics,
} from './model/resnet-train.js';
export { kerasArchitecture, kerasToTensors } from './model/keras.js';
export {
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
export { HEAD_PARAMETERS, Head, type HeadWeights, headShapes, initHead, initHeadGlorot } from './autograd/head.js';
export {
  backboneForModel,
  checkBackbone,
  encodeHead,
  modelJsonText,
  parseHead,
  parseModelJson,
  savedModelFromBytes,
} from './train/model-format.js';
export { recipeMismatch } from './train/recipe.js';
export { settingCheck } from './train/settings.js';
export {
  CAFFE_PREPROCESSING,
  PREPROCESSING,
  PREPROCESSINGS,
  TORCHVISION_PREPROCESSING,
  describePreprocessing,
  preprocess,
  resizeFor,
} from './image/preprocess.js';
export { resizeNearest } from './image/resize.js';
export { type ImageFormat, rgbFromRgba, sniffFormat } from './image/format.js';
export { decodeJpeg } from './image/jpeg/decode.js';
export { decodeInBrowser } from './image/decode-blob.js';
export { sha256Hex } from './util/sha256.js';

/** Float64 CPU references of the kernels, for checks. */
export * as reference from './reference/cpu.js';
