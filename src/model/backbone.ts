// From weights to a ResNet on the GPU: the architecture comes from our metadata or is
// recognised from the tensor shapes. No Node APIs (browsers use this too; model/load.ts reads files).
import type { Gpu } from '../gpu/context.js';
import type { TensorMap } from '../weights/host-tensor.js';
import { type WeightFile, floatTensors } from '../weights/parse.js';
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

/** Backbone weights from a parsed weight file (read from disk, or fetched in a browser). */
export function backboneWeights(file: WeightFile, source: string): BackboneWeights {
  const tensors = floatTensors(file.tensors, source);
  const spec = detectArchitecture(tensors, file.metadata, source);
  validateWeights(tensors, plan(spec), source);
  return { spec, tensors, sha256: file.sha256, metadata: file.metadata, synthetic: false, source };
}

/** Deterministic synthetic ResNet-50 weights (with a classifier) for offline runs: `random:SEED`. */
export function syntheticBackbone(seed: number): BackboneWeights {
  const spec = resnetSpec('resnet50');
  const tensors = syntheticWeights(plan(spec), seed, true);
  return { spec, tensors, sha256: `synthetic:${seed}`, metadata: { architecture: 'resnet50' }, synthetic: true, source: `random:${seed}` };
}

export function loadBackbone(gpu: Gpu, weights: BackboneWeights): ResNet {
  return ResNet.load(gpu, weights.spec, weights.tensors, weights.source);
}
