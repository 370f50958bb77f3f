// Checkpoint conversion: any supported weight file in (torchvision .pth, safetensors, Keras
// .h5), our ResNet safetensors out, declaring its architecture and preprocessing.
import { PREPROCESSINGS, describePreprocessing } from '../image/preprocess.js';
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
    format: 'webgpu-transfer/resnet-weights-v1',
    architecture: spec.name,
    classifier: classifier ? 'imagenet1k' : 'none',
    source: options.sourceName ?? input,
    source_sha256: file.sha256,
    preprocessing: describePreprocessing(PREPROCESSINGS[spec.preprocessing]),
    ...options.extraMetadata,
  });
  return { architecture: spec.name, tensors: tensors.size, classifier, sourceSha256: file.sha256 };
}
