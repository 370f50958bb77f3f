"""Helpers shared by the golden-fixture scripts: the counter-based hash of
src/model/synthetic.ts mirrored in numpy, and a minimal safetensors writer."""
import json
import os
import struct

import numpy as np


def hash32(x):
    x = x.astype(np.uint32)
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return x


def uniform_stream(seed, stream, count):
    key = hash32(np.array([(seed * 0x9E3779B1 + stream) & 0xFFFFFFFF], dtype=np.uint64).astype(np.uint32))[0]
    i = np.arange(count, dtype=np.uint64)
    h = hash32(((i + np.uint64(key)) & np.uint64(0xFFFFFFFF)).astype(np.uint32))
    return (h >> np.uint32(8)).astype(np.float64) / 16777216.0


def parameter_values(name, shape, u):
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    if name == 'fc.bias':
        v = 0.1 * (2 * u - 1)
    elif name == 'fc.weight':
        v = (2 * u - 1) / np.sqrt(fan_in)
    elif name.endswith('running_mean'):
        v = 0.1 * (2 * u - 1)
    elif name.endswith('running_var'):
        v = 0.5 + u
    elif len(shape) == 1 and name.endswith('.weight'):
        v = 0.2 + 0.6 * u
    elif name.endswith('.bias'):
        v = 0.2 * (2 * u - 1)
    else:
        v = (2 * u - 1) * np.sqrt(6 / fan_in)
    return v.astype(np.float32).reshape(shape)


def synthetic_state_dict(model, seed):
    """Fills every float tensor of the state_dict (num_batches_tracked aside) in order."""
    import torch
    state = model.state_dict()
    stream = 0
    for name, t in state.items():
        if name.endswith('num_batches_tracked'):
            continue
        shape = list(t.shape)
        values = parameter_values(name, shape, uniform_stream(seed, stream, int(np.prod(shape))))
        state[name] = torch.from_numpy(values)
        stream += 1
    model.load_state_dict(state)


def synthetic_images(seed, n, size=224):
    """NCHW inputs, the same values src/model/synthetic.ts lays out as NHWC: noise with a
    per-image, per-channel contrast and offset."""
    u = uniform_stream(seed, 0xFFFF, n * 3 * size * size).reshape(n * 3, size * size)
    v = uniform_stream(seed, 0xFFFE, n * 3 * 2).reshape(n * 3, 2)
    scale = (0.25 + 1.75 * v[:, 0])[:, None]
    offset = (1.5 * (2 * v[:, 1] - 1))[:, None]
    return (scale * (2 * u - 1) + offset).astype(np.float32).reshape(n, 3, size, size)


DTYPES = {np.dtype('float32'): 'F32', np.dtype('uint8'): 'U8', np.dtype('int32'): 'I32'}


def write_safetensors(path, tensors, metadata):
    header = {'__metadata__': metadata}
    offset = 0
    blobs = []
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        data = array.tobytes()
        header[name] = {'dtype': DTYPES[array.dtype], 'shape': list(array.shape),
                        'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    encoded = json.dumps(header).encode()
    encoded += b' ' * (-len(encoded) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)
