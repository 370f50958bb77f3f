// Weight files on disk: read by content (safetensors or a torch.save zip), hashed, and written
// atomically (temp file, then rename) so a failed conversion leaves nothing behind.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { type TensorMap, isFloat, toFloat32 } from './host-tensor.js';
import { isZip, readPth } from './pth.js';
import { WeightFileError, parseSafetensors, serializeSafetensors } from './safetensors.js';

export interface WeightFile {
  tensors: TensorMap;
  metadata: Record<string, string>;
  sha256: string;
  format: 'safetensors' | 'pth';
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new WeightFileError(`${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
  }
}

export function readWeightFile(path: string): WeightFile {
  const bytes = readBytes(path);
  const hash = sha256(bytes);
  if (isZip(bytes)) return { tensors: readPth(bytes, path), metadata: {}, sha256: hash, format: 'pth' };
  const { tensors, metadata } = parseSafetensors(bytes, path);
  return { tensors, metadata, sha256: hash, format: 'safetensors' };
}

/** Writes `bytes` to `path` through a temp file in the same folder, so readers never see half a file. */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Float tensors as float32, without num_batches_tracked (an int64 counter inference never reads). */
export function floatTensors(tensors: TensorMap, file: string): TensorMap {
  const out: TensorMap = new Map();
  for (const [name, t] of tensors) {
    if (name.endsWith('num_batches_tracked')) continue;
    if (!isFloat(t.dtype)) throw new WeightFileError(`${file}: tensor '${name}' has dtype ${t.dtype}; only float weights are expected`);
    out.set(name, { dtype: 'float32', shape: t.shape, data: toFloat32(t) });
  }
  return out;
}

export function writeSafetensors(path: string, tensors: TensorMap, metadata: Record<string, string>): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
