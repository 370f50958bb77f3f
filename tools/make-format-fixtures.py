"""Small BMP, GIF and WebP files of the kinds the image reader must handle, written by Pillow,
with the RGB values Pillow's convert('RGB') gives (torchvision's loader): test/fixtures/formats/.

Run: /usr/bin/python3 tools/make-format-fixtures.py
"""
import json
import os

import numpy as np
from PIL import Image

out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'formats')
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(11)
rgb = rng.integers(0, 256, (6, 9, 3), dtype=np.uint8)
# A smooth image for lossy WebP, so that the decoder's upsampling matters.
yy, xx = np.mgrid[0:12, 0:17]
smooth = np.dstack([xx * 15, yy * 20, (xx + yy) * 9]).astype(np.uint8)
base = Image.fromarray(rgb, 'RGB')
images = {
    'rgb24.bmp': (base, {}),
    'rgba32.bmp': (Image.fromarray(np.dstack([rgb, rgb[:, :, 0]]), 'RGBA'), {}),
    'gray8.bmp': (Image.fromarray(rgb[:, :, 1], 'L'), {}),
    'palette8.bmp': (base.quantize(colors=7), {}),
    'bilevel1.bmp': (Image.fromarray(rgb[:, :, 2] > 127), {}),
    'palette.gif': (base.quantize(colors=5), {}),
    'lossless.webp': (base, {'lossless': True}),
    'lossy.webp': (Image.fromarray(smooth, 'RGB'), {'quality': 80}),
}
# An animated GIF: the first frame is the one read.
frames = [base.quantize(colors=8), Image.fromarray(255 - rgb, 'RGB').quantize(colors=8)]
# Transparency: PIL's convert('RGB') gives transparent pixels their palette entry's colour.
images['transparent.gif'] = (base.quantize(colors=6), {'transparency': 2})
expected = {}
for name, (img, options) in images.items():
    img.save(os.path.join(out, name), **options)
frames[0].save(os.path.join(out, 'animated.gif'), save_all=True, append_images=frames[1:], duration=100, loop=0)
for name in sorted(os.listdir(out)):
    if name.endswith('.json'):
        continue
    with Image.open(os.path.join(out, name)) as back:
        expected[name] = {'mode': back.mode, 'size': list(back.size),
                          'rgb': np.asarray(back.convert('RGB')).reshape(-1).tolist()}
with open(os.path.join(out, 'expected.json'), 'w') as f:
    json.dump(expected, f)
print({k: (v['mode'], v['size']) for k, v in expected.items()})
