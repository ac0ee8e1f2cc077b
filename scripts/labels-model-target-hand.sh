#!/usr/bin/env bash
# Hand labels from the half being labelled (docs/labels-model.md, "Measured and not adopted"):
# K sentences of the evaluation file, picked by a seeded shuffle (seed 7), join the hand labels,
# and every labeller is scored on the rest, with paired differences from the rules.
# Usage: scripts/labels-model-target-hand.sh UPTAKE MODEL HAND EVAL K OUT
# e.g. after scripts/labels-model-figures.sh U /tmp/labels-model BASE:
#   scripts/labels-model-target-hand.sh U /tmp/labels-model/rm /tmp/labels-model/hand.jsonl \
#     /tmp/labels-model/held.jsonl 100 /tmp/labels-model/target
set -euo pipefail
U=$1 M=$2 HAND=$3 EVAL=$4 K=$5 O=$6
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$O"
python3 - "$EVAL" "$K" "$O" <<'PY'
import random, sys
path, k, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(path).read().splitlines()
idx = list(range(len(lines)))
random.Random(7).shuffle(idx)
pick = set(idx[:k])
open(f"{out}/target.jsonl", "w").write("".join(lines[i] + "\n" for i in sorted(pick)))
open(f"{out}/rest.jsonl", "w").write("".join(l + "\n" for i, l in enumerate(lines) if i not in pick))
PY
cat "$HAND" "$O/target.jsonl" > "$O/hand+target.jsonl"
"$U" -q report-model evaluate --model "$M" --mentions "$O/rest.jsonl" --scores "$O/singles.csv" > /dev/null
combined() { local out=$1; shift; "$U" -q label --method combined --model "$M" --mentions "$O/rest.jsonl" --out "$O/$out.csv" "$@" > /dev/null; }
combined combined-regex+model+hand --hand "$HAND" --leave-out regex
combined combined-regex+model+hand+target --hand "$O/hand+target.jsonl" --leave-out regex
combined combined-regex+model+target --hand "$O/target.jsonl" --leave-out regex
python3 "$ROOT/scripts/exam_figures.py" --against rules --mentions "$O"/*.csv
