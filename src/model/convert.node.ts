// Checkpoint conversion: any supported weight file in (torchvision .pth, safetensors, Keras
// .h5), our ResNet safetensors out, declaring its architecture and preprocessing.
import { PREPROCESSINGS, type Preprocessing, describePreprocessing } from '../image/preprocess.js';
import type { ResNetSpec } from './architecture.js';
import { readWeightFile, writeSafetensors } from '../weights/files.node.js';
import type { WeightFile } from '../weights/parse.js';
import { resolveWeights } from './backbone.js';

export interface ConvertResult {
  architecture: string;
  tensors: number;
  classifier: boolean;
  sourceSha256: string;
}

export interface ConvertOptions {
  architecture?: string;
  sourceName?: string;
  extraMetadata?: Record<string, string>;
}

/** The preprocessing contract of an architecture's weights. */
export function preprocessingOf(spec: ResNetSpec): Preprocessing {
  return PREPROCESSINGS[spec.preprocessing];
}

/** The metadata of our ResNet weight files: format, architecture, classifier, source, preprocessing. */
export function weightFileMetadata(
  spec: ResNetSpec,
  classifier: boolean,
  source: string,
  sourceSha256: string,
): Record<string, string> {
  return {
    format: 'webgpu-transfer/resnet-weights-v1',
    architecture: spec.name,
    classifier: classifier ? 'imagenet1k' : 'none',
    source,
    source_sha256: sourceSha256,
    preprocessing: describePreprocessing(preprocessingOf(spec)),
  };
}

export function convertWeights(input: string, output: string, options: ConvertOptions = {}): ConvertResult {
  return convertWeightFile(readWeightFile(input), input, output, options);
}

/** Conversion of a weight file already read (`input` names it in errors and metadata). */
export function convertWeightFile(
  file: WeightFile,
  input: string,
  output: string,
  options: ConvertOptions = {},
): ConvertResult {
  const { tensors, spec, classifier } = resolveWeights(file, input, options.architecture);
  writeSafetensors(output, tensors, {
    ...weightFileMetadata(spec, classifier, options.sourceName ?? input, file.sha256),
    ...options.extraMetadata,
  });
  return { architecture: spec.name, tensors: tensors.size, classifier, sourceSha256: file.sha256 };
}
