"""A small checkpoint written by the real torch.save, and the values it must read back as,
for test/model/weights.test.ts: tiny-checkpoint.pth in torch.save's zip format (torch >= 1.6) and
tiny-checkpoint-legacy.pth in the legacy format that earlier versions wrote (the article's
PyTorch 0.4.1; `_use_new_zipfile_serialization=False`).

It carries what real checkpoints have: several dtypes (float32, float16, float64, int64,
bfloat16), a Parameter, tensors that share one storage at different offsets, a
non-contiguous (transposed) view, a state_dict's OrderedDict with _metadata, the 'module.'
prefix of DataParallel and the {'state_dict': ...} wrapper of training scripts.

Run: /usr/bin/python3 tools/make-pth-fixture.py   (PyTorch 1.13)
"""
import json
import os
from collections import OrderedDict

import torch

out_dir = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures')
torch.manual_seed(1234)

base = torch.randn(40)
state = OrderedDict()
state['module.conv.weight'] = torch.nn.Parameter(torch.randn(4, 3, 3, 3))
state['module.bn.running_var'] = torch.rand(4) + 0.5
state['module.bn.num_batches_tracked'] = torch.tensor(17, dtype=torch.int64)
state['module.shared.a'] = base[3:13]                 # offset 3 into a shared storage
state['module.shared.b'] = base[20:32].view(3, 4)     # offset 20 into the same storage
state['module.transposed'] = torch.randn(5, 7).t()    # strides (1, 7)
state['module.half'] = torch.randn(2, 6).half()
state['module.double'] = torch.randn(3, 2).double()
state['module.bf16'] = torch.randn(8).bfloat16()
state['module.ints'] = torch.arange(-5, 7, dtype=torch.int64).view(3, 4)
state._metadata = OrderedDict({'': {'version': 1}})

checkpoint = {'epoch': 3, 'arch': 'tiny', 'best_acc': 0.5, 'state_dict': state, 'tags': ['a', (1, 2.5, None, True)]}
torch.save(checkpoint, os.path.join(out_dir, 'tiny-checkpoint.pth'))
torch.save(checkpoint, os.path.join(out_dir, 'tiny-checkpoint-legacy.pth'), _use_new_zipfile_serialization=False)

expected = {}
for name, t in state.items():
    key = name[len('module.'):]
    flat = t.detach().reshape(-1)
    if t.dtype in (torch.float16, torch.bfloat16):
        flat = flat.float()
    expected[key] = {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape), 'values': flat.tolist()}
with open(os.path.join(out_dir, 'tiny-checkpoint.json'), 'w') as f:
    json.dump(expected, f, indent=0)
print('wrote tiny-checkpoint.pth, tiny-checkpoint-legacy.pth and tiny-checkpoint.json')
