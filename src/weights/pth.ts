// Reads PyTorch checkpoints written by torch.save: the zip archive of torch >= 1.6 (data.pkl,
// a pickle whose tensors refer by key to raw little-endian storages in data/<key>), and the
// legacy format of earlier versions, the article's PyTorch 0.4.1 (five pickles one after
// another: a magic number, the protocol version, the system's sizes, the object, the sorted
// storage keys; then each storage as an int64 element count and its raw bytes). Tensors are
// views of storages: every view is checked against its storage, and their sizes summed against
// what the file holds, before any is copied.
import { unzipSync } from 'fflate';
import { type HostDType, type HostTensor, type TensorMap, BYTES_PER_ELEMENT, typedArray } from './host-tensor.js';
import { elementCount } from '../util/shapes.js';
import { WeightFileError } from './safetensors.js';
import { PickleError, type PyGlobal, unpickleAt } from './unpickle.js';

const STORAGE_DTYPES: Record<string, HostDType> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  DoubleStorage: 'float64',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

interface StorageRef {
  storage: true;
  dtype: HostDType;
  key: string;
  numel: number;
  /** A legacy storage that views another: its element offset and size in the root storage. */
  view: [number, number] | null;
}

/** A tensor record from the pickle, gathered from its storage once every record is known. */
interface TensorRecord {
  record: true;
  ref: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
}

const PICKLE_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8];
const LEGACY_MAGIC_PICKLE = [...PICKLE_MAGIC, 0x50, 0x19, 0x2e];

/**
 * Tensor bytes a checkpoint may declare beyond the bytes of its storages: views that share a
 * storage (tied weights) are legitimate, but a few views of one storage must not declare
 * gigabytes.
 */
const VIEW_SLACK_BYTES = 2 ** 20;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export function isLegacyTorch(bytes: Uint8Array): boolean {
  return PICKLE_MAGIC.every((b, i) => bytes[i] === b);
}

/** Every tensor in the checkpoint's state_dict (unwrapping {'state_dict': ...} and 'module.' prefixes). */
export function readPth(bytes: Uint8Array, file: string): TensorMap {
  const fail = (why: string): never => {
    throw new WeightFileError(`${file}: ${why}`);
  };
  const records: TensorRecord[] = [];
  const globals: Record<string, PyGlobal> = {
    'collections.OrderedDict': () => new Map(),
    'torch._utils._rebuild_tensor_v2': (args) => record(args, records),
    'torch._utils._rebuild_tensor': (args) => record(args, records),
    'torch._utils._rebuild_parameter': ([data]) => data,
  };
  for (const [name, dtype] of Object.entries(STORAGE_DTYPES)) globals[`torch.${name}`] = () => dtype;
  const persistentLoad = (pid: unknown): StorageRef => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5)
      throw new PickleError('unsupported persistent id');
    const dtype = pid[1];
    if (typeof dtype !== 'function') throw new PickleError('storage of an unknown type');
    const view = pid[5];
    return {
      storage: true,
      dtype: (dtype as PyGlobal)([]) as HostDType,
      key: typeof pid[2] === 'string' ? pid[2] : fail('malformed storage record (its key is not text)'),
      numel: typeof pid[4] === 'number' ? pid[4] : fail('malformed storage record (its size is not a number)'),
      view:
        Array.isArray(view) && view.length >= 2 && Number.isInteger(view[0]) && Number.isInteger(view[1])
          ? [view[0] as number, view[1] as number]
          : null,
    };
  };
  const guard = <T>(work: () => T): T => {
    try {
      return work();
    } catch (e) {
      if (e instanceof PickleError) return fail(e.message);
      // A pickle nested deeper than the stack (or sized past what arrays take) is not a state_dict.
      if (e instanceof RangeError) return fail(`not a readable state_dict pickle (${e.message})`);
      throw e;
    }
  };
  let root: unknown;
  let storageBytes: (ref: StorageRef) => Uint8Array;
  let totalStorage = 0;
  if (isZip(bytes)) {
    const entries = readZip(bytes, fail);
    const pkl = Object.keys(entries).find((n) => n.endsWith('data.pkl') && n.split('/').length === 2);
    if (!pkl) return fail('zip archive has no <archive>/data.pkl: not a torch.save checkpoint');
    const prefix = pkl.slice(0, -'data.pkl'.length);
    const byteorder = entries[`${prefix}byteorder`];
    if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little')
      fail('big-endian checkpoints are not supported');
    for (const [name, data] of Object.entries(entries))
      if (name.startsWith(`${prefix}data/`)) totalStorage += data.length;
    root = guard(() => unpickleAt(entries[pkl], 0, { globals, persistentLoad }).value);
    storageBytes = (ref) =>
      entries[`${prefix}data/${ref.key}`] ?? fail(`storage data/${ref.key} is missing from the archive`);
  } else if (isLegacyTorch(bytes)) {
    const legacy = guard(() => readLegacy(bytes, { globals, persistentLoad }, fail));
    root = legacy.root;
    totalStorage = legacy.totalBytes;
    storageBytes = (ref) => legacy.storage(ref);
  } else return fail('not a PyTorch checkpoint (neither a zip archive nor the legacy torch.save format)');
  // Every view's size, summed, against the bytes the storages hold: checked before any copy.
  let declared = 0;
  for (const r of records) {
    if ([...r.size, ...r.stride].some((n) => !Number.isInteger(n) || n < 0))
      fail(`tensor view [${r.size}] has bad sizes or strides`);
    declared += elementCount(r.size) * BYTES_PER_ELEMENT[r.ref.dtype];
  }
  if (declared > 2 * totalStorage + VIEW_SLACK_BYTES)
    fail(
      `its tensors declare ${declared} bytes of views over ${totalStorage} bytes of storage (aliases of one storage?)`,
    );
  const gathered = new Map<TensorRecord, HostTensor>();
  const materialize = (v: unknown): unknown => {
    if (!isRecord(v)) return v;
    let t = gathered.get(v);
    if (!t) gathered.set(v, (t = gather(storageBytes(v.ref), v.ref, v.offset, v.size, v.stride, fail)));
    return t;
  };
  try {
    return stateDict(root, materialize, fail);
  } catch (e) {
    if (e instanceof RangeError) return fail(`not a readable state_dict pickle (${e.message})`);
    throw e;
  }
}

function record([storage, offset, size, stride]: unknown[], records: TensorRecord[]): TensorRecord {
  const ref = storage as StorageRef;
  if (
    !ref?.storage ||
    !Number.isInteger(offset) ||
    !Array.isArray(size) ||
    !Array.isArray(stride) ||
    size.length !== stride.length
  )
    throw new PickleError('malformed tensor record');
  const r: TensorRecord = {
    record: true,
    ref,
    offset: offset as number,
    size: size as number[],
    stride: stride as number[],
  };
  records.push(r);
  return r;
}

const isRecord = (v: unknown): v is TensorRecord => typeof v === 'object' && v !== null && 'record' in v;

function readZip(bytes: Uint8Array, fail: (why: string) => never): Record<string, Uint8Array> {
  // Declared sizes are checked before anything is inflated: torch.save stores entries
  // uncompressed, so an archive that inflates to many times its size is refused.
  let declared = 0;
  const maxInflated = 8 * bytes.length + 2 ** 20;
  try {
    return unzipSync(bytes, {
      filter: (f) => {
        declared += f.originalSize;
        if (declared > maxInflated) {
          throw new PickleError(
            `zip entries declare ${declared} bytes from a ${bytes.length}-byte archive (a zip bomb?)`,
          );
        }
        return true;
      },
    });
  } catch (e) {
    if (e instanceof PickleError) return fail(e.message);
    return fail(`corrupt or truncated zip archive (${(e as Error).message})`);
  }
}

/**
 * The legacy format: the magic number, protocol version and system-info pickles, the object,
 * the sorted storage keys; then, for each key in that order, an int64 element count and the
 * storage's bytes (which must all lie inside the file).
 */
function readLegacy(
  bytes: Uint8Array,
  options: Parameters<typeof unpickleAt>[2],
  fail: (why: string) => never,
): { root: unknown; totalBytes: number; storage: (ref: StorageRef) => Uint8Array } {
  // The magic number is a 10-byte integer (0x1950a86a20f9469cfc6c), past what the unpickler
  // takes: matched as bytes, the pickle's STOP included.
  if (!LEGACY_MAGIC_PICKLE.every((b, i) => bytes[i] === b)) fail('legacy torch.save header is damaged');
  const protocol = unpickleAt(bytes, LEGACY_MAGIC_PICKLE.length, options);
  if (protocol.value !== 1001) fail(`legacy torch.save protocol ${String(protocol.value)}, expected 1001`);
  const sysInfo = unpickleAt(bytes, protocol.end, options);
  const info = sysInfo.value;
  if (info instanceof Map && info.get('little_endian') === false) fail('big-endian checkpoints are not supported');
  const object = unpickleAt(bytes, sysInfo.end, options);
  const keys = unpickleAt(bytes, object.end, options);
  if (!Array.isArray(keys.value) || keys.value.some((k) => typeof k !== 'string'))
    fail('legacy torch.save storage list is not a list of keys');
  // The storage types come from the object's records: a key's element size.
  const dtypes = new Map<string, HostDType>();
  const collect = (v: unknown, seen: Set<unknown>) => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (isRecord(v)) dtypes.set(v.ref.key, v.ref.dtype);
    else if (v instanceof Map) for (const x of v.values()) collect(x, seen);
    else if (Array.isArray(v)) for (const x of v) collect(x, seen);
  };
  collect(object.value, new Set());
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storages = new Map<string, Uint8Array>();
  let at = keys.end;
  let totalBytes = 0;
  for (const key of keys.value as string[]) {
    if (at + 8 > bytes.length) fail(`storage ${key} is missing (the file ends at byte ${bytes.length}: truncated?)`);
    const numel = Number(view.getBigInt64(at, true));
    const itemSize = BYTES_PER_ELEMENT[dtypes.get(key) ?? 'uint8'];
    const size = numel * itemSize;
    if (numel < 0 || at + 8 + size > bytes.length)
      fail(`storage ${key} declares ${numel} elements, past the end of the file (truncated?)`);
    storages.set(key, bytes.subarray(at + 8, at + 8 + size));
    totalBytes += size;
    at += 8 + size;
  }
  return {
    root: object.value,
    totalBytes,
    storage: (ref) => {
      const data = storages.get(ref.key) ?? fail(`storage ${ref.key} is missing from the file`);
      if (!ref.view) return data;
      const itemSize = BYTES_PER_ELEMENT[ref.dtype];
      const [offset, size] = ref.view;
      if (offset < 0 || size < 0 || (offset + size) * itemSize > data.length)
        fail(`storage view of ${ref.key} reaches past its storage`);
      return data.subarray(offset * itemSize, (offset + size) * itemSize);
    },
  };
}

function gather(
  bytes: Uint8Array,
  ref: StorageRef,
  offset: number,
  size: number[],
  stride: number[],
  fail: (why: string) => never,
): HostTensor {
  const itemSize = BYTES_PER_ELEMENT[ref.dtype];
  const numel = Math.floor(bytes.length / itemSize);
  if ([...size, ...stride].some((n) => !Number.isInteger(n) || n < 0))
    fail(`tensor view [${size}] has bad sizes or strides`);
  const count = elementCount(size);
  // A view of more elements than its storage holds repeats them (zero or overlapping strides):
  // a few bytes could declare gigabytes, and a state_dict has no use for it.
  if (count > numel) {
    fail(`tensor view [${size}] (strides [${stride}]) has more elements than its storage data/${ref.key} (${numel})`);
  }
  if (count === 0) return { dtype: ref.dtype, shape: size, data: typedArray(ref.dtype, new Uint8Array(0)) };
  let last = offset;
  size.forEach((d, i) => (last += (d - 1) * stride[i]));
  if (offset < 0 || last >= numel)
    fail(
      `tensor view [${size}] at offset ${offset} reaches past its ${numel}-element storage data/${ref.key} ` +
        `(truncated?)`,
    );
  const contiguous = size.every((_, i) => stride[i] === elementCount(size.slice(i + 1)) || size[i] === 1);
  if (contiguous)
    return {
      dtype: ref.dtype,
      shape: size,
      data: typedArray(ref.dtype, bytes.subarray(offset * itemSize, (offset + count) * itemSize)),
    };
  const out = new Uint8Array(count * itemSize);
  const index = new Array(size.length).fill(0);
  for (let n = 0; n < count; n++) {
    let src = offset;
    for (let i = 0; i < size.length; i++) src += index[i] * stride[i];
    out.set(bytes.subarray(src * itemSize, (src + 1) * itemSize), n * itemSize);
    for (let i = size.length - 1; i >= 0 && ++index[i] === size[i]; i--) index[i] = 0;
  }
  return { dtype: ref.dtype, shape: size, data: typedArray(ref.dtype, out) };
}

function stateDict(root: unknown, materialize: (v: unknown) => unknown, fail: (why: string) => never): TensorMap {
  let dict = root;
  if (dict instanceof Map && !isRecord([...dict.values()][0])) {
    const inner = dict.get('state_dict') ?? dict.get('model');
    if (inner instanceof Map) dict = inner;
  }
  if (!(dict instanceof Map))
    return fail('checkpoint holds no state_dict (expected a dict of tensors or {"state_dict": ...})');
  const out: TensorMap = new Map();
  for (const [key, value] of dict) {
    if (!isRecord(value)) continue;
    out.set(String(key).replace(/^module\./, ''), materialize(value) as HostTensor);
  }
  if (!out.size) fail('checkpoint state_dict has no tensors');
  return out;
}
