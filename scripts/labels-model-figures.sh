#!/usr/bin/env bash
# The figures of docs/labels-model.md: exam-level and mention-level agreement of each labelling
# method (and each aggregation) with the truth, on fresh synthetic report sets and on the
# held-out half of the starter mentions. Usage: scripts/labels-model-figures.sh [UPTAKE] [DIR]
set -euo pipefail
U=${1:-target/release/uptake}
D=${2:-$(mktemp -d)}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STARTER=$ROOT/data/starter-mentions.jsonl
mkdir -p "$D"
head -600 "$STARTER" > "$D/hand.jsonl"
tail -n +601 "$STARTER" > "$D/held.jsonl"
# Development set (aggregation chosen here) and test set (reported), realistic styles.
for seed in 21 22; do
  S=$D/synth$seed
  "$U" -q synth reports --n 400 --seed $seed --out "$S"
  for m in regex rules combined; do
    for a in noisy-or max sentence-noisy-or discounted-noisy-or; do
      "$U" -q label --regions tasks --reports "$S/reports.jsonl" --method $m --aggregation $a \
        --out "$S/$m.$a.csv"
    done
  done
  for a in noisy-or max sentence-noisy-or discounted-noisy-or; do
    "$U" -q label --regions tasks --reports "$S/reports.jsonl" --method combined --aggregation $a \
      --hand "$D/hand.jsonl" --out "$S/combined+hand.$a.csv"
  done
  echo "== exam level, synthetic reports seed $seed (400 exams x 30 task regions, pooled cells)"
  python3 "$ROOT/scripts/exam_figures.py" "$S/truth.csv" $(ls "$S"/*.csv | grep -v -e truth -e no-mention)
done
echo "== mention level, held-out half of the starter mentions (the other half: --hand)"
for m in regex rules combined; do
  "$U" -q label --method $m --mentions "$D/held.jsonl" | grep -E "all mentions|macro|calibration" | sed "s/^/$m: /"
done
"$U" -q label --method combined --hand "$D/hand.jsonl" --mentions "$D/held.jsonl" \
  | grep -E "all mentions|macro|calibration" | sed "s/^/combined+hand: /"
