"""Small PNGs of every kind the image reader must handle, written by Pillow, with the RGB
values Pillow's convert('RGB') gives (torchvision's loader): test/fixtures/png/.

Run: /usr/bin/python3 tools/make-png-fixtures.py
"""
import json
import os

import numpy as np
from PIL import Image

out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'png')
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(3)
rgb = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
images = {
    'rgb.png': Image.fromarray(rgb, 'RGB'),
    'rgba.png': Image.fromarray(np.dstack([rgb, rng.integers(0, 256, (5, 7), dtype=np.uint8)]), 'RGBA'),
    'gray.png': Image.fromarray(rgb[:, :, 0], 'L'),
    'gray-alpha.png': Image.fromarray(np.dstack([rgb[:, :, 0], rgb[:, :, 1]]), 'LA'),
    'palette.png': Image.fromarray(rgb, 'RGB').quantize(colors=6),
    'gray16.png': Image.fromarray(np.minimum(rgb[:, :, 0].astype(np.int64) * 257 + 3, 65535).astype(np.uint16), 'I;16'),
}
expected = {}
for name, img in images.items():
    img.save(os.path.join(out, name))
    with Image.open(os.path.join(out, name)) as back:
        expected[name] = {'mode': back.mode, 'rgb': np.asarray(back.convert('RGB')).reshape(-1).tolist()}
with open(os.path.join(out, 'expected.json'), 'w') as f:
    json.dump(expected, f)
print({k: v['mode'] for k, v in expected.items()})
