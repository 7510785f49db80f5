#!/usr/bin/env python3
"""Writes metrics.json: classification metrics of fixed logits and labels, computed by
scikit-learn (confusion matrix, per-class precision/recall/F1, macro-F1, balanced accuracy,
accuracy) and by a NumPy ECE written after Guo et al.'s reference code (15 bins (lo, hi]).

classification-metrics.test.ts compares Distillery's metrics against this file. scikit-learn
is needed only to regenerate it:

    apt-get install -y python3-sklearn
    /usr/bin/python3 packages/core/test/golden/make_metrics_golden.py

Logits are multiples of 1/64, so float32 holds them exactly.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import (accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score,
                             precision_recall_fscore_support)

HERE = os.path.dirname(os.path.abspath(__file__))
BINS = 15


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def ece(logits, labels, bins=BINS):
    probs = softmax(logits)
    conf = probs.max(axis=1)
    pred = probs.argmax(axis=1)
    correct = (pred == labels).astype(np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        in_bin = (conf > lo) & (conf <= hi)
        share = in_bin.mean()
        if share > 0:
            total += abs(correct[in_bin].mean() - conf[in_bin].mean()) * share
    return float(total)


def case(name, logits, labels, k):
    pred = logits.argmax(axis=1)
    p, r, f, s = precision_recall_fscore_support(labels, pred, labels=list(range(k)), zero_division=0)
    return {
        "name": name,
        "numClasses": k,
        "logits": logits.reshape(-1).tolist(),
        "labels": labels.tolist(),
        "confusionMatrix": confusion_matrix(labels, pred, labels=list(range(k))).tolist(),
        "precision": p.tolist(),
        "recall": r.tolist(),
        "f1": f.tolist(),
        "support": s.tolist(),
        "macroF1": float(f1_score(labels, pred, average="macro", zero_division=0)),
        "balancedAccuracy": float(balanced_accuracy_score(labels, pred)),
        "accuracy": float(accuracy_score(labels, pred)),
        "ece": ece(logits, labels),
    }


def main():
    rng = np.random.default_rng(17)
    cases = []
    # Imbalanced 4-class problem: class 3 is rare; logits lean towards the label.
    k, n = 4, 200
    labels = rng.choice(k, size=n, p=[0.6, 0.25, 0.12, 0.03])
    logits = rng.normal(size=(n, k)) * 2
    logits[np.arange(n), labels] += 1.5
    cases.append(case("imbalanced-4", np.round(logits * 64) / 64, labels, k))
    # A class that never occurs among the labels but is predicted (class 2 of 3).
    k, n = 3, 60
    labels = rng.choice([0, 1], size=n, p=[0.8, 0.2])
    logits = rng.normal(size=(n, k)) * 3
    cases.append(case("absent-class-predicted", np.round(logits * 64) / 64, labels, k))
    # A class that occurs but is never predicted, and one neither predicted nor present.
    k, n = 5, 80
    labels = rng.choice([0, 1, 2], size=n, p=[0.7, 0.2, 0.1])
    logits = rng.normal(size=(n, k))
    logits[:, 2] -= 50
    logits[:, 3] -= 50
    logits[:, 4] -= 50
    logits[np.arange(n), np.minimum(labels, 1)] += 1
    cases.append(case("never-predicted", np.round(logits * 64) / 64, labels, k))
    # Sharp logits: confidences at exactly 1 in float64 land in the last bin.
    k, n = 10, 300
    labels = rng.integers(0, k, size=n)
    logits = rng.normal(size=(n, k)) * 8
    logits[np.arange(n), labels] += 6
    cases.append(case("ten-classes-sharp", np.round(logits * 64) / 64, labels, k))
    out = {"sklearn": sklearn.__version__, "numpy": np.__version__, "eceBins": BINS, "cases": cases}
    with open(os.path.join(HERE, "metrics.json"), "w") as fh:
        json.dump(out, fh)
        fh.write("\n")


if __name__ == "__main__":
    main()
