"""Golden ResNet-50 outputs for test/model/resnet.test.ts.

torchvision's resnet50() gets the deterministic weights of src/model/synthetic.ts (seed
WEIGHT_SEED; every batchnorm statistic non-default) and runs, in eval mode and float64, on
BATCH synthetic images (seed IMAGE_SEED). Writes features (after global average pooling)
and logits to test/fixtures/resnet50-golden.safetensors.

Run: /usr/bin/python3 tools/make-resnet-golden.py   (PyTorch 1.13, torchvision 0.14)
"""
import os
import sys

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(__file__))
from golden_common import synthetic_images, synthetic_state_dict, write_safetensors  # noqa: E402

WEIGHT_SEED = 50
IMAGE_SEED = 7
BATCH = 42  # one more than lavapipe's 128 MiB binding holds at 224x224, so our forward splits it

torch.manual_seed(0)
model = torchvision.models.resnet50()
synthetic_state_dict(model, WEIGHT_SEED)
model = model.double().eval()
x = torch.from_numpy(synthetic_images(IMAGE_SEED, BATCH)).double()
with torch.no_grad():
    trunk = torch.nn.Sequential(*list(model.children())[:-1])
    features = trunk(x).flatten(1)
    logits = model.fc(features)
print('features: mean %.4f std %.4f   logits: mean %.4f std %.4f'
      % (features.mean(), features.std(), logits.mean(), logits.std()))
out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'resnet50-golden.safetensors')
write_safetensors(out, {'features': features.float().numpy(), 'logits': logits.float().numpy()}, {
    'weight_seed': str(WEIGHT_SEED), 'image_seed': str(IMAGE_SEED), 'batch': str(BATCH),
    'made_by': 'tools/make-resnet-golden.py, torch %s, torchvision %s, float64'
    % (torch.__version__, torchvision.__version__),
})
print('wrote', os.path.normpath(out))
