"""The bench's teacher in PyTorch (random weights: speed only), all threads, batch 512, inference mode.
Prints one JSON line: samples/s. Run by bench/soft-labels/run.ts when torch is importable."""
import json
import os
import sys
import time

import torch
from torch import nn

kind, count = sys.argv[1], int(sys.argv[2])
torch.manual_seed(1)
torch.set_num_threads(os.cpu_count() or 1)  # all cores: PyTorch at its best on this machine
if kind == 'cnn':
    block = lambda i, o: [nn.Conv2d(i, o, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
    model = nn.Sequential(*block(1, 32), *block(32, 64), nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
    x = torch.rand(count, 1, 28, 28)
else:
    model = nn.Sequential(nn.Linear(784, 1200), nn.ReLU(), nn.Linear(1200, 1200), nn.ReLU(), nn.Linear(1200, 10))
    x = torch.rand(count, 784)
model.eval()
with torch.inference_mode():
    model(x[:2048])  # warm-up
    started = time.perf_counter()
    for start in range(0, count, 512):
        model(x[start:start + 512])
    elapsed = time.perf_counter() - started
print(json.dumps({'samplesPerSecond': count / elapsed, 'threads': torch.get_num_threads(), 'version': torch.__version__}))
