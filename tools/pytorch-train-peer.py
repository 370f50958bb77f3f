"""The article's PyTorch recipe, timed on this machine: the peer of bench/train.ts.

ResNet-50 (torchvision), frozen, with the new head Linear(2048, 128) -> ReLU -> Linear(128, C);
Adam(lr=1e-3) on the head; ImageFolder data with the article's transforms (train: Resize((224,
224)), RandomAffine(0, shear=10, scale=(0.8, 1.2)), RandomHorizontalFlip; validation: Resize),
batch 32, model.train() / model.eval() per phase as in the article, CPU with --threads threads.
Pretrained weights cannot be downloaded here and do not change the timing: random init.

Prints one JSON object: {"threads", "step": {"batch", "seconds", "imagesPerSecond"},
"full": {"epochs", "seconds", "history": [...]}} (full only without --no-full).

Run: /usr/bin/python3 tools/pytorch-train-peer.py DATA_ROOT [--epochs 3] [--threads 2] [--no-full]
"""
import argparse
import json
import time

import torch
import torchvision
from torchvision import datasets, transforms

parser = argparse.ArgumentParser()
parser.add_argument('data')
parser.add_argument('--epochs', type=int, default=3)
parser.add_argument('--threads', type=int, default=2)
parser.add_argument('--steps', type=int, default=3)
parser.add_argument('--no-full', action='store_true')
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

normalize = transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
data_transforms = {
    'train': transforms.Compose([transforms.Resize((224, 224)), transforms.RandomAffine(0, shear=10, scale=(0.8, 1.2)),
                                 transforms.RandomHorizontalFlip(), transforms.ToTensor(), normalize]),
    'validation': transforms.Compose([transforms.Resize((224, 224)), transforms.ToTensor(), normalize]),
}
image_datasets = {x: datasets.ImageFolder(f'{args.data}/{x}', data_transforms[x]) for x in ['train', 'validation']}
loaders = {x: torch.utils.data.DataLoader(image_datasets[x], batch_size=32, shuffle=(x == 'train'), num_workers=0)
           for x in ['train', 'validation']}
classes = len(image_datasets['train'].classes)

model = torchvision.models.resnet50()
for p in model.parameters():
    p.requires_grad = False
model.fc = torch.nn.Sequential(torch.nn.Linear(2048, 128), torch.nn.ReLU(inplace=True), torch.nn.Linear(128, classes))
criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.fc.parameters(), lr=1e-3)


def step(inputs, labels):
    outputs = model(inputs)
    loss = criterion(outputs, labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return outputs, loss


result = {'threads': args.threads}
model.train()
inputs, labels = next(iter(loaders['train']))
step(inputs, labels)  # warm-up
times = []
for _ in range(args.steps):
    start = time.perf_counter()
    step(inputs, labels)
    times.append(time.perf_counter() - start)
times.sort()
seconds = times[len(times) // 2]
result['step'] = {'batch': len(labels), 'seconds': seconds, 'imagesPerSecond': len(labels) / seconds}

if not args.no_full:
    start = time.perf_counter()
    history = []
    for epoch in range(args.epochs):
        record = {'epoch': epoch + 1}
        for phase in ['train', 'validation']:
            model.train() if phase == 'train' else model.eval()
            loss_sum, correct = 0.0, 0
            for inputs, labels in loaders[phase]:
                if phase == 'train':
                    outputs, loss = step(inputs, labels)
                else:
                    with torch.no_grad():
                        outputs = model(inputs)
                        loss = criterion(outputs, labels)
                loss_sum += loss.item() * len(labels)
                correct += (outputs.argmax(1) == labels).sum().item()
            n = len(image_datasets[phase])
            record[phase] = {'loss': loss_sum / n, 'acc': correct / n}
        history.append(record)
    result['full'] = {'epochs': args.epochs, 'seconds': time.perf_counter() - start, 'history': history}
print(json.dumps(result))
