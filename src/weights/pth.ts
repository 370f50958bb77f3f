// Reads PyTorch checkpoints written by torch.save (>= 1.6): a zip archive holding data.pkl,
// a pickle whose tensors refer by key to raw little-endian storages in data/<key>.
import { unzipSync } from 'fflate';
import { type HostDType, type HostTensor, type TensorMap, BYTES_PER_ELEMENT, typedArray } from './host-tensor.js';
import { elementCount } from '../util/shapes.js';
import { WeightFileError } from './safetensors.js';
import { PickleError, type PyGlobal, unpickle } from './unpickle.js';

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
}

const PICKLE_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8];

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Every tensor in the checkpoint's state_dict (unwrapping {'state_dict': ...} and 'module.' prefixes). */
export function readPth(bytes: Uint8Array, file: string): TensorMap {
  const fail = (why: string): never => {
    throw new WeightFileError(`${file}: ${why}`);
  };
  if (!isZip(bytes)) {
    if (PICKLE_MAGIC.every((b, i) => bytes[i] === b))
      fail('legacy (pre-1.6) torch.save format is not supported; re-save it with torch >= 1.6');
    fail('not a PyTorch checkpoint (not a zip archive)');
  }
  let entries: Record<string, Uint8Array>;
  // Declared sizes are checked before anything is inflated: torch.save stores entries
  // uncompressed, so an archive that inflates to many times its size is refused.
  let declared = 0;
  const maxInflated = 8 * bytes.length + 2 ** 20;
  try {
    entries = unzipSync(bytes, {
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
  const pkl = Object.keys(entries).find((n) => n.endsWith('data.pkl') && n.split('/').length === 2);
  if (!pkl) return fail('zip archive has no <archive>/data.pkl: not a torch.save checkpoint');
  const root = pkl.slice(0, -'data.pkl'.length);
  const byteorder = entries[`${root}byteorder`];
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little')
    fail('big-endian checkpoints are not supported');

  const storages = new Map<string, Uint8Array>();
  const storageBytes = (ref: StorageRef): Uint8Array => {
    let data = storages.get(ref.key);
    if (!data) {
      data = entries[`${root}data/${ref.key}`];
      if (!data) fail(`storage data/${ref.key} is missing from the archive`);
      storages.set(ref.key, data!);
    }
    return data!;
  };
  const rebuildTensor: PyGlobal = ([storage, offset, size, stride]) => {
    const ref = storage as StorageRef;
    if (
      !ref?.storage ||
      !Number.isInteger(offset) ||
      !Array.isArray(size) ||
      !Array.isArray(stride) ||
      size.length !== stride.length
    ) {
      throw new PickleError('malformed tensor record');
    }
    return gather(storageBytes(ref), ref, offset as number, size as number[], stride as number[], fail);
  };
  const globals: Record<string, PyGlobal> = {
    'collections.OrderedDict': () => new Map(),
    'torch._utils._rebuild_tensor_v2': rebuildTensor,
    'torch._utils._rebuild_tensor': rebuildTensor,
    'torch._utils._rebuild_parameter': ([data]) => data,
  };
  for (const [name, dtype] of Object.entries(STORAGE_DTYPES)) globals[`torch.${name}`] = () => dtype;
  let root_: unknown;
  try {
    root_ = unpickle(entries[pkl], {
      globals,
      persistentLoad: (pid) => {
        if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5)
          throw new PickleError('unsupported persistent id');
        const dtype = pid[1];
        if (typeof dtype !== 'function') throw new PickleError('storage of an unknown type');
        return {
          storage: true,
          dtype: (dtype as PyGlobal)([]) as HostDType,
          key: typeof pid[2] === 'string' ? pid[2] : fail('malformed storage record (its key is not text)'),
          numel: typeof pid[4] === 'number' ? pid[4] : fail('malformed storage record (its size is not a number)'),
        } satisfies StorageRef;
      },
    });
  } catch (e) {
    if (e instanceof PickleError) fail(e.message);
    // A pickle nested deeper than the stack (or sized past what arrays take) is not a state_dict.
    if (e instanceof RangeError) fail(`not a readable state_dict pickle (${e.message})`);
    throw e;
  }
  try {
    return stateDict(root_, fail);
  } catch (e) {
    if (e instanceof RangeError) return fail(`not a readable state_dict pickle (${e.message})`);
    throw e;
  }
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

function isTensor(v: unknown): v is HostTensor {
  return typeof v === 'object' && v !== null && 'dtype' in v && 'shape' in v && 'data' in v;
}

function stateDict(root: unknown, fail: (why: string) => never): TensorMap {
  let dict = root;
  if (dict instanceof Map && !isTensor([...dict.values()][0])) {
    const inner = dict.get('state_dict') ?? dict.get('model');
    if (inner instanceof Map) dict = inner;
  }
  if (!(dict instanceof Map))
    return fail('checkpoint holds no state_dict (expected a dict of tensors or {"state_dict": ...})');
  const out: TensorMap = new Map();
  for (const [key, value] of dict) {
    if (!isTensor(value)) continue;
    out.set(String(key).replace(/^module\./, ''), value);
  }
  if (!out.size) fail('checkpoint state_dict has no tensors');
  return out;
}
