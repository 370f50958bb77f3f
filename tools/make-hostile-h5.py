"""Small Keras-layout HDF5 files that would amplify, for test/hostile/bombs.test.ts, written with
h5py and then, where h5py cannot write the lie, patched byte by byte:

- unwritten.h5: a weight declared 31623 x 31623 floats in chunks, none ever written (8 KB);
- repeated-layers.h5: layer_names naming conv1 500 times;
- btree-chain.h5: the weight's chunk B-tree replaced by a chain of 60 nodes, each naming the
  next twice (2^60 visits if followed);
- gzip-bomb.h5: a chunk of 4 floats whose deflate stream inflates to 256 MiB.

Run: /usr/bin/python3 tools/make-hostile-h5.py   (h5py 3.7)
"""
import os
import struct
import zlib

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'hostile')
os.makedirs(OUT, exist_ok=True)


def keras_layout(path, layers, make):
    """A save_weights layout: root layer_names, each layer a group with weight_names."""
    with h5py.File(path, 'w') as f:
        f.attrs['layer_names'] = [n.encode() for n in layers]
        f.attrs['backend'] = b'tensorflow'
        f.attrs['keras_version'] = b'2.2.2'
        for name in dict.fromkeys(layers):
            g = f.create_group(name)
            g.attrs['weight_names'] = [f'{name}/kernel:0'.encode()]
            make(g.create_group(name), 'kernel:0')


def chunk_tree(data, rank):
    """The offset of the first raw-data-chunk B-tree node (TREE, type 1) and its first key."""
    at = data.find(b'TREE')
    while at >= 0 and data[at + 4] != 1:
        at = data.find(b'TREE', at + 4)
    return at


# 1. Declared huge, never written.
keras_layout(os.path.join(OUT, 'unwritten.h5'), ['conv1'],
             lambda g, n: g.create_dataset(n, shape=(31623, 31623), dtype='<f4', chunks=(1024, 1024)))

# 2. The same layer 500 times.
keras_layout(os.path.join(OUT, 'repeated-layers.h5'), ['conv1'] * 500,
             lambda g, n: g.create_dataset(n, data=np.ones((64, 64), dtype='<f4'), chunks=(64, 64)))

# 3. A chain of 60 B-tree nodes, each naming the next twice, in place of the real tree.
path = os.path.join(OUT, 'btree-chain.h5')
keras_layout(path, ['conv1'], lambda g, n: g.create_dataset(n, data=np.ones((4,), dtype='<f4'), chunks=(4,)))
data = bytearray(open(path, 'rb').read())
rank = 1
key = 8 + 8 * (rank + 1)
tree = chunk_tree(data, rank)
first_key = bytes(data[tree + 24:tree + 24 + key])
nodes = []
base = len(data)
node_size = 24 + 2 * (key + 8) + key
for level in range(60):
    addr = base + level * node_size
    nodes.append(addr)
for level, addr in enumerate(nodes):
    child = nodes[level + 1] if level + 1 < len(nodes) else tree
    node = bytearray(b'TREE' + bytes([1, 59 - level if level + 1 < len(nodes) else 1]) + struct.pack('<H', 2))
    node += struct.pack('<QQ', 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF)  # no siblings
    for _ in range(2):
        node += first_key + struct.pack('<Q', child)
    node += first_key
    data += node
# Point the layout message (version 3, chunked, dimensionality rank + 1) at the top of the chain.
layout = bytes([3, 2, rank + 1]) + struct.pack('<Q', tree)
where = data.find(layout)
assert where >= 0 and data.find(layout, where + 1) < 0, 'no unique chunked layout message'
data[where + 3:where + 11] = struct.pack('<Q', nodes[0])
open(path, 'wb').write(data)

# 4. A 16-byte chunk whose deflate stream inflates to 256 MiB.
path = os.path.join(OUT, 'gzip-bomb.h5')
keras_layout(path, ['conv1'],
             lambda g, n: g.create_dataset(n, data=np.ones((4,), dtype='<f4'), chunks=(4,), compression='gzip'))
data = bytearray(open(path, 'rb').read())
tree = chunk_tree(data, 1)
bomb = zlib.compress(bytes(256 * 2 ** 20), 9)
at = len(data)
data += bomb
key_at = tree + 24
data[key_at:key_at + 4] = struct.pack('<I', len(bomb))
data[key_at + key:key_at + key + 8] = struct.pack('<Q', at)
open(path, 'wb').write(data)

for name in sorted(os.listdir(OUT)):
    print(name, os.path.getsize(os.path.join(OUT, name)))
