// From a weight file to a ResNet on the GPU: the architecture comes from our metadata or is
// recognised from the tensor shapes.
import type { Gpu } from '../gpu/context.js';
import { floatTensors, readWeightFile } from '../weights/files.js';
import type { TensorMap } from '../weights/host-tensor.js';
import { WeightFileError } from '../weights/safetensors.js';
import { RESNETS, type ResNetSpec, plan, resnetSpec } from './architecture.js';
import { ResNet } from './resnet.js';
import { syntheticWeights } from './synthetic.js';
import { validateWeights } from './weights.js';

export const PREPROCESSING = 'torchvision: Resize((224, 224)) bilinear antialias on RGB, ToTensor, Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])';

/** The architecture named in the metadata, else the one (of RESNETS) whose parameter list the tensors match. */
export function detectArchitecture(tensors: TensorMap, metadata: Record<string, string>, file: string): ResNetSpec {
  if (metadata.architecture) {
    try {
      return resnetSpec(metadata.architecture);
    } catch (e) {
      throw new WeightFileError(`${file}: ${(e as Error).message}`);
    }
  }
  const errors = new Map<string, string>();
  for (const spec of Object.values(RESNETS)) {
    try {
      validateWeights(tensors, plan(spec), file);
      return spec;
    } catch (e) {
      errors.set(spec.name, (e as Error).message);
    }
  }
  // The closest miss for ResNet-50, the architecture this project is about.
  throw new WeightFileError(errors.get('resnet50') ?? `${file}: not a ResNet checkpoint`);
}

/** Backbone weights read and validated on the CPU, ready for ResNet.load. */
export interface BackboneWeights {
  spec: ResNetSpec;
  tensors: TensorMap;
  /** The file's sha256, or `synthetic:SEED`. */
  sha256: string;
  metadata: Record<string, string>;
  synthetic: boolean;
  source: string;
}

/**
 * Reads a weight file, or for `random:SEED` builds deterministic synthetic ResNet-50 weights
 * (with a classifier) for offline runs.
 */
export function readBackboneWeights(weights: string): BackboneWeights {
  const random = /^random:(\d+)$/.exec(weights);
  if (random) {
    const spec = resnetSpec('resnet50');
    const tensors = syntheticWeights(plan(spec), Number(random[1]), true);
    return { spec, tensors, sha256: `synthetic:${random[1]}`, metadata: { architecture: 'resnet50' }, synthetic: true, source: weights };
  }
  const file = readWeightFile(weights);
  const tensors = floatTensors(file.tensors, weights);
  const spec = detectArchitecture(tensors, file.metadata, weights);
  validateWeights(tensors, plan(spec), weights);
  return { spec, tensors, sha256: file.sha256, metadata: file.metadata, synthetic: false, source: weights };
}

export function loadBackbone(gpu: Gpu, weights: BackboneWeights): ResNet {
  return ResNet.load(gpu, weights.spec, weights.tensors, weights.source);
}
