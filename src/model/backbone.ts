// From weights to a ResNet on the GPU: the architecture comes from our metadata or is
// recognised from the tensor shapes. No Node APIs (browsers use this too; model/load.node.ts reads files).
import type { Gpu } from '../gpu/context.js';
import type { Precision } from '../gpu/shader.js';
import type { TensorMap } from '../weights/host-tensor.js';
import { kerasToTensors } from './keras.js';
import { type WeightFile, floatTensors, parseWeightFile } from '../weights/parse.js';
import { sha256Hex } from '../util/sha256.js';
import { WeightFileError } from '../weights/safetensors.js';
import { PREPROCESSINGS, type Preprocessing } from '../image/preprocess.js';
import { RESNETS, type ResNetSpec, plan, resnetSpec } from './architecture.js';
import { ResNet } from './resnet.js';
import { syntheticWeights } from './synthetic.js';
import { validateWeights } from './weights.js';

/**
 * The architecture named in the metadata (or `architecture`), else the one of RESNETS whose
 * parameter list the tensors match: the one place weights are validated on their way to the
 * GPU. Returns the architecture and whether the ImageNet classifier is present.
 */
export function detectArchitecture(
  tensors: TensorMap,
  metadata: Record<string, string>,
  file: string,
  architecture?: string,
): { spec: ResNetSpec; classifier: boolean } {
  const named = architecture ?? metadata.architecture;
  if (named) {
    let spec: ResNetSpec;
    try {
      spec = resnetSpec(named);
    } catch (e) {
      throw new WeightFileError(`${file}: ${(e as Error).message}`);
    }
    return { spec, ...validateWeights(tensors, plan(spec), file) };
  }
  const errors = new Map<string, string>();
  for (const spec of Object.values(RESNETS)) {
    try {
      return { spec, ...validateWeights(tensors, plan(spec), file) };
    } catch (e) {
      errors.set(spec.name, (e as Error).message);
    }
  }
  // The closest miss for ResNet-50, the architecture this project is about.
  throw new WeightFileError(errors.get('resnet50') ?? `${file}: not a ResNet checkpoint`);
}

/**
 * The preprocessing weights declare: the contract their metadata names (converted files record
 * describePreprocessing's words, which start with the contract's name), else their
 * architecture's (torchvision's for torchvision ResNets, caffe for Keras's).
 */
export function declaredPreprocessing(metadata: Record<string, string>, spec: ResNetSpec, file: string): Preprocessing {
  const named = metadata.preprocessing?.split(':')[0];
  if (named === undefined) return PREPROCESSINGS[spec.preprocessing];
  if (!(named in PREPROCESSINGS))
    throw new WeightFileError(
      `${file}: unknown preprocessing '${named}' (known: ${Object.keys(PREPROCESSINGS).join(', ')})`,
    );
  return PREPROCESSINGS[named as keyof typeof PREPROCESSINGS];
}

/** Backbone weights read and validated on the CPU, ready for ResNet.load. */
export interface BackboneWeights {
  spec: ResNetSpec;
  /** What the weights expect of an image (from their metadata or architecture). */
  preprocessing: Preprocessing;
  tensors: TensorMap;
  /** Whether the ImageNet classifier (fc) is present. */
  classifier: boolean;
  /** The file's sha256, or `synthetic:SEED`. */
  sha256: string;
  metadata: Record<string, string>;
  synthetic: boolean;
  source: string;
}

/**
 * A weight file's tensors under our names with its architecture, whether it carries the
 * classifier, and its metadata: Keras files are renamed (keras.ts), others validated as read.
 */
export function resolveWeights(
  file: WeightFile,
  source: string,
  architecture?: string,
): { tensors: TensorMap; spec: ResNetSpec; classifier: boolean; metadata: Record<string, string> } {
  if (file.keras) {
    const { spec, tensors } = kerasToTensors(file.keras, source);
    if (architecture && architecture !== spec.name)
      throw new WeightFileError(`${source}: holds ${spec.name} weights, not ${architecture}`);
    const metadata = { ...file.metadata, architecture: spec.name };
    return { tensors, spec, classifier: tensors.has('fc.weight'), metadata };
  }
  const tensors = floatTensors(file.tensors, source);
  return { tensors, ...detectArchitecture(tensors, file.metadata, source, architecture), metadata: file.metadata };
}

/** Backbone weights from a parsed weight file (read from disk, or fetched in a browser). */
export function backboneWeights(file: WeightFile, source: string): BackboneWeights {
  const { tensors, spec, classifier, metadata } = resolveWeights(file, source);
  const preprocessing = declaredPreprocessing(metadata, spec, source);
  return { spec, preprocessing, tensors, classifier, sha256: file.sha256, metadata, synthetic: false, source };
}

/** Deterministic synthetic weights (with a classifier) for offline runs and checks: `random:SEED`. */
export function syntheticBackbone(seed: number, architecture = 'resnet50'): BackboneWeights {
  const spec = resnetSpec(architecture);
  const tensors = syntheticWeights(plan(spec), seed, true);
  return {
    spec,
    preprocessing: PREPROCESSINGS[spec.preprocessing],
    tensors,
    classifier: true,
    sha256: `synthetic:${seed}`,
    metadata: { architecture: spec.name },
    synthetic: true,
    source: `random:${seed}`,
  };
}

/** The inference-mode ResNet of these weights on the GPU, its activations stored at `precision`. */
export function loadBackbone(gpu: Gpu, weights: BackboneWeights, precision: Precision = 'f32'): ResNet {
  return ResNet.load(gpu, weights, precision);
}

/** Backbone weights from a weight file's bytes (safetensors, torchvision .pth, Keras .h5), validated. */
export async function backboneFromBytes(bytes: Uint8Array, source: string): Promise<BackboneWeights> {
  return backboneWeights(parseWeightFile(bytes, source, await sha256Hex(bytes)), source);
}
