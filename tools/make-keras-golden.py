"""Keras ResNet-50 weight files and their forward golden for test/model/keras.test.ts.

Writes with h5py, in the layout Keras's save_weights gives (root attribute layer_names, each
layer's group with attribute weight_names, weights at those paths, weightless layers listed
too):
- test/fixtures/keras-resnet50.h5: keras-applications 1.0.4's layer names (Keras 2.2.2:
  conv1, bn_conv1, res2a_branch2a, ...) with the fc1000 classifier;
- test/fixtures/tf-keras-resnet50-notop.h5: tf.keras's names (conv1_conv, conv2_block1_1_conv,
  ...), no classifier.
Kernels are sparse (input channel i feeds output channel o where (7 i + 3 o) % 64 == 0, with a
random sign) and batchnorm values dense, from numpy's seeded generator, stored in one
chunk per weight
gzip-compressed so the full ResNet-50 fits in about 600 KB (Keras's published files are
not compressed; h5py reads both alike).

The golden comes from a PyTorch transcription of the two Keras models written here, apart
from our TypeScript: keras-applications 1.0.4's ResNet50 (v1: stride on the first 1x1 conv
of a downsampling block, convs with biases, BatchNormalization epsilon 1e-3, MaxPooling2D
unpadded) and tf.keras's (epsilon 1.001e-5, ZeroPadding2D(1) before the pool), in float64, in
inference mode, on synthetic inputs (the hash of src/model/synthetic.ts, so the test rebuilds
them). test/fixtures/keras-golden.safetensors holds features (global average pool) and the
classifier's logits (before its softmax).

Run: /usr/bin/python3 tools/make-keras-golden.py   (h5py 3.7, PyTorch 1.13)
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from golden_common import synthetic_images, write_safetensors  # noqa: E402
from keras_transcription import forward, keras22_layers, make_weights, tf_keras_layers, write_h5  # noqa: E402

IMAGE_SEED, IMAGES, SIZE = 4, 2, 64
FIXTURES = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures')


images = synthetic_images(IMAGE_SEED, IMAGES, SIZE).transpose(0, 2, 3, 1)  # NHWC
w22 = make_weights(np.random.default_rng(22), classifier=True)
wtf = make_weights(np.random.default_rng(23), classifier=False)
write_h5(os.path.join(FIXTURES, 'keras-resnet50.h5'), keras22_layers(w22))
write_h5(os.path.join(FIXTURES, 'tf-keras-resnet50-notop.h5'), tf_keras_layers(wtf))
f22, l22 = forward(w22, images, 1e-3, False)
ftf, _ = forward(wtf, images, 1.001e-5, True)
write_safetensors(os.path.join(FIXTURES, 'keras-golden.safetensors'), {
    'keras_features': f22.float().numpy(), 'keras_logits': l22.float().numpy(),
    'tf_keras_features': ftf.float().numpy(),
}, {'image_seed': str(IMAGE_SEED), 'images': str(IMAGES), 'size': str(SIZE),
    'made_by': 'tools/make-keras-golden.py, torch %s, float64' % torch.__version__})
print('features', f22.abs().mean().item(), ftf.abs().mean().item(), 'logits', l22.abs().mean().item())
