#!/usr/bin/env python3
"""Writes test/fixtures/controls-golden.json: PyTorch's answers for the training controls.

Run with Debian's PyTorch (python3-torch): /usr/bin/python3 tools/make-controls-golden.py
- CrossEntropyLoss(weight=w) loss and gradient on fixed logits (what --class-weights trains);
- the learning rates CosineAnnealingLR(T_max=epochs) and StepLR(step_size, gamma=0.1) give per epoch.
"""
import json
import pathlib

import torch

torch.manual_seed(4321)
cases = []
for rows, cols in [(7, 2), (13, 5)]:
    logits = (torch.randn(rows, cols) * 3).requires_grad_(True)
    labels = torch.randint(0, cols, (rows,))
    labels[0] = 0  # every class count differs from the balanced case
    weight = torch.rand(cols) * 2 + 0.1
    loss = torch.nn.CrossEntropyLoss(weight=weight)(logits, labels)
    loss.backward()
    cases.append({
        "rows": rows, "cols": cols,
        "logits": logits.detach().flatten().tolist(),
        "labels": labels.tolist(),
        "classWeights": weight.tolist(),
        "loss": loss.item(),
        "grad": logits.grad.flatten().tolist(),
    })


def rates(make, epochs):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1e-3)
    sched = make(opt)
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


schedules = {
    "cosine": {"epochs": 6, "lr": rates(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=6), 6)},
    "step": {"epochs": 9, "stepEpochs": 4,
             "lr": rates(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=4, gamma=0.1), 9)},
}
out = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "controls-golden.json"
out.write_text(json.dumps({"torch": torch.__version__, "weightedCrossEntropy": cases, "schedules": schedules}))
print(f"wrote {out} (torch {torch.__version__})")
