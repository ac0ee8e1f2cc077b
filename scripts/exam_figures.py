"""Exam-level figures of weak-label tables against a truth table (wide CSVs, exam_id + one
column per region), every (exam, region) cell pooled: AUROC, F1, sensitivity and specificity at
0.5, and the expected calibration error (10 equal-width bins), with 95 % bootstrap CIs over
exams for F1 (500 resamples, seed 0). Usage: exam_figures.py TRUTH LABELS..."""
import csv
import random
import sys


def load(path):
    rows = list(csv.reader(open(path)))
    header = rows[0]
    return {(r[0], header[i]): float(r[i]) for r in rows[1:] for i in range(1, len(header))}


def auroc(pairs):
    pos = sorted(p for p, y in pairs if y)
    neg = sorted(p for p, y in pairs if not y)
    if not pos or not neg:
        return float("nan")
    wins = 0.0
    for p in pos:
        lo = hi = 0
        # count negatives below and equal (ties half)
        import bisect
        lo = bisect.bisect_left(neg, p)
        hi = bisect.bisect_right(neg, p)
        wins += lo + 0.5 * (hi - lo)
    return wins / (len(pos) * len(neg))


def figures(pairs):
    tp = sum(1 for p, y in pairs if p >= 0.5 and y)
    fp = sum(1 for p, y in pairs if p >= 0.5 and not y)
    fn = sum(1 for p, y in pairs if p < 0.5 and y)
    tn = len(pairs) - tp - fp - fn
    f1 = 2 * tp / max(1, 2 * tp + fp + fn)
    bins = [[0, 0.0, 0] for _ in range(10)]
    for p, y in pairs:
        b = bins[min(9, int(p * 10))]
        b[0] += 1
        b[1] += p
        b[2] += y
    ece = sum(abs(s / n - k / n) * n for n, s, k in bins if n) / len(pairs)
    return f1, tp / max(1, tp + fn), tn / max(1, tn + fp), ece


truth = load(sys.argv[1])
exams = sorted({e for e, _ in truth})
print(f"{'labels':<40} {'AUROC':>6} {'F1':>6} {'F1 95% CI':>13} {'sens':>6} {'spec':>6} {'ECE':>6}")
for path in sys.argv[2:]:
    labels = load(path)
    by_exam = {e: [] for e in exams}
    for (e, r), p in labels.items():
        by_exam[e].append((p, truth[(e, r)] == 1.0))
    pairs = [x for e in exams for x in by_exam[e]]
    f1, sens, spec, ece = figures(pairs)
    rng = random.Random(0)
    boot = sorted(
        figures([x for e in rng.choices(exams, k=len(exams)) for x in by_exam[e]])[0]
        for _ in range(500)
    )
    ci = f"{boot[12]:.3f}-{boot[487]:.3f}"
    name = path.rsplit("/", 1)[-1][:-4]
    print(f"{name:<40} {auroc(pairs):6.3f} {f1:6.3f} {ci:>13} {sens:6.3f} {spec:6.3f} {ece:6.3f}")
