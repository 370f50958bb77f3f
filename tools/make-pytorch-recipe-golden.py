"""Golden of the article's PyTorch training loop for test/model/recipes.test.ts: torchvision's
resnet50 with synthetic weights (the hash of src/model/synthetic.ts), requires_grad False on
the backbone, model.fc = Sequential(Linear(2048, HIDDEN), ReLU, Linear(HIDDEN, 2)),
model.train() for STEPS steps of Adam(model.fc.parameters(), lr=1e-3) (PyTorch 0.4.1's step,
the article's: transcribed below from torch/optim/adam.py at v0.4.1) and cross-entropy on
BATCH synthetic images (SIZE x SIZE, fixed order, no augmentation), then model.eval() on the
validation images. Float64. The fixture holds the losses, the final head, every batchnorm's
running mean and variance, and the validation logits; its metadata also holds how far
PyTorch's own float32 run lands from that float64 result (relative errors), the floor any
float32 implementation of this loop is measured against: Adam turns the rounding of
near-cancelling gradient entries into whole steps, and 20 rows per channel in layer4's
batch statistics amplify rounding through the depth.

Run: /usr/bin/python3 tools/make-pytorch-recipe-golden.py   (PyTorch 1.13, torchvision 0.14)
"""
import os
import sys

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(__file__))
from adam041 import Adam041  # noqa: E402
from golden_common import synthetic_images, synthetic_state_dict, uniform_stream, write_safetensors  # noqa: E402

WEIGHT_SEED, IMAGE_SEED, HEAD_SEED = 3, 8, 7
SIZE, SAMPLES, BATCH, STEPS, VALIDATION, HIDDEN, CLASSES, LR = 64, 15, 5, 20, 4, 16, 2, 1e-3


def uniform(stream, shape, bound):
    return ((2 * uniform_stream(HEAD_SEED, stream, int(np.prod(shape))) - 1) * bound).astype(np.float32).reshape(shape)


def run(dtype):
    """The article's loop in `dtype`: losses, head, running statistics, validation logits."""
    model = torchvision.models.resnet50()
    synthetic_state_dict(model, WEIGHT_SEED)
    for p in model.parameters():
        p.requires_grad = False
    model.fc = torch.nn.Sequential(
        torch.nn.Linear(2048, HIDDEN), torch.nn.ReLU(inplace=True), torch.nn.Linear(HIDDEN, CLASSES))
    with torch.no_grad():
        for value, p in zip(init.values(), model.fc.parameters()):
            p.copy_(torch.from_numpy(value))
    model = model.to(dtype)
    optimizer = Adam041(model.fc.parameters(), lr=LR)
    criterion = torch.nn.CrossEntropyLoss()
    images = torch.from_numpy(synthetic_images(IMAGE_SEED, SAMPLES + VALIDATION, SIZE)).to(dtype)
    labels = torch.from_numpy(np.floor(uniform_stream(HEAD_SEED, 1, SAMPLES) * CLASSES).astype(np.int64))
    losses = []
    model.train()
    for step in range(STEPS):
        start = (step * BATCH) % SAMPLES
        outputs = model(images[start:start + BATCH])
        loss = criterion(outputs, labels[start:start + BATCH])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        logits = model(images[SAMPLES:]).double().numpy()
    head = {name: p.detach().double().numpy() for name, p in zip(init, model.fc.parameters())}
    running = {name: t.double().numpy() for name, t in model.state_dict().items()
               if name.endswith('running_mean') or name.endswith('running_var')}
    return np.array(losses), head, running, logits


def rel(got, want):
    return float(np.sqrt(((got - want) ** 2).sum() / (want ** 2).sum()))


init = {
    'fc1.weight': uniform(2, (HIDDEN, 2048), 1 / np.sqrt(2048)),
    'fc1.bias': uniform(3, (HIDDEN,), 1 / np.sqrt(2048)),
    'fc2.weight': uniform(4, (CLASSES, HIDDEN), 1 / np.sqrt(HIDDEN)),
    'fc2.bias': uniform(5, (CLASSES,), 1 / np.sqrt(HIDDEN)),
}
losses, head, running, logits = run(torch.float64)
f32 = run(torch.float32)
floor = {
    'float32_losses': rel(f32[0], losses),
    'float32_head': max(rel(f32[1][n], head[n]) for n in head),
    'float32_running': max(rel(f32[2][n], running[n]) for n in running),
    'float32_logits': rel(f32[3], logits),
}
tensors = {'losses': losses.astype(np.float32), 'validation_logits': logits.astype(np.float32)}
tensors.update({name: v.astype(np.float32) for name, v in head.items()})
tensors.update({'backbone.' + name: v.astype(np.float32) for name, v in running.items()})
out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'pytorch-recipe-golden.safetensors')
write_safetensors(out, tensors, {
    'weight_seed': str(WEIGHT_SEED), 'image_seed': str(IMAGE_SEED), 'head_seed': str(HEAD_SEED),
    'size': str(SIZE), 'samples': str(SAMPLES), 'batch': str(BATCH), 'steps': str(STEPS),
    'validation': str(VALIDATION), 'hidden': str(HIDDEN), 'classes': str(CLASSES), 'lr': str(LR),
    'made_by': 'tools/make-pytorch-recipe-golden.py, torch %s, float64, Adam of PyTorch 0.4.1' % torch.__version__,
    **{k: '%.3e' % v for k, v in floor.items()},
})
print('float32 PyTorch against float64:', floor)
print('losses', ' '.join('%.5f' % l for l in losses))
