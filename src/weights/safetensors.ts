// The safetensors format: an 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the raw little-endian data.
import { InputError } from '../errors.js';
import { BYTES_PER_ELEMENT, type HostDType, type HostTensor, type TensorMap, typedArray } from './host-tensor.js';
import { elementCount } from '../util/shapes.js';

const TO_SAFETENSORS: Record<HostDType, string> = {
  float32: 'F32',
  float16: 'F16',
  float64: 'F64',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};
const FROM_SAFETENSORS = new Map(Object.entries(TO_SAFETENSORS).map(([k, v]) => [v, k as HostDType]));
const MAX_HEADER = 100 * 1024 * 1024;

export interface Safetensors {
  tensors: TensorMap;
  metadata: Record<string, string>;
}

export class WeightFileError extends InputError {}

export function parseSafetensors(bytes: Uint8Array, file: string): Safetensors {
  const fail = (why: string): never => {
    throw new WeightFileError(`${file}: ${why}`);
  };
  if (bytes.length < 8) fail(`not a safetensors file (${bytes.length} bytes, shorter than its 8-byte header length)`);
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLength < 2 || headerLength > MAX_HEADER || 8 + headerLength > bytes.length) {
    fail(`not a safetensors file or truncated (header length ${headerLength}, file size ${bytes.length})`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    return fail('not a safetensors file (its header is not JSON)');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('safetensors header is not a JSON object');
  const data = bytes.subarray(8 + headerLength);
  const tensors: TensorMap = new Map();
  let metadata: Record<string, string> = {};
  const ranges: [number, number, string][] = [];
  const entries: { name: string; dtype: HostDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Object.values(entry).some((v) => typeof v !== 'string'))
        fail('__metadata__ must map strings to strings');
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = FROM_SAFETENSORS.get(String(e?.dtype));
    if (!dtype) fail(`tensor '${name}' has unsupported dtype ${JSON.stringify(e?.dtype)}`);
    const shape = e.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0))
      fail(`tensor '${name}' has an invalid shape ${JSON.stringify(shape)}`);
    const offsets = e.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      offsets.some((o) => !Number.isInteger(o) || o < 0) ||
      offsets[0] > offsets[1]
    ) {
      fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const expected = elementCount(shape as number[]) * BYTES_PER_ELEMENT[dtype!];
    if (end - begin !== expected)
      fail(`tensor '${name}' spans ${end - begin} bytes, its ${dtype} shape [${shape}] needs ${expected}`);
    if (end > data.length)
      fail(`truncated: tensor '${name}' ends at byte ${end} of a ${data.length}-byte data section`);
    ranges.push([begin, end, name]);
    entries.push({ name, dtype: dtype!, shape: shape as number[], begin, end });
  }
  // Ranges are checked before any tensor is copied: aliased entries cannot amplify the file.
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1]) fail(`tensors '${ranges[i - 1][2]}' and '${ranges[i][2]}' overlap`);
  }
  for (const e of entries) {
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: typedArray(e.dtype, data.subarray(e.begin, e.end)) });
  }
  return { tensors, metadata };
}

/** Serializes tensors (in the map's order) and string metadata. */
export function serializeSafetensors(tensors: TensorMap, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const parts: [HostTensor, number][] = [];
  for (const [name, t] of tensors) {
    const bytes = t.data.byteLength;
    if (bytes !== elementCount(t.shape) * BYTES_PER_ELEMENT[t.dtype])
      throw new Error(`tensor '${name}': ${bytes} bytes for ${t.dtype} [${t.shape}]`);
    header[name] = { dtype: TO_SAFETENSORS[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes] };
    parts.push([t, offset]);
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Space-padded, so that the data starts 8-byte aligned.
  const headerBytes = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  headerBytes.set(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  const base = 8 + headerBytes.length;
  for (const [t, at] of parts) out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), base + at);
  return out;
}
