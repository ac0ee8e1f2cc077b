#!/usr/bin/env bash
# The figures of docs/labels-model.md: exam-level and mention-level agreement of each labelling
# method (and each aggregation) with the truth, on fresh synthetic report sets and on the
# held-out half of the starter mentions. Usage: scripts/labels-model-figures.sh [UPTAKE] [DIR] [BASE]
# With BASE (a BERT folder, e.g. ~/.cache/uptake/models/all-MiniLM-L6-v2) a report model is
# trained on the first half of the starter mentions (DIR/rm) and the rows with it are added:
# model, model+rules, combined with the model, with and without hand labels (noisy-OR only), and
# with hand labels where the model's accuracy is learned from the unlabelled mentions only, and
# without the regex. The tables end with each labeller minus the rules, with paired CIs.
set -euo pipefail
U=${1:-target/release/uptake}
D=${2:-$(mktemp -d)}
BASE=${3:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STARTER=$ROOT/data/starter-mentions.jsonl
AGGREGATIONS="noisy-or max sentence-noisy-or discounted-noisy-or"
mkdir -p "$D"
head -600 "$STARTER" > "$D/hand.jsonl"
tail -n +601 "$STARTER" > "$D/held.jsonl"
M=()
if [ -n "$BASE" ]; then
  "$U" -q report-model train --mentions "$D/hand.jsonl" --base "$BASE" --out "$D/rm" --epochs 15 \
    --mentions-per-epoch 100 --frozen-layers 2 --patience 5 --seed 7
  M=(--model "$D/rm")
fi
# Development set (defaults chosen here) and test set (reported), realistic styles.
for seed in 21 22; do
  S=$D/synth$seed
  "$U" -q synth reports --n 400 --seed $seed --out "$S"
  label() { "$U" -q label --regions tasks --reports "$S/reports.jsonl" "$@"; }
  for a in $AGGREGATIONS; do
    for m in regex rules; do label --method $m --aggregation $a --out "$S/$m.$a.csv"; done
    label --method combined --aggregation $a --hand "$D/hand.jsonl" --out "$S/combined+hand.$a.csv"
  done
  if [ -n "$BASE" ]; then
    for m in model model+rules; do label --method $m "${M[@]}" --out "$S/$m.noisy-or.csv"; done
    # Named by their aggregation: noisy-OR, as the single labellers' (combined's default is max,
    # which gives the same figures here: docs/labels-model.md).
    label --method combined --aggregation noisy-or "${M[@]}" --out "$S/combined+model.noisy-or.csv"
    label --method combined --aggregation noisy-or "${M[@]}" --hand "$D/hand.jsonl" \
      --out "$S/combined+model+hand.noisy-or.csv"
    # The report model was trained on the hand labels: its accuracy from the unlabelled only.
    label --method combined --aggregation noisy-or "${M[@]}" --hand "$D/hand.jsonl" \
      --trained-on-hand model --out "$S/combined+model+hand-trained-model.noisy-or.csv"
    # Without the regex: the rules and the model, anchored by the hand labels.
    label --method combined --aggregation noisy-or "${M[@]}" --hand "$D/hand.jsonl" \
      --leave-out regex --out "$S/combined-regex+model+hand.noisy-or.csv"
  fi
  echo "== exam level, synthetic reports seed $seed (400 exams x 30 task regions, pooled cells)"
  python3 "$ROOT/scripts/exam_figures.py" --against rules.noisy-or "$S/truth.csv" \
    $(ls "$S"/*.csv | grep -v -e truth -e no-mention)
done
echo "== mention level, held-out half of the starter mentions (the other half: --hand), CI over sentences"
H=$D/held
mkdir -p "$H"
"$U" -q label --method combined --hand "$D/hand.jsonl" --mentions "$D/held.jsonl" --out "$H/combined+hand.csv" > /dev/null
if [ -z "$BASE" ]; then
  for m in regex rules; do "$U" -q label --method $m --mentions "$D/held.jsonl" --out "$H/$m.csv" > /dev/null; done
else
  # model, model+rules, rules, regex in one file; the reliability diagram in DIR/reliability
  "$U" -q report-model evaluate "${M[@]}" --mentions "$D/held.jsonl" --scores "$H/singles.csv" --out "$D/reliability" \
    | grep -A6 "expected calibration"
  "$U" -q label --method combined "${M[@]}" --mentions "$D/held.jsonl" --out "$H/combined+model.csv" > /dev/null
  "$U" -q label --method combined "${M[@]}" --hand "$D/hand.jsonl" --mentions "$D/held.jsonl" \
    --out "$H/combined+model+hand.csv" > /dev/null
  "$U" -q label --method combined "${M[@]}" --hand "$D/hand.jsonl" --trained-on-hand model \
    --mentions "$D/held.jsonl" --out "$H/combined+model+hand-trained-model.csv" > /dev/null
  "$U" -q label --method combined "${M[@]}" --hand "$D/hand.jsonl" --leave-out regex \
    --mentions "$D/held.jsonl" --out "$H/combined-regex+model+hand.csv" > /dev/null
fi
python3 "$ROOT/scripts/exam_figures.py" --against rules --mentions "$H"/*.csv
