// Weight files in memory, told apart by content (safetensors, a torch.save zip, Keras HDF5); no Node
// APIs, so browsers load weights through here too.
import { type TensorMap, isFloat, toFloat32 } from './host-tensor.js';
import { type KerasWeightFile, isHdf5, readKerasH5 } from './h5.js';
import { isLegacyTorch, isZip, readPth } from './pth.js';
import { WeightFileError, parseSafetensors } from './safetensors.js';

export interface WeightFile {
  /** Tensors under the file's own names (empty for Keras files, whose weights are in `keras`). */
  tensors: TensorMap;
  metadata: Record<string, string>;
  sha256: string;
  format: 'safetensors' | 'pth' | 'keras-h5';
  /** A Keras HDF5 file's layers, renamed to ours by src/model/keras.ts. */
  keras?: KerasWeightFile;
}

/** A weight file already in memory, told apart by content. */
export function parseWeightFile(bytes: Uint8Array, path: string, hash: string): WeightFile {
  // A pickle (PROTO opcode) is torch.save's legacy format (whatever the file's name: the
  // article saves its state_dict as weights.h5).
  if (isZip(bytes) || isLegacyTorch(bytes))
    return { tensors: readPth(bytes, path), metadata: {}, sha256: hash, format: 'pth' };
  // A .h5 name with other contents is said to be "not an HDF5 file" rather than misread as safetensors.
  if (isHdf5(bytes) || /\.(h5|hdf5)$/i.test(path)) {
    const keras = readKerasH5(bytes, path);
    return { tensors: new Map(), metadata: keras.attributes, sha256: hash, format: 'keras-h5', keras };
  }
  const { tensors, metadata } = parseSafetensors(bytes, path);
  return { tensors, metadata, sha256: hash, format: 'safetensors' };
}

/** Float tensors as float32, without num_batches_tracked (an int64 counter inference never reads). */
export function floatTensors(tensors: TensorMap, file: string): TensorMap {
  const out: TensorMap = new Map();
  for (const [name, t] of tensors) {
    if (name.endsWith('num_batches_tracked')) continue;
    if (!isFloat(t.dtype))
      throw new WeightFileError(`${file}: tensor '${name}' has dtype ${t.dtype}; only float weights are expected`);
    out.set(name, { dtype: 'float32', shape: t.shape, data: toFloat32(t) });
  }
  return out;
}
