"""PyTorch side of bench/train-speed: the same models, batch 128, Adam, one thread.

Prints one JSON line {"student": samples/s, "teacher": ..., "cnn": ..., "cnn-teacher": ..., "torch": version}
(the models named in the second argument, comma-separated; all by default).
Samples are rows through the network per CPU-second (time.process_time, as run.ts uses the
process's CPU time), counted as run.ts counts them (ce + kd: 128 labelled + 128 transfer).
    python3 torch_speed.py [rounds] [student,teacher,cnn,cnn-teacher]
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.set_num_interop_threads(1)
torch.manual_seed(1)
BATCH = 128
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3


def mlp(hidden):
    layers, width = [], 784
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    return nn.Sequential(*layers, nn.Linear(width, 10))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(7 * 7 * 32, 64), nn.ReLU(), nn.Linear(64, 10),
    )


def cnn_teacher():
    """bench/quality's CNN teacher: conv 32-64 (no bias) + batch-norm + relu + pool, dense 128, dropout 0.3."""
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2)]
    return nn.Sequential(
        *block(1, 32), *block(32, 64), nn.Flatten(),
        nn.Dropout(0.3), nn.Linear(7 * 7 * 64, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10),
    )


def cnn_student():
    """bench/quality's small CNN student: conv 8-16 (3x3, relu, pool), then the output layer."""
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(7 * 7 * 16, 10),
    )


def kd(student, teacher, t=4.0):
    return F.kl_div(F.log_softmax(student / t, 1), F.log_softmax(teacher / t, 1), reduction="batchmean", log_target=True) * t * t


def speed(model, shape, distil, steps):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(BATCH, *shape)
    xt = torch.rand(BATCH, *shape)
    y = torch.randint(0, 10, (BATCH,))
    tl = torch.randn(BATCH, 10)

    def step():
        opt.zero_grad()
        if distil:
            logits = model(torch.cat([x, xt]))
            loss = F.cross_entropy(logits[:BATCH], y) + kd(logits[BATCH:], tl)
        else:
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    for _ in range(max(3, steps // 10)):
        step()
    rates = []
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(steps):
            step()
        rates.append(steps * BATCH * (2 if distil else 1) / (time.process_time() - started))
    return sorted(rates)[len(rates) // 2]


CASES = {
    "student": lambda: speed(mlp([64]), (784,), True, 400),
    "teacher": lambda: speed(mlp([1200, 1200]), (784,), False, 40),
    "cnn": lambda: speed(cnn(), (1, 28, 28), False, 40),
    "cnn-teacher": lambda: speed(cnn_teacher(), (1, 28, 28), False, 20),
    "cnn-student": lambda: speed(cnn_student(), (1, 28, 28), True, 40),
}
WANTED = sys.argv[2].split(",") if len(sys.argv) > 2 else list(CASES)
print(json.dumps({**{key: CASES[key]() for key in WANTED if key in CASES}, "torch": torch.__version__}))
