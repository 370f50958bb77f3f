"""Small JPEGs of every layout the decoder must handle, each with the RGB that PIL's
Image.open(...).convert('RGB') gives (torchvision's loader, libjpeg-turbo underneath), saved
as a PNG beside it: test/fixtures/jpeg/NAME.jpg and NAME.rgb.png.

Written by Pillow (baseline and progressive, every chroma subsampling, grey, CMYK, extreme
qualities) and by libjpeg-turbo's cjpeg (restart intervals, h1v2 and 4:1:1 sampling, RGB
without colour transform, arithmetic coding for the refusal test). Sizes are odd on purpose:
partial blocks and MCUs at the right and bottom edges.

Also writes test/fixtures/jpeg/dataset-sha256.json: the sha256 of PIL's RGB for every image of
../shared/datasets/alien-vs-predator, so the test can check whole decodes of real photos.

Run: /usr/bin/python3 tools/make-jpeg-fixtures.py   (needs python3-pil and libjpeg-turbo-progs)
"""
import glob
import hashlib
import json
import os
import subprocess
import tempfile

import numpy as np
from PIL import Image

root = os.path.join(os.path.dirname(__file__), '..')
out = os.path.join(root, 'test', 'fixtures', 'jpeg')
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(11)


def photo(w, h):
    """Smooth colour fields, an edge and noise: nonzero coefficients at all frequencies."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 128 + 100 * np.sin(x / 5.0) * np.cos(y / 7.0)
    g = 255 * x / max(w - 1, 1)
    b = np.where(x + y > (w + h) / 2, 220.0, 30.0)
    img = np.stack([r, g, b], -1) + rng.normal(0, 18, (h, w, 3))
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), 'RGB')


made = {}


def pil(name, img, **options):
    path = os.path.join(out, name + '.jpg')
    img.save(path, 'JPEG', **options)
    made[name] = path


def cjpeg(name, img, *args):
    path = os.path.join(out, name + '.jpg')
    with tempfile.NamedTemporaryFile(suffix='.ppm') as src:
        img.save(src.name)
        subprocess.run(['cjpeg', *args, '-outfile', path, src.name], check=True)
    made[name] = path


big = photo(61, 43)
pil('baseline-420', big, quality=75)
pil('baseline-422', big, quality=85, subsampling=1)
pil('baseline-444', big, quality=90, subsampling=0)
pil('optimized-420', big, quality=80, optimize=True)
pil('progressive-420', big, quality=90, progressive=True)
pil('progressive-444', big, quality=70, subsampling=0, progressive=True)
pil('quality-100', big, quality=100, subsampling=0)
pil('quality-5', big, quality=5)
pil('grey', big.convert('L'), quality=80)
pil('grey-progressive', big.convert('L'), quality=80, progressive=True)
pil('cmyk', big.convert('CMYK'), quality=90)
pil('tiny-1x1', photo(1, 1), quality=90)
pil('thin-2x9', photo(2, 9), quality=90)
pil('narrow-3x17', photo(3, 17), quality=90)
pil('narrow-5x7-progressive', photo(5, 7), quality=90, progressive=True)
cjpeg('restart-rows', big, '-quality', '85', '-restart', '1')
cjpeg('restart-blocks-progressive', big, '-quality', '85', '-restart', '3B', '-progressive')
cjpeg('h1v2', big, '-sample', '1x2,1x1,1x1')
cjpeg('h4v1', big, '-sample', '4x1,1x1,1x1')
cjpeg('h2v2-chroma-h1v2', big, '-sample', '2x2,1x2,1x1')
cjpeg('rgb', big, '-rgb', '-quality', '90')
cjpeg('arithmetic', big, '-arithmetic')

for name, path in made.items():
    if name == 'arithmetic':
        continue  # our decoder refuses it; PIL's libjpeg-turbo decodes it
    with Image.open(path) as img:
        img.convert('RGB').save(os.path.join(out, name + '.rgb.png'))
print(f'{len(made)} JPEG fixtures in {out}')

dataset = os.path.join(root, '..', 'shared', 'datasets', 'alien-vs-predator')
hashes = {}
for path in sorted(glob.glob(os.path.join(dataset, '*', '*', '*'))):
    with Image.open(path) as img:
        if img.format != 'JPEG':
            continue
        hashes[os.path.relpath(path, dataset)] = hashlib.sha256(img.convert('RGB').tobytes()).hexdigest()
with open(os.path.join(out, 'dataset-sha256.json'), 'w') as f:
    json.dump(hashes, f, indent=0, sort_keys=True)
print(f'{len(hashes)} dataset JPEG hashes')
