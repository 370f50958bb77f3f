// From a weight file to a ResNet on the GPU: the architecture comes from our metadata or is
// recognised from the tensor shapes.
import type { Gpu } from '../gpu/context.js';
import { type WeightFile, floatTensors, readWeightFile } from '../weights/files.js';
import type { TensorMap } from '../weights/host-tensor.js';
import { WeightFileError } from '../weights/safetensors.js';
import { RESNETS, type ResNetSpec, plan, resnetSpec } from './architecture.js';
import { ResNet } from './resnet.js';
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
  const errors: string[] = [];
  for (const spec of Object.values(RESNETS)) {
    try {
      validateWeights(tensors, plan(spec), file);
      return spec;
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  // The closest miss for ResNet-50, the architecture this project is about.
  throw new WeightFileError(errors[2] ?? `${file}: not a ResNet checkpoint`);
}

export interface LoadedBackbone {
  model: ResNet;
  file: WeightFile;
  architecture: string;
}

export function loadBackbone(gpu: Gpu, path: string): LoadedBackbone {
  const file = readWeightFile(path);
  const tensors = floatTensors(file.tensors, path);
  const spec = detectArchitecture(tensors, file.metadata, path);
  return { model: ResNet.load(gpu, spec, tensors, path), file, architecture: spec.name };
}
