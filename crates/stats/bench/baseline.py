"""Python baseline of `uptake bench analysis`: the same work with scikit-learn and mlxtend.

26 regions x 5 seeds x 814 exams, two models: roc_auc_score per (model, seed, region), then per
region a 1,000-resample bootstrap CI of each model's mean AUROC over seeds (numpy) and a paired
10,000-round permutation test (mlxtend.evaluate.permutation_test, paired=True, approximate).
Run: python3 crates/stats/bench/baseline.py  (needs numpy, scikit-learn, mlxtend in a scratch venv)
"""
import time

import numpy as np
from mlxtend.evaluate import permutation_test
from sklearn.metrics import roc_auc_score

regions, seeds, exams = 26, 5, 814
rng = np.random.default_rng(7)
labels = rng.random((regions, exams)) < 0.2


def make(shift):
    return [[(rng.random(exams) + labels[r] * shift) / (1 + shift) for r in range(regions)] for _ in range(seeds)]


a, b = make(0.6), make(0.5)
start = time.perf_counter()
sa = np.array([[roc_auc_score(labels[r], a[s][r]) for s in range(seeds)] for r in range(regions)])
sb = np.array([[roc_auc_score(labels[r], b[s][r]) for s in range(seeds)] for r in range(regions)])
t_auc = time.perf_counter() - start
ps = []
for r in range(regions):
    for scores in (sa[r], sb[r]):
        boot = rng.choice(scores, size=(1000, seeds), replace=True).mean(axis=1)
        np.percentile(boot, [2.5, 97.5])
    ps.append(permutation_test(sa[r], sb[r], paired=True, method="approximate", num_rounds=10_000,
                               func="x_mean > y_mean", seed=r))
total = time.perf_counter() - start
print(f"python baseline: AUROC {t_auc * 1e3:.2f} ms, bootstrap + permutation {(total - t_auc) * 1e3:.2f} ms, "
      f"total {total * 1e3:.2f} ms (median p {np.median(ps):.4f})")
