// Weight files on disk: read, hashed, and written atomically (temp file, then rename) so a
// failed conversion leaves nothing behind.
import { readBytes, sha256, writeFileAtomic } from '../files.node.js';
import type { TensorMap } from './host-tensor.js';
import { type WeightFile, parseWeightFile } from './parse.js';
import { WeightFileError, serializeSafetensors } from './safetensors.js';

export function readWeightFile(path: string): WeightFile {
  const bytes = readBytes(path, WeightFileError);
  return parseWeightFile(bytes, path, sha256(bytes));
}

export function writeSafetensors(path: string, tensors: TensorMap, metadata: Record<string, string>): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
