"""Golden head training for test/autograd/head.test.ts: Linear(2048 -> 32) -> ReLU -> Linear(32 -> 3),
cross-entropy, torch.optim.Adam(lr=1e-3), 20 steps of batch 32 over 64 fixed samples in a
fixed order, in float64. Features, labels and the initial weights come from the hash of
src/model/synthetic.ts, so the test rebuilds them; the fixture holds the 20 losses and the
final weights.

Run: /usr/bin/python3 tools/make-head-golden.py   (PyTorch 1.13)
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from golden_common import uniform_stream, write_safetensors  # noqa: E402

SEED, FEATURES, HIDDEN, CLASSES, SAMPLES, BATCH, STEPS, LR = 11, 2048, 32, 3, 64, 32, 20, 1e-3


def uniform(stream, shape, bound):
    return ((2 * uniform_stream(SEED, stream, int(np.prod(shape))) - 1) * bound).astype(np.float32).reshape(shape)


# ReLU'd-like, >= 0
features = (uniform_stream(SEED, 0, SAMPLES * FEATURES) * 3).astype(np.float32).reshape(SAMPLES, FEATURES)
labels = np.floor(uniform_stream(SEED, 1, SAMPLES) * CLASSES).astype(np.int64)
init = {
    'fc1.weight': uniform(2, (HIDDEN, FEATURES), 1 / np.sqrt(FEATURES)),
    'fc1.bias': uniform(3, (HIDDEN,), 1 / np.sqrt(FEATURES)),
    'fc2.weight': uniform(4, (CLASSES, HIDDEN), 1 / np.sqrt(HIDDEN)),
    'fc2.bias': uniform(5, (CLASSES,), 1 / np.sqrt(HIDDEN)),
}
head = torch.nn.Sequential(
    torch.nn.Linear(FEATURES, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, CLASSES)).double()
with torch.no_grad():
    for (name, value), p in zip(init.items(), head.parameters()):
        p.copy_(torch.from_numpy(value).double())
optimizer = torch.optim.Adam(head.parameters(), lr=LR)
x_all = torch.from_numpy(features).double()
y_all = torch.from_numpy(labels)
losses = []
for step in range(STEPS):
    start = (step * BATCH) % SAMPLES
    x, y = x_all[start:start + BATCH], y_all[start:start + BATCH]
    optimizer.zero_grad()
    loss = torch.nn.functional.cross_entropy(head(x), y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
final = {name: p.detach().float().numpy() for name, p in zip(init, head.parameters())}
out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'head-golden.safetensors')
write_safetensors(out, {'losses': np.array(losses, dtype=np.float32), **final}, {
    'seed': str(SEED), 'features': str(FEATURES), 'hidden': str(HIDDEN), 'classes': str(CLASSES),
    'samples': str(SAMPLES), 'batch': str(BATCH), 'steps': str(STEPS), 'lr': str(LR),
    'made_by': 'tools/make-head-golden.py, torch %s, float64' % torch.__version__,
})
print('losses', ' '.join('%.5f' % l for l in losses))
