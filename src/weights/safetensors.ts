// The safetensors format: an 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the raw little-endian data.
import { InputError } from '../errors.js';
import { BYTES_PER_ELEMENT, type HostDType, type TensorMap, typedArray } from './host-tensor.js';
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

/** A tensor's place in a safetensors file: byte offsets within its data section. */
export interface SafetensorsEntry {
  name: string;
  dtype: HostDType;
  shape: number[];
  begin: number;
  end: number;
}

/** A safetensors file's header, checked: its metadata, its tensors and where its data section starts. */
export interface SafetensorsLayout {
  metadata: Record<string, string>;
  entries: SafetensorsEntry[];
  dataStart: number;
}

/**
 * Reads and checks the header of a safetensors file of `size` bytes through `readAt` (bytes
 * `length` from `offset`), so that a large file's tensors can be read one part at a time: each
 * tensor's dtype, shape and byte range (within the file, no two overlapping).
 */
export function safetensorsLayout(
  readAt: (offset: number, length: number) => Uint8Array,
  size: number,
  file: string,
): SafetensorsLayout {
  const fail = (why: string): never => {
    throw new WeightFileError(`${file}: ${why}`);
  };
  if (size < 8) fail(`not a safetensors file (${size} bytes, shorter than its 8-byte header length)`);
  const lengthBytes = readAt(0, 8);
  const headerLength = Number(new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLength < 2 || headerLength > MAX_HEADER || 8 + headerLength > size) {
    fail(`not a safetensors file or truncated (header length ${headerLength}, file size ${size})`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(readAt(8, headerLength)));
  } catch {
    return fail('not a safetensors file (its header is not JSON)');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('safetensors header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = size - dataStart;
  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
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
    if (end > dataLength) fail(`truncated: tensor '${name}' ends at byte ${end} of a ${dataLength}-byte data section`);
    entries.push({ name, dtype: dtype!, shape: shape as number[], begin, end });
  }
  // Ranges are checked before any tensor is read: aliased entries cannot amplify the file.
  const ranges = [...entries].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i].begin < ranges[i - 1].end) fail(`tensors '${ranges[i - 1].name}' and '${ranges[i].name}' overlap`);
  }
  return { metadata, entries, dataStart };
}

export function parseSafetensors(bytes: Uint8Array, file: string): Safetensors {
  const { metadata, entries, dataStart } = safetensorsLayout(
    (offset, length) => bytes.subarray(offset, offset + length),
    bytes.length,
    file,
  );
  const data = bytes.subarray(dataStart);
  const tensors: TensorMap = new Map();
  for (const e of entries) {
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: typedArray(e.dtype, data.subarray(e.begin, e.end)) });
  }
  return { tensors, metadata };
}

/**
 * The bytes before the data section of a safetensors file holding tensors of these dtypes and
 * shapes in this order (their data follows, back to back), and the data section's length: so
 * that a file too large to hold in memory can be written part by part.
 */
export function safetensorsHeader(
  tensors: readonly { name: string; dtype: HostDType; shape: readonly number[] }[],
  metadata: Record<string, string> = {},
): { header: Uint8Array; dataLength: number } {
  const json: Record<string, unknown> = {};
  if (Object.keys(metadata).length) json.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const bytes = elementCount(t.shape) * BYTES_PER_ELEMENT[t.dtype];
    json[t.name] = { dtype: TO_SAFETENSORS[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const text = new TextEncoder().encode(JSON.stringify(json));
  // Space-padded, so that the data starts 8-byte aligned.
  const header = new Uint8Array(8 + Math.ceil(text.length / 8) * 8).fill(0x20);
  new DataView(header.buffer).setBigUint64(0, BigInt(header.length - 8), true);
  header.set(text, 8);
  return { header, dataLength: offset };
}

/** Serializes tensors (in the map's order) and string metadata. */
export function serializeSafetensors(tensors: TensorMap, metadata: Record<string, string> = {}): Uint8Array {
  for (const [name, t] of tensors)
    if (t.data.byteLength !== elementCount(t.shape) * BYTES_PER_ELEMENT[t.dtype])
      throw new Error(`tensor '${name}': ${t.data.byteLength} bytes for ${t.dtype} [${t.shape}]`);
  const { header, dataLength } = safetensorsHeader(
    [...tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape })),
    metadata,
  );
  const out = new Uint8Array(header.length + dataLength);
  out.set(header);
  let at = header.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
