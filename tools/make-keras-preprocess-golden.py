"""Keras's data path for test/data/keras-data.test.ts, from Keras's own sources run on PIL, numpy
and scipy (keras-preprocessing 1.0.2 and keras-applications 1.0.4 are not installable here;
the lines below transcribe them):

- load_img(path, target_size=(224, 224)): PIL open, convert('RGB'), resize((224, 224),
  NEAREST); and preprocess_input(mode='caffe') on img_to_array's float32: RGB to BGR, minus
  [103.939, 116.779, 123.68] in place. For every validation image of
  ../shared/datasets/alien-vs-predator, the sha256 of the 8-bit resized array and of the
  float32 preprocessed one (bit-exact comparison without shipping the arrays):
  test/fixtures/keras-preprocess-sha256.json.
- ImageDataGenerator's apply_transform for fixed parameters: apply_affine_transform (shear
  matrix . zoom matrix about transform_matrix_offset_center, scipy.ndimage.affine_transform
  order=1 per channel), flip_axis for the horizontal flip, then caffe, on a 48x48 image of
  the hash of src/model/synthetic.ts: test/fixtures/keras-augment-golden.safetensors.

Run: /usr/bin/python3 tools/make-keras-preprocess-golden.py   (Pillow 9.4, scipy 1.10)
"""
import hashlib
import json
import os
import sys

import numpy as np
import scipy
import scipy.ndimage
from PIL import Image

sys.path.insert(0, os.path.dirname(__file__))
from golden_common import uniform_stream, write_safetensors  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(here, '..', 'test', 'fixtures')
root = os.path.normpath(os.path.join(here, '..', '..', 'shared', 'datasets', 'alien-vs-predator', 'validation'))


def load_img(path, target_size):
    img = Image.open(path)
    if img.mode != 'RGB':
        img = img.convert('RGB')
    width_height_tuple = (target_size[1], target_size[0])
    if img.size != width_height_tuple:
        img = img.resize(width_height_tuple, Image.NEAREST)
    return img


def caffe(x):
    x = x[..., ::-1]
    mean = [103.939, 116.779, 123.68]
    x[..., 0] -= mean[0]
    x[..., 1] -= mean[1]
    x[..., 2] -= mean[2]
    return x


def transform_matrix_offset_center(matrix, x, y):
    o_x = float(x) / 2 + 0.5
    o_y = float(y) / 2 + 0.5
    offset_matrix = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset_matrix = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return np.dot(np.dot(offset_matrix, matrix), reset_matrix)


def apply_transform(x, shear, zx, zy, flip, fill_mode):
    """apply_affine_transform(x, shear=shear, zx=zx, zy=zy) then flip_axis(x, 1), channels last."""
    shear = np.deg2rad(shear)
    shear_matrix = np.array([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]])
    zoom_matrix = np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
    transform_matrix = np.dot(shear_matrix, zoom_matrix)
    h, w = x.shape[0], x.shape[1]
    transform_matrix = transform_matrix_offset_center(transform_matrix, h, w)
    x = np.rollaxis(x, 2, 0)
    channel_images = [scipy.ndimage.affine_transform(
        c, transform_matrix[:2, :2], transform_matrix[:2, 2], order=1, mode=fill_mode, cval=0.)
        for c in x]
    x = np.stack(channel_images, axis=0)
    x = np.rollaxis(x, 0, 3)
    if flip:
        x = x[:, ::-1, :]
    return x


sha = lambda a: hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()
hashes = {}
for c in sorted(os.listdir(root)):
    for f in sorted(os.listdir(os.path.join(root, c))):
        if f.startswith('.'):
            continue
        arr = np.asarray(load_img(os.path.join(root, c, f), (224, 224)), dtype=np.uint8)
        hashes['%s/%s' % (c, f)] = {'nearest': sha(arr), 'caffe': sha(caffe(arr.astype(np.float32)))}
with open(os.path.join(FIXTURES, 'keras-preprocess-sha256.json'), 'w') as out:
    json.dump({'made_by': 'tools/make-keras-preprocess-golden.py, Pillow %s, numpy %s'
               % (Image.__version__, np.__version__), 'validation': hashes}, out, indent=1)
    out.write('\n')

SEED, SIZE = 48, 48
image = np.floor(uniform_stream(SEED, 0, SIZE * SIZE * 3) * 256).astype(np.uint8).reshape(SIZE, SIZE, 3)
CASES = [(7.5, 0.85, 1.15, True, 'nearest'), (-10.0, 1.2, 0.8, False, 'nearest'), (3.0, 1.1, 0.9, True, 'constant'),
         (0.0, 1.0, 1.0, False, 'nearest')]
tensors = {}
for k, (shear, zx, zy, flip, fill) in enumerate(CASES):
    tensors['case%d' % k] = caffe(apply_transform(image.astype(np.float32), shear, zx, zy, flip, fill))
write_safetensors(os.path.join(FIXTURES, 'keras-augment-golden.safetensors'), tensors, {
    'seed': str(SEED), 'size': str(SIZE),
    'cases': json.dumps([{'shear': s, 'zx': zx, 'zy': zy, 'flip': f, 'fill': m} for s, zx, zy, f, m in CASES]),
    'made_by': 'tools/make-keras-preprocess-golden.py, scipy %s' % scipy.__version__})
print(len(hashes), 'images')
