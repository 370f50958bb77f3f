#!/usr/bin/env python3
"""Writes test/fixtures/adam-golden.json: torch.optim.Adam run step by step on fixed inputs,
as PyTorch 1.13 runs it and as PyTorch 0.4.1 did (tools/make-pytorch-recipe-golden.py's
Adam041, transcribed from torch/optim/adam.py at v0.4.1), in float32.

Run with Debian's PyTorch (python3-torch, 1.13): /usr/bin/python3 tools/make-adam-golden.py
Values are float32 as PyTorch computes them; the test replays the same gradients on the GPU.
"""
import json
import os
import pathlib
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from adam041 import Adam041  # noqa: E402

torch.manual_seed(1234)
STEPS = 5
cases = []
for name, flavor, kwargs in [
    ("defaults", "pytorch", dict(lr=1e-3)),
    ("lr0.01_betas0.8,0.99_eps1e-6_wd0.1", "pytorch", dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("PyTorch 0.4.1, defaults", "pytorch-0.4.1", dict(lr=1e-3)),
    ("PyTorch 0.4.1, lr0.01_betas0.8,0.99_eps1e-6_wd0.1", "pytorch-0.4.1",
     dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
]:
    n = 37
    param = torch.nn.Parameter(torch.randn(n, dtype=torch.float32))
    initial = param.detach().clone()
    # Gradients span magnitudes, including tiny ones where eps matters and exact zeros.
    grads = [torch.randn(n) * torch.logspace(-6, 1, n) for _ in range(STEPS)]
    for g in grads:
        g[::9] = 0.0
    if flavor == "pytorch":
        opt = torch.optim.Adam([param], foreach=False, **kwargs)
    else:
        opt = Adam041([param], **kwargs)
    after = []
    for g in grads:
        opt.zero_grad()
        param.grad = g.clone()
        opt.step()
        after.append(param.detach().clone())
    hp = opt.param_groups[0]
    cases.append({
        "name": name,
        "hyper": {"lr": hp["lr"], "beta1": hp["betas"][0], "beta2": hp["betas"][1], "eps": hp["eps"],
                  "weightDecay": hp["weight_decay"], "flavor": flavor},
        "initial": initial.tolist(),
        "grads": [g.tolist() for g in grads],
        "after": [a.tolist() for a in after],
    })

out = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "adam-golden.json"
out.write_text(json.dumps({"torch": torch.__version__, "cases": cases}))
print(f"wrote {out} (torch {torch.__version__})")
