#!/usr/bin/env python3
"""Writes features.json: golden values and student-feature gradients of Distillery's feature
losses (hint, at, rkd), computed in float64 by PyTorch from the authors' reference code.

The TypeScript tests (golden-features.test.ts) compare the tfjs losses against this file.
PyTorch is needed only to regenerate it, never to build, test or run Distillery:

    apt-get install -y python3-torch python3-numpy     # PyTorch 1.13 on Debian 12
    /usr/bin/python3 packages/losses/test/golden/make_feature_golden.py

Feature maps are stored as Distillery (TensorFlow.js) holds them, channels last [B, H, W, C];
PyTorch's reference code wants [B, C, H, W], so they are permuted on the way in and the
gradient permuted back. Inputs are multiples of 1/256, exact in float32.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from make_golden import lines, short  # the same number format and one-line-per-case JSON

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))


# --- FitNets (Romero et al. 2015): the regressor's output against the teacher's hint ----------

def hint(fs, ft):
    return F.mse_loss(fs, ft)


# --- Attention transfer (Zagoruyko & Komodakis 2017) ---------------------------------------------

def zagoruyko_at(x):
    """szagoruyko/attention-transfer utils.py, verbatim: p = 2, mean over channels."""
    return F.normalize(x.pow(2).mean(1).view(x.size(0), -1))


def zagoruyko_at_loss(x, y):
    return (zagoruyko_at(x) - zagoruyko_at(y)).pow(2).mean()


def at(fs, ft, p):
    """NCHW. mdistiller's single_stage_at_loss (adaptive average pooling of the larger map to
    the smaller one's size) with the paper's |A|^p; for p = 2 it is the reference code above."""
    s_h, t_h = fs.shape[2], ft.shape[2]
    if s_h > t_h:
        fs = F.adaptive_avg_pool2d(fs, ft.shape[2:])
    elif s_h < t_h:
        ft = F.adaptive_avg_pool2d(ft, fs.shape[2:])

    def q(f):
        return F.normalize(f.abs().pow(p).mean(1).reshape(f.size(0), -1))

    return (q(fs) - q(ft)).pow(2).mean()


# --- Relational KD (Park et al. 2019), lenscloth/RKD metric/loss.py ------------------------------

def pdist(e, squared=False, eps=1e-12):
    e_square = e.pow(2).sum(dim=1)
    prod = e @ e.t()
    res = (e_square.unsqueeze(1) + e_square.unsqueeze(0) - 2 * prod).clamp(min=eps)
    if not squared:
        res = res.sqrt()
    res = res.clone()
    res[range(len(e)), range(len(e))] = 0
    return res


def rkd_distance(student, teacher):
    with torch.no_grad():
        t_d = pdist(teacher, squared=False)
        mean_td = t_d[t_d > 0].mean()
        t_d = t_d / mean_td
    d = pdist(student, squared=False)
    mean_d = d[d > 0].mean()
    d = d / mean_d
    return F.smooth_l1_loss(d, t_d, reduction="mean")


def rkd_angle(student, teacher):
    with torch.no_grad():
        td = teacher.unsqueeze(0) - teacher.unsqueeze(1)
        norm_td = F.normalize(td, p=2, dim=2)
        t_angle = torch.bmm(norm_td, norm_td.transpose(1, 2)).view(-1)
    sd = student.unsqueeze(0) - student.unsqueeze(1)
    norm_sd = F.normalize(sd, p=2, dim=2)
    s_angle = torch.bmm(norm_sd, norm_sd.transpose(1, 2)).view(-1)
    return F.smooth_l1_loss(s_angle, t_angle, reduction="mean")


def rkd(fs, ft, distance_weight, angle_weight):
    # mdistiller's RKD: embeddings flattened per example.
    s, t = fs.reshape(fs.shape[0], -1), ft.reshape(ft.shape[0], -1)
    return distance_weight * rkd_distance(s, t) + angle_weight * rkd_angle(s, t)


# --- inputs ----------------------------------------------------------------------------------

def grid(rng, shape, scale):
    return np.round(rng.uniform(-scale, scale, size=shape) * 256) / 256


def make_input(name, student_shape, teacher_shape, scale, seed):
    rng = np.random.RandomState(seed)
    return {"id": name, "studentShape": list(student_shape), "teacherShape": list(teacher_shape), "scale": scale,
            "student": grid(rng, student_shape, scale).ravel().tolist(),
            "teacher": grid(rng, teacher_shape, scale).ravel().tolist()}


INPUTS = [
    # same shapes: hint, at, rkd
    make_input("map-b2-4x4x3", (2, 4, 4, 3), (2, 4, 4, 3), 2, 11),
    make_input("map-b1-3x3x2", (1, 3, 3, 2), (1, 3, 3, 2), 1, 12),
    make_input("vec-b5-8", (5, 8), (5, 8), 3, 13),
    make_input("map-b3-5x5x4-big", (3, 5, 5, 4), (3, 5, 5, 4), 50, 14),
    # at: channels differ, spatial sizes equal or pooled to the smaller
    make_input("at-b2-4x4-c3-c5", (2, 4, 4, 3), (2, 4, 4, 5), 2, 21),
    make_input("at-b3-8x8-c2-to-4x4-c6", (3, 8, 8, 2), (3, 4, 4, 6), 2, 22),
    make_input("at-b2-2x2-c4-from-4x4-c3", (2, 2, 2, 4), (2, 4, 4, 3), 2, 23),
    # rkd: embedding sizes differ, maps flattened
    make_input("rkd-b4-6-10", (4, 6), (4, 10), 2, 31),
    make_input("rkd-b8-3-3", (8, 3), (8, 3), 5, 32),
    make_input("rkd-b3-2x2x2-5", (3, 2, 2, 2), (3, 5), 1, 33),
    make_input("rkd-b2-4-4", (2, 4), (2, 4), 2, 34),
]


def nchw(x):
    return x.permute(0, 3, 1, 2) if x.dim() == 4 else x


def cases_for(inp):
    same = inp["studentShape"] == inp["teacherShape"]
    maps = len(inp["studentShape"]) == 4 and len(inp["teacherShape"]) == 4
    if same:
        yield "hint", {}, lambda s, t: hint(s, t)
    if maps:
        yield "at", {}, lambda s, t: at(nchw(s), nchw(t), 2)
        yield "at", {"p": 3}, lambda s, t: at(nchw(s), nchw(t), 3)
    # RKD relates examples to each other: a batch of one has no pairs (Distillery refuses it).
    if not inp["id"].startswith("at-") and inp["studentShape"][0] >= 2:
        yield "rkd", {}, lambda s, t: rkd(s, t, 25.0, 50.0)
        yield "rkd", {"distanceWeight": 1, "angleWeight": 0}, lambda s, t: rkd(s, t, 1.0, 0.0)
        yield "rkd", {"distanceWeight": 0, "angleWeight": 1}, lambda s, t: rkd(s, t, 0.0, 1.0)


def tensors(inp):
    s = torch.tensor(inp["student"]).reshape(inp["studentShape"]).requires_grad_(True)
    t = torch.tensor(inp["teacher"]).reshape(inp["teacherShape"])
    return s, t


def check_against_reference_at():
    for inp in INPUTS:
        if inp["studentShape"][1:3] != inp["teacherShape"][1:3] or len(inp["studentShape"]) != 4:
            continue
        s, t = tensors(inp)
        ours, theirs = at(nchw(s), nchw(t), 2).item(), zagoruyko_at_loss(nchw(s), nchw(t)).item()
        assert abs(ours - theirs) <= 1e-12 * max(1.0, abs(theirs)), (inp["id"], ours, theirs)


def main():
    check_against_reference_at()
    cases = []
    for inp in INPUTS:
        for name, options, fn in cases_for(inp):
            s, t = tensors(inp)
            value = fn(s, t)
            (grad,) = torch.autograd.grad(value, s)
            assert torch.isfinite(value) and torch.isfinite(grad).all(), (inp["id"], name, options)
            cases.append({"input": inp["id"], "loss": name, "options": options,
                          "value": short(value.item()), "grad": [short(g) for g in grad.ravel().tolist()]})
    out = {"generator": "make_feature_golden.py", "torch": torch.__version__, "dtype": "float64", "inputs": INPUTS, "cases": cases}
    path = os.path.join(HERE, "features.json")
    with open(path, "w") as f:
        f.write(lines(out))
    print(f"{path}: {len(INPUTS)} inputs, {len(cases)} cases, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
