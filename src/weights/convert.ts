// Checkpoint conversion: any supported weight file in, our ResNet safetensors out.
import { plan, resnetSpec } from '../model/architecture.js';
import { PREPROCESSING, detectArchitecture } from '../model/backbone.js';
import { validateWeights } from '../model/weights.js';
import { readWeightFile, writeSafetensors } from './files.js';
import { type WeightFile, floatTensors } from './parse.js';

export interface ConvertResult { architecture: string; tensors: number; classifier: boolean; sourceSha256: string }

export interface ConvertOptions { architecture?: string; sourceName?: string; extraMetadata?: Record<string, string> }

export function convertWeights(input: string, output: string, options: ConvertOptions = {}): ConvertResult {
  return convertWeightFile(readWeightFile(input), input, output, options);
}

/** Conversion of a weight file already read (`input` names it in errors and metadata). */
export function convertWeightFile(file: WeightFile, input: string, output: string, options: ConvertOptions = {}): ConvertResult {
  const tensors = floatTensors(file.tensors, input);
  const spec = options.architecture ? resnetSpec(options.architecture) : detectArchitecture(tensors, file.metadata, input);
  const { classifier } = validateWeights(tensors, plan(spec), input);
  writeSafetensors(output, tensors, {
    format: 'webgpu-transfer/resnet-weights-v1',
    architecture: spec.name,
    classifier: classifier ? 'imagenet1k' : 'none',
    source: options.sourceName ?? input,
    source_sha256: file.sha256,
    preprocessing: PREPROCESSING,
    ...options.extraMetadata,
  });
  return { architecture: spec.name, tensors: tensors.size, classifier, sourceSha256: file.sha256 };
}
