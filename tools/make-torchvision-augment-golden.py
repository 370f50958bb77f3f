"""Golden augmentation for test/data/torchvision-augment.test.ts: the article's PyTorch training
transform as torchvision 0.2.1 ran it, on every image of ../shared/datasets/alien-vs-predator
(train and validation): Resize((224, 224)) (PIL's antialiased bilinear), then
RandomAffine(0, shear=10, scale=(0.8, 1.2)) for fixed parameters, transcribed from
torchvision 0.2.1's transforms.py and functional.py (get_params's draws are replaced by the
recorded ones; the inverse matrix of _get_inverse_affine_matrix; Image.transform(AFFINE,
NEAREST) with fillcolor=0), then RandomHorizontalFlip's transpose where the flip is drawn.

Each image gets its own parameters from Python's random (seed SEED), recorded in the fixture
with the sha256 (its first 64 bits) of the 8-bit resized image and of the augmented one, so CI needs no Python.
A few extreme parameter sets (the range's ends, no shear) run on the first images as well.

Run: /usr/bin/python3 tools/make-torchvision-augment-golden.py
"""
import hashlib
import json
import math
import os
import random

import PIL
from PIL import Image

SEED = 2018
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, '..', '..', 'shared', 'datasets', 'alien-vs-predator'))


def inverse_affine_matrix(center, angle, translate, scale, shear):
    """torchvision 0.2.1's transforms/functional.py _get_inverse_affine_matrix, line for line."""
    angle = math.radians(angle)
    shear = math.radians(shear)
    scale = 1.0 / scale
    d = math.cos(angle + shear) * math.cos(angle) + math.sin(angle + shear) * math.sin(angle)
    matrix = [
        math.cos(angle + shear), math.sin(angle + shear), 0,
        -math.sin(angle), math.cos(angle), 0
    ]
    matrix = [scale / d * m for m in matrix]
    matrix[2] += matrix[0] * (-center[0] - translate[0]) + matrix[1] * (-center[1] - translate[1])
    matrix[5] += matrix[3] * (-center[0] - translate[0]) + matrix[4] * (-center[1] - translate[1])
    matrix[2] += center[0]
    matrix[5] += center[1]
    return matrix


def affine(img, angle, translate, scale, shear):
    """torchvision 0.2.1's functional.affine with RandomAffine's resample=False, fillcolor=0."""
    output_size = img.size
    center = (img.size[0] * 0.5 + 0.5, img.size[1] * 0.5 + 0.5)
    matrix = inverse_affine_matrix(center, angle, translate, scale, shear)
    return img.transform(output_size, Image.AFFINE, matrix, Image.NEAREST, fillcolor=0)


def sha(img):
    """The first 64 bits of the sha256 of the pixels (RGB, row-major): enough to tell images apart."""
    return hashlib.sha256(img.tobytes()).hexdigest()[:16]


files = [os.path.join(split, c, f) for split in ('train', 'validation')
         for c in sorted(os.listdir(os.path.join(root, split)))
         for f in sorted(os.listdir(os.path.join(root, split, c))) if not f.startswith('.')]
rng = random.Random(SEED)
cases = []
extremes = [(0.8, -10.0, True), (1.2, 10.0, False), (1.0, 0.0, True), (0.8, 10.0, False), (1.2, -10.0, True)]
for i, name in enumerate(files):
    with open(os.path.join(root, name), 'rb') as f:
        resized = Image.open(f).convert('RGB').resize((224, 224), Image.BILINEAR)
    # RandomAffine.get_params(degrees=(0, 0), None, (0.8, 1.2), (-10, 10)) draws in this order.
    angle = rng.uniform(0, 0)
    scale = rng.uniform(0.8, 1.2)
    shear = rng.uniform(-10, 10)
    flip = rng.random() < 0.5
    params = [(angle, scale, shear, flip)] + ([(0.0,) + e for e in extremes] if i < 3 else [])
    for angle, scale, shear, flip in params:
        out = affine(resized, angle, (0, 0), scale, shear)
        if flip:
            out = out.transpose(Image.FLIP_LEFT_RIGHT)
        cases.append({'file': name, 'resized': sha(resized), 'angle': angle, 'scale': scale, 'shear': shear,
                      'flip': flip, 'augmented': sha(out)})
golden = {'made_by': 'tools/make-torchvision-augment-golden.py, Pillow %s' % PIL.__version__,
          'seed': SEED, 'cases': cases}
with open(os.path.join(here, '..', 'test', 'fixtures', 'torchvision-augment-golden.json'), 'w') as f:
    # A case per line.
    f.write(json.dumps({k: v for k, v in golden.items() if k != 'cases'})[:-1] + ', "cases": [\n')
    f.write(',\n'.join(json.dumps(c) for c in cases) + '\n]}\n')
print('%d files, %d cases' % (len(files), len(cases)))
