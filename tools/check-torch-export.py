#!/usr/bin/env python3
"""Loads a state_dict written by `node dist/export.js --torch` with the article's own PyTorch code
and prints the class probabilities of images as JSON (one list per image, in argument order).

Run with Debian's PyTorch: /usr/bin/python3 tools/check-torch-export.py WEIGHTS.pth CLASSES IMAGE...
The model and its loading are the article's (deepsense.ai, "Keras vs. PyTorch"), verbatim but
for the file name and the class count; images go through its validation transform.
"""
import json
import sys

import torch
import torch.nn as nn
from PIL import Image
from torchvision import models, transforms

path, classes, images = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
device = torch.device("cpu")

model_trained = models.resnet50(pretrained=False).to(device)
model_trained.fc = nn.Sequential(
               nn.Linear(2048, 128),
               nn.ReLU(inplace=True),
               nn.Linear(128, classes)).to(device)
model_trained.load_state_dict(torch.load(path))

normalize = transforms.Normalize(mean=[0.485, 0.456, 0.406],
                                 std=[0.229, 0.224, 0.225])
validation_transform = transforms.Compose([
    transforms.Resize((224, 224)),
    transforms.ToTensor(),
    normalize
])
img_list = [Image.open(img_path).convert("RGB") for img_path in images]
validation_batch = torch.stack([validation_transform(img).to(device) for img in img_list])
model_trained.eval()
with torch.no_grad():
    pred_logits_tensor = model_trained(validation_batch)
    pred_probs = torch.nn.functional.softmax(pred_logits_tensor, dim=1).cpu().data.numpy()
print(json.dumps(pred_probs.tolist()))
