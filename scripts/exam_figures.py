"""Exam-level figures of weak-label tables against a truth table (wide CSVs, exam_id + one
column per region), every (exam, region) cell pooled: AUROC, F1, sensitivity and specificity at
0.5, and the expected calibration error (10 equal-width bins), with 95 % bootstrap CIs over
exams for F1 (500 resamples, seed 0). Usage: exam_figures.py TRUTH LABELS...

With --mentions SCORES...: mention level instead, from per-mention score CSVs (`uptake label
--mentions FILE --out SCORES`, `uptake report-model evaluate --scores SCORES`), each labeller's
column against the hand labels, the CI over sentences (a sentence's mentions resampled
together).

With --against NAME (first argument): after the table, each labeller minus NAME on every
measure, with paired 95 % bootstrap CIs (the same resampled exams or sentences for both; 500
resamples, seed 0), to tell a difference from resampling noise."""
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


def measures(pairs):
    """AUROC, F1, sensitivity, specificity, ECE."""
    return (auroc(pairs),) + figures(pairs)


def differences(name, units, reference):
    """One row of paired differences: `units` minus `reference` on every measure, with a
    percentile bootstrap CI over the units both share."""
    keys = sorted(set(units) & set(reference))
    pooled = lambda u, ks: [x for k in ks for x in u[k]]
    point = [a - b for a, b in zip(measures(pooled(units, keys)), measures(pooled(reference, keys)))]
    rng = random.Random(0)
    boots = []
    for _ in range(500):
        ks = rng.choices(keys, k=len(keys))
        boots.append([a - b for a, b in zip(measures(pooled(units, ks)), measures(pooled(reference, ks)))])
    cells = []
    for i, d in enumerate(point):
        col = sorted(b[i] for b in boots)
        cells.append(f"{d:+.3f} ({col[12]:+.3f},{col[487]:+.3f})")
    print(f"{name:<40} " + " ".join(f"{c:>22}" for c in cells))


def row(name, units):
    """One table row: the figures of every unit's (probability, truth) pairs pooled, with a
    percentile bootstrap CI for F1 over the units (exams, or sentences)."""
    keys = sorted(units)
    pairs = [x for k in keys for x in units[k]]
    f1, sens, spec, ece = figures(pairs)
    rng = random.Random(0)
    boot = sorted(
        figures([x for k in rng.choices(keys, k=len(keys)) for x in units[k]])[0]
        for _ in range(500)
    )
    ci = f"{boot[12]:.3f}-{boot[487]:.3f}"
    print(f"{name:<40} {auroc(pairs):6.3f} {f1:6.3f} {ci:>13} {sens:6.3f} {spec:6.3f} {ece:6.3f}")


def mention_units(path):
    """A scores CSV of `uptake label --mentions --out` or `report-model evaluate --scores`
    (line, ..., label, one column per labeller): per labeller, the mentions by sentence."""
    rows = list(csv.DictReader(open(path)))
    names = list(rows[0].keys())[7:]
    stem = path.rsplit("/", 1)[-1][:-4]
    out = {}
    for name in names:
        units = {}
        for r in rows:
            units.setdefault(int(r["line"]), []).append((float(r[name]), r["label"] == "1"))
        # One labeller per file (`label --mentions --out`): named after the file.
        out[stem if len(names) == 1 else name] = units
    return out


def exam_units(truth_path, paths):
    """Per labels file (named after it): each exam's (probability, truth) cells."""
    truth = load(truth_path)
    exams = sorted({e for e, _ in truth})
    out = {}
    for path in paths:
        by_exam = {e: [] for e in exams}
        for (e, r), p in load(path).items():
            by_exam[e].append((p, truth[(e, r)] == 1.0))
        out[path.rsplit("/", 1)[-1][:-4]] = by_exam
    return out


args = sys.argv[1:]
against = None
if args[0] == "--against":
    against, args = args[1], args[2:]
if args[0] == "--mentions":
    labellers = {n: u for path in args[1:] for n, u in mention_units(path).items()}
else:
    labellers = exam_units(args[0], args[1:])
print(f"{'labels':<40} {'AUROC':>6} {'F1':>6} {'F1 95% CI':>13} {'sens':>6} {'spec':>6} {'ECE':>6}")
for name, units in labellers.items():
    row(name, units)
if against is not None:
    if against not in labellers:
        sys.exit(f"--against {against}: not one of {', '.join(labellers)}")
    print(f"\nminus {against}, paired 95 % CI:")
    print(f"{'labels':<40} " + " ".join(f"{h:>22}" for h in ["AUROC", "F1", "sens", "spec", "ECE"]))
    for name, units in labellers.items():
        if name != against:
            differences(name, units, labellers[against])
