"""Writes src/model/imagenet-classes.json: the 1000 ImageNet-1k class names in index order,
from torchvision's weight metadata. Run: /usr/bin/python3 tools/export-imagenet-classes.py"""
import json
import os

from torchvision.models._meta import _IMAGENET_CATEGORIES

assert len(_IMAGENET_CATEGORIES) == 1000
out = os.path.join(os.path.dirname(__file__), '..', 'src', 'model', 'imagenet-classes.json')
with open(out, 'w') as f:
    json.dump(list(_IMAGENET_CATEGORIES), f, indent=0)
    f.write('\n')
