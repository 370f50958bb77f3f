"""Golden preprocessing for test/image/preprocess.test.ts: torchvision's Resize((224, 224)) of each
validation image of ../shared/datasets/alien-vs-predator (PIL decode, convert('RGB'),
antialiased bilinear), as 8-bit values before ToTensor/Normalize.

The committed fixture keeps SAMPLES values per image at positions drawn by the hash of
src/model/synthetic.ts (stream = image index, seed SAMPLE_SEED), so CI needs no Python.
With --full OUT it also writes every value of every image (for a one-off full comparison).

Run: /usr/bin/python3 tools/make-preprocess-golden.py [--full OUT.safetensors]
"""
import os
import sys

import numpy as np
from PIL import Image
import torchvision
from torchvision import transforms

sys.path.insert(0, os.path.dirname(__file__))
from golden_common import uniform_stream, write_safetensors  # noqa: E402

SAMPLES = 2048
SAMPLE_SEED = 224
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, '..', '..', 'shared', 'datasets', 'alien-vs-predator', 'validation'))
files = [os.path.join(c, f) for c in sorted(os.listdir(root))
         for f in sorted(os.listdir(os.path.join(root, c))) if not f.startswith('.')]
resize = transforms.Resize((224, 224))
count = 224 * 224 * 3
samples = np.zeros((len(files), SAMPLES), dtype=np.uint8)
full = np.zeros((len(files), 224, 224, 3), dtype=np.uint8)
for i, name in enumerate(files):
    with open(os.path.join(root, name), 'rb') as f:
        img = Image.open(f).convert('RGB')
    full[i] = np.asarray(resize(img))
    positions = np.floor(uniform_stream(SAMPLE_SEED, i, SAMPLES) * count).astype(np.int64)
    samples[i] = full[i].reshape(-1)[positions]
meta = {'files': '\n'.join(files), 'samples': str(SAMPLES), 'sample_seed': str(SAMPLE_SEED),
        'made_by': 'tools/make-preprocess-golden.py, torchvision %s, Pillow %s'
        % (torchvision.__version__, Image.__version__)}
write_safetensors(os.path.join(here, '..', 'test', 'fixtures', 'preprocess-golden.safetensors'),
                  {'samples': samples}, meta)
if '--full' in sys.argv:
    write_safetensors(sys.argv[sys.argv.index('--full') + 1], {'resized': full}, meta)
print('%d images' % len(files))
