#!/usr/bin/env bash
# Hand labels from the half being labelled (docs/labels-model.md, "Hand labels from the half
# being labelled"): K sentences of the evaluation file join the hand labels, and every labeller
# is scored on the rest, with paired differences from the rules. PICK says which K:
#   random    a seeded shuffle (seed 7);
#   diagnose  the tool's loop: `uptake label diagnose` on the evaluation file's sentences (each
#             as a report, labels unread) ranks them by conflict, as for `annotate --active`,
#             and the top K are "annotated" with their labels from the file.
# Usage: scripts/labels-model-target-hand.sh UPTAKE MODEL HAND EVAL K OUT [random|diagnose]
# e.g. after scripts/labels-model-figures.sh U /tmp/labels-model BASE:
#   scripts/labels-model-target-hand.sh U /tmp/labels-model/rm /tmp/labels-model/hand.jsonl \
#     /tmp/labels-model/held.jsonl 100 /tmp/labels-model/target diagnose
set -euo pipefail
U=$1 M=$2 HAND=$3 EVAL=$4 K=$5 O=$6 PICK=${7:-random}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$O"
if [ "$PICK" = diagnose ]; then
  # One report per sentence, named by its line; the ranking names sentences "<line>:<index>".
  python3 -c 'import json, sys
for i, l in enumerate(open(sys.argv[1])):
    print(json.dumps({"exam_id": f"S{i:05d}", "text": json.loads(l)["text"]}))' "$EVAL" > "$O/as-reports.jsonl"
  "$U" -q label diagnose --reports "$O/as-reports.jsonl" --model "$M" --hand "$HAND" \
    --leave-out regex --out "$O/diagnose" > /dev/null
  python3 -c 'import json, sys
order = []
for l in open(sys.argv[1]):
    line = int(json.loads(l)["id"].split(":")[0][1:])
    if line not in order:
        order.append(line)
print(" ".join(map(str, order)))' "$O/diagnose/disputed.jsonl" > "$O/order.txt"
else
  python3 -c 'import random, sys
order = list(range(sum(1 for _ in open(sys.argv[1]))))
random.Random(7).shuffle(order)
print(" ".join(map(str, order)))' "$EVAL" > "$O/order.txt"
fi
python3 - "$EVAL" "$K" "$O" <<'PY'
import sys
path, k, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(path).read().splitlines()
pick = set(int(i) for i in open(f"{out}/order.txt").read().split()[:k])
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
