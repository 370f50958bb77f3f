// Keras weight files (HDF5, as Keras's save_weights and keras-applications write them) read
// with jsfive, a pure-JavaScript HDF5 reader, so browsers load them too. What a Keras file
// declares is followed, not guessed: the root's `layer_names` in order, each layer group's
// `weight_names` in order, each weight at that path inside the layer's group.
import * as jsfive from 'jsfive';
import { chunksUnwritten, readChunkedFloats } from './h5-chunks.js';
import type { HostTensor } from './host-tensor.js';
import { WeightFileError } from './safetensors.js';

/**
 * The most weight values a Keras file may declare (4x a ResNet-50 with its classifier): what
 * it declares is checked before anything is read, so a small file cannot ask for gigabytes.
 */
export const MAX_KERAS_VALUES = 2 ** 27;

/** The 8-byte signature every HDF5 file starts with (at offset 0 for files h5py writes). */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function isHdf5(bytes: Uint8Array): boolean {
  return SIGNATURE.every((b, i) => bytes[i] === b);
}

export interface KerasWeight {
  /** As the file names it, e.g. `res2a_branch2a/kernel:0` or Keras 1's `conv1_W:0`. */
  name: string;
  tensor: HostTensor;
}

export interface KerasLayer {
  name: string;
  weights: KerasWeight[];
}

export interface KerasWeightFile {
  layers: KerasLayer[];
  /** The root's attributes other than layer_names (keras_version, backend). */
  attributes: Record<string, string>;
}

interface H5Node {
  attrs: Record<string, unknown>;
  shape?: number[];
  dtype?: unknown;
  value?: ArrayLike<number>;
  get?: (path: string) => H5Node | null;
}

// Fixed-length HDF5 strings come with their NUL padding.
const text = (v: unknown) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v)).replace(/\0+$/, '');

/** A Keras weight file's layers and weight names and shapes, without reading the weights. */
export interface KerasLayout {
  layers: { name: string; weights: { name: string; shape: number[] }[] }[];
  attributes: Record<string, string>;
}

/** The root attributes of an HDF5 file as text (model.save's model_config, training_config, keras_version). */
export function readHdf5RootAttributes(bytes: Uint8Array, path: string): Record<string, string> {
  if (!isHdf5(bytes)) throw new WeightFileError(`${path}: not an HDF5 file`);
  let file: H5Node;
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    file = new jsfive.File(buffer, path) as unknown as H5Node;
  } catch (e) {
    throw new WeightFileError(`${path}: truncated or corrupt HDF5 (${(e as Error).message ?? String(e)})`);
  }
  return Object.fromEntries(Object.entries(file.attrs).map(([k, v]) => [k, text(v)]));
}

/** The layers and weights of a Keras HDF5 weight file (a `model_weights` group, as model.save writes, is entered). */
export function readKerasH5(bytes: Uint8Array, path: string): KerasWeightFile {
  return walkKerasH5(bytes, path, true) as KerasWeightFile;
}

/** The layer names, weight names and shapes of a Keras HDF5 weight file: fast, no weight is read. */
export function readKerasLayout(bytes: Uint8Array, path: string): KerasLayout {
  return walkKerasH5(bytes, path, false) as KerasLayout;
}

function walkKerasH5(bytes: Uint8Array, path: string, values: boolean): KerasWeightFile | KerasLayout {
  const fail = (why: string): never => {
    throw new WeightFileError(`${path}: ${why}`);
  };
  if (!isHdf5(bytes)) fail('not an HDF5 file');
  let file: H5Node;
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    file = new jsfive.File(buffer, path) as unknown as H5Node;
  } catch (e) {
    return fail(`truncated or corrupt HDF5 (${(e as Error).message ?? String(e)})`);
  }
  const at = (node: H5Node, name: string): H5Node | null => {
    try {
      return node.get!(name);
    } catch {
      return null;
    }
  };
  let root = file;
  if (!('layer_names' in root.attrs)) {
    const nested = at(file, 'model_weights');
    if (nested && 'layer_names' in nested.attrs) root = nested;
    else fail("no 'layer_names' attribute: not a Keras weight file");
  }
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(root.attrs)) if (k !== 'layer_names') attributes[k] = text(v);
  const names = root.attrs.layer_names;
  if (!Array.isArray(names)) return fail("'layer_names' is not a list of names");
  const layerNames = names.map(text);
  const twice = layerNames.find((n, i) => layerNames.indexOf(n) !== i);
  if (twice !== undefined) fail(`layer '${twice}' is listed twice in layer_names`);
  const layers: (KerasLayer | KerasLayout['layers'][number])[] = [];
  let declared = 0;
  for (const layerName of layerNames) {
    const group = at(root, layerName);
    if (!group) return fail(`layer '${layerName}' is named in layer_names but has no group`);
    const weightNames = group.attrs.weight_names ?? [];
    if (!Array.isArray(weightNames)) return fail(`layer '${layerName}': 'weight_names' is not a list of names`);
    const weights: (KerasWeight | { name: string; shape: number[] })[] = [];
    for (const weightName of weightNames.map(text)) {
      const d = at(group, weightName);
      if (!d || !d.shape)
        return fail(`layer '${layerName}': weight '${weightName}' is named in weight_names but missing`);
      declared += d.shape.reduce((a, b) => a * b, 1);
      if (declared > MAX_KERAS_VALUES)
        return fail(`its weights declare more than ${MAX_KERAS_VALUES} values, more than any model here has`);
      if (!values) {
        weights.push({ name: weightName, shape: [...d.shape] });
        continue;
      }
      const dtype = String(d.dtype);
      if (!/^[<>]f[248]$/.test(dtype))
        return fail(`layer '${layerName}': weight '${weightName}' has dtype ${dtype}, not float`);
      if (chunksUnwritten(d)) return fail(`layer '${layerName}': weight '${weightName}' was never written`);
      let value: ArrayLike<number> | undefined;
      try {
        // jsfive's `value` assembles the data anew on every read: it is read once.
        value = readChunkedFloats(d) ?? d.value;
      } catch (e) {
        return fail(`layer '${layerName}': weight '${weightName}' cannot be read (${(e as Error).message ?? e})`);
      }
      if (value === undefined)
        return fail(`layer '${layerName}': weight '${weightName}' is named in weight_names but missing`);
      const data = value instanceof Float32Array ? value : Float32Array.from(value);
      const count = d.shape.reduce((a, b) => a * b, 1);
      if (data.length !== count)
        return fail(`layer '${layerName}': weight '${weightName}' holds ${data.length} values for shape [${d.shape}]`);
      weights.push({ name: weightName, tensor: { dtype: 'float32', shape: [...d.shape], data } });
    }
    layers.push({ name: layerName, weights } as KerasLayer);
  }
  return { layers, attributes } as KerasWeightFile;
}
