#!/usr/bin/env python3
"""Writes losses.json: golden values and student-logit gradients of every Distillery loss,
computed in float64 by PyTorch from the formulas of the papers and their authors' code.

The TypeScript tests (golden.test.ts) compare the tfjs losses against this file. PyTorch is
needed only to regenerate it, never to build, test or run Distillery:

    apt-get install -y python3-torch python3-numpy     # PyTorch 1.13 on Debian 12
    /usr/bin/python3 packages/losses/test/golden/make_golden.py

Inputs are multiples of 1/256 below 2^15 in magnitude, so float32 holds them exactly: tfjs and
PyTorch see the very same numbers.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
TEMPERATURES = [0.5, 1.0, 4.0, 20.0]


# --- the losses, as their authors wrote them (float64) -------------------------------------

def ce(s, t, y, label_smoothing):
    return F.cross_entropy(s, y, label_smoothing=label_smoothing)


def kd(s, t, y, temperature):
    # Hinton et al. 2015; torchdistill / mdistiller form. kl_div treats 0·log 0 as 0.
    return F.kl_div(F.log_softmax(s / temperature, 1), F.softmax(t / temperature, 1), reduction="batchmean") * temperature**2


def soft_ce(s, t, y, temperature):
    return -(F.softmax(t / temperature, 1) * F.log_softmax(s / temperature, 1)).sum(1).mean() * temperature**2


def logit_mse(s, t, y):
    return F.mse_loss(s, t)


def non_target_index(target, classes):
    return torch.stack([torch.cat([torch.arange(0, k), torch.arange(k + 1, classes)]) for k in target.tolist()])


def dkd(s, t, y, alpha, beta, temperature, warmup_epochs, epoch, target):
    """Zhao et al. 2022. mdistiller masks the target with "logit − 1000", which is not a mask for
    logits of magnitude 1e3, and takes log(1 − p_target), which is log 0 when p_target rounds to 1;
    here the non-target classes are gathered instead, and the "rest" bin is a logsumexp. For
    moderate logits this equals mdistiller's dkd_loss (checked below)."""
    target = y if target == "labels" else t.argmax(1)
    batch, classes = s.shape
    rest = non_target_index(target, classes)

    def two_bins(z):
        logp = F.log_softmax(z / temperature, 1)
        return torch.stack([logp.gather(1, target[:, None])[:, 0], torch.logsumexp(logp.gather(1, rest), 1)], 1)

    bt, bs = two_bins(t), two_bins(s)
    tckd = (bt.exp() * (bt - bs)).sum(1)
    nt = F.log_softmax(t.gather(1, rest) / temperature, 1)
    ns = F.log_softmax(s.gather(1, rest) / temperature, 1)
    nckd = (nt.exp() * (nt - ns)).sum(1)
    # mdistiller: min(epoch / warmup, 1) with 1-based epochs; Distillery's epochs are 0-based.
    warm = 1.0 if warmup_epochs == 0 else min((epoch + 1) / warmup_epochs, 1.0)
    return warm * temperature**2 * (alpha * tckd + beta * nckd).mean()


def mdistiller_dkd(s, t, target, alpha, beta, temperature):
    """mdistiller's dkd_loss, verbatim in substance, to check the gathered form above."""
    gt = torch.zeros_like(s).scatter_(1, target[:, None], 1).bool()
    other = ~gt

    def cat_mask(p):
        return torch.stack([(p * gt).sum(1), (p * other).sum(1)], 1)

    ps = cat_mask(F.softmax(s / temperature, 1))
    pt = cat_mask(F.softmax(t / temperature, 1))
    tckd = F.kl_div(torch.log(ps), pt, reduction="sum") * temperature**2 / s.shape[0]
    pt2 = F.softmax(t / temperature - 1000.0 * gt, 1)
    ls2 = F.log_softmax(s / temperature - 1000.0 * gt, 1)
    nckd = F.kl_div(ls2, pt2, reduction="sum") * temperature**2 / s.shape[0]
    return alpha * tckd + beta * nckd


def ls_kd(s, t, y, temperature):
    """Sun et al. 2024, their kd_loss with logit_stand=True: torch.std is unbiased."""
    def normalize(z):
        return (z - z.mean(-1, keepdim=True)) / (1e-7 + z.std(-1, keepdim=True))

    return kd(normalize(s), normalize(t), y, temperature)


def dist(s, t, y, beta, gamma, temperature):
    """Huang et al. 2022, the authors' DIST module."""
    def pearson(a, b, eps=1e-8):
        a = a - a.mean(1, keepdim=True)
        b = b - b.mean(1, keepdim=True)
        return (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1) + eps)

    ys, yt = F.softmax(s / temperature, 1), F.softmax(t / temperature, 1)
    inter = 1 - pearson(ys, yt).mean()
    intra = 1 - pearson(ys.T, yt.T).mean()
    return temperature**2 * (beta * inter + gamma * intra)


# --- inputs ----------------------------------------------------------------------------------

def grid(rng, shape, scale):
    """Uniform in [−scale, scale], rounded to a multiple of 1/256: exact in float32."""
    return np.round(rng.uniform(-scale, scale, size=shape) * 256) / 256


def make_input(name, batch, classes, scale, seed, close=False):
    rng = np.random.RandomState(seed)
    student = grid(rng, (batch, classes), scale)
    # `close`: a teacher within ±0.05 of the student, so KL-type values are near 0.
    teacher = student + grid(rng, (batch, classes), 0.05) if close else grid(rng, (batch, classes), scale)
    labels = rng.randint(0, classes, size=batch)
    return {"id": name, "batch": batch, "classes": classes, "scale": scale,
            "student": student.ravel().tolist(), "teacher": teacher.ravel().tolist(), "labels": labels.tolist()}


INPUTS = [
    make_input("b1-c2", 1, 2, 3, 1),
    make_input("b1-c100", 1, 100, 5, 2),
    make_input("b4-c10", 4, 10, 5, 3),
    make_input("b16-c10", 16, 10, 2, 4),
    make_input("b8-c100", 8, 100, 10, 5),
    make_input("b8-c10-1e3", 8, 10, 1000, 6),
    make_input("b3-c100-1e3", 3, 100, 1000, 7),
    make_input("b5-c2-1e3", 5, 2, 1000, 8),
    make_input("b4-c10-close", 4, 10, 5, 9, close=True),
]


def loss_configs():
    """(loss name, options, epoch, function of (s, t, y))."""
    yield "ce", {"labelSmoothing": 0}, 0, lambda s, t, y: ce(s, t, y, 0.0)
    yield "ce", {"labelSmoothing": 0.1}, 0, lambda s, t, y: ce(s, t, y, 0.1)
    yield "logit-mse", {}, 0, logit_mse
    for T in TEMPERATURES:
        yield "kd", {"temperature": T}, 0, lambda s, t, y, T=T: kd(s, t, y, T)
        yield "soft-ce", {"temperature": T}, 0, lambda s, t, y, T=T: soft_ce(s, t, y, T)
        yield "dkd", {"temperature": T, "warmupEpochs": 0, "target": "labels"}, 0, \
            lambda s, t, y, T=T: dkd(s, t, y, 1.0, 8.0, T, 0, 0, "labels")
        yield "ls-kd", {"temperature": T}, 0, lambda s, t, y, T=T: ls_kd(s, t, y, T)
        yield "dist", {"temperature": T}, 0, lambda s, t, y, T=T: dist(s, t, y, 1.0, 1.0, T)
    # Defaults (α=1, β=8, T=4, W=20, teacher's top class) in warm-up, and other weights.
    yield "dkd", {}, 4, lambda s, t, y: dkd(s, t, y, 1.0, 8.0, 4.0, 20, 4, "teacher")
    yield "dkd", {"alpha": 0.5, "beta": 2, "temperature": 2, "warmupEpochs": 3, "target": "labels"}, 7, \
        lambda s, t, y: dkd(s, t, y, 0.5, 2.0, 2.0, 3, 7, "labels")
    yield "dist", {"beta": 2, "gamma": 0.5, "temperature": 4}, 0, lambda s, t, y: dist(s, t, y, 2.0, 0.5, 4.0)


def tensors(inp):
    shape = (inp["batch"], inp["classes"])
    s = torch.tensor(inp["student"]).reshape(shape).requires_grad_(True)
    t = torch.tensor(inp["teacher"]).reshape(shape)
    return s, t, torch.tensor(inp["labels"])


def short(x):
    """10 significant digits: far beyond the 1e-4 the tests ask for, and half the file size."""
    return float(f"{x:.10g}")


def lines(out):
    """JSON with one input or case per line, so a regenerated file diffs line by line."""
    compact = lambda v: json.dumps(v, separators=(",", ":"))
    head = ",".join(f"{compact(k)}:{compact(v)}" for k, v in out.items() if not isinstance(v, list))
    lists = ",\n".join(f'{compact(k)}:[\n' + ",\n".join(compact(item) for item in v) + "\n]" for k, v in out.items() if isinstance(v, list))
    return "{" + head + ",\n" + lists + "}\n"


def check_against_mdistiller():
    for inp in INPUTS:
        if inp["scale"] > 10:
            continue  # mdistiller's "− 1000" mask and log(1 − p) are not meant for such logits
        s, t, y = tensors(inp)
        for T in TEMPERATURES:
            ours = dkd(s, t, y, 1.0, 8.0, T, 0, 0, "labels").item()
            theirs = mdistiller_dkd(s, t, y, 1.0, 8.0, T).item()
            assert abs(ours - theirs) <= 1e-9 * max(1.0, abs(theirs)), (inp["id"], T, ours, theirs)


def main():
    check_against_mdistiller()
    cases = []
    for inp in INPUTS:
        for name, options, epoch, fn in loss_configs():
            s, t, y = tensors(inp)
            value = fn(s, t, y)
            (grad,) = torch.autograd.grad(value, s)
            assert torch.isfinite(value) and torch.isfinite(grad).all(), (inp["id"], name, options)
            cases.append({"input": inp["id"], "loss": name, "options": options, "epoch": epoch,
                          "value": short(value.item()), "grad": [short(g) for g in grad.ravel().tolist()]})
    out = {"generator": "make_golden.py", "torch": torch.__version__, "dtype": "float64", "inputs": INPUTS, "cases": cases}
    path = os.path.join(HERE, "losses.json")
    with open(path, "w") as f:
        f.write(lines(out))
    print(f"{path}: {len(INPUTS)} inputs, {len(cases)} cases, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
