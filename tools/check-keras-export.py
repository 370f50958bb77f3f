#!/usr/bin/env python3
"""Checks a file written by `node dist/export.js --keras` with h5py, the way Keras 2.2.2's
model.load_weights reads it (keras/engine/saving.py, load_weights_from_hdf5_group): byte-string
attributes decoded as utf8, the layers with weights taken in order, each layer's weights by its
weight_names. The article's model is conv_base (the source .h5 without its ImageNet top) with
GlobalAveragePooling2D, Dense(128, relu) and Dense(C, softmax): its weighted layers must be the
source's, to the bit (in the order Keras lists a model's layers, which keras-applications' own
files follow and our fixture's need not), then dense_1 [2048, 128] and dense_2 [128, C].

Run: /usr/bin/python3 tools/check-keras-export.py EXPORTED.h5 SOURCE.h5 CLASSES
Prints "ok: N weighted layers" or raises.
"""
import sys

import h5py
import numpy as np

exported, source, classes = sys.argv[1], sys.argv[2], int(sys.argv[3])


def weighted_layers(path, keras_reads_it):
    # Keras 2.2.2 calls .decode('utf8') on these: the exported file must hold byte strings. The
    # source may be a later writer's, with str attributes.
    def decode(b):
        return b.decode('utf8') if keras_reads_it or isinstance(b, bytes) else b
    with h5py.File(path, 'r') as f:
        for key in ('keras_version', 'backend'):
            if key in f.attrs:
                decode(f.attrs[key])
        layer_names = [decode(n) for n in f.attrs['layer_names']]
        layers = []
        for name in layer_names:
            g = f[name]
            weight_names = [decode(n) for n in g.attrs['weight_names']]
            if weight_names:
                layers.append((name, weight_names, [np.asarray(g[w]) for w in weight_names]))
        return layers


got = weighted_layers(exported, True)
base = [layer for layer in weighted_layers(source, False) if layer[0] not in ('fc1000', 'predictions')]
assert len(got) == len(base) + 2, f'{len(got)} weighted layers, expected {len(base)} + 2'
by_name = {name: (names, values) for name, names, values in base}
assert sorted(name for name, _, _ in got[:-2]) == sorted(by_name), 'the weighted layers differ from the source\'s'
for name, names, values in got[:-2]:
    want_names, want_values = by_name[name]
    assert names == want_names, f'{name} {names} != {want_names}'
    for v, w in zip(values, want_values):
        assert v.dtype == w.dtype and v.shape == w.shape and np.array_equal(v, w), f'{name}: weights differ'
(d1, n1, v1), (d2, n2, v2) = got[-2:]
assert (d1, n1) == ('dense_1', ['dense_1/kernel:0', 'dense_1/bias:0']), (d1, n1)
assert (d2, n2) == ('dense_2', ['dense_2/kernel:0', 'dense_2/bias:0']), (d2, n2)
assert [v.shape for v in v1] == [(2048, 128), (128,)], [v.shape for v in v1]
assert [v.shape for v in v2] == [(128, classes), (classes,)], [v.shape for v in v2]
print(f'ok: {len(got)} weighted layers')
