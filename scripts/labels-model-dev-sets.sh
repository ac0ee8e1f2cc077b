#!/usr/bin/env bash
# The development sets on which the label model's choices are made (docs/labels-model.md,
# "Chosen on the development sets"): never the test sets (synthetic seed 22, starter sentences
# 601-1200). Two folds of the starter sentences 1-600, each with a report model trained on one
# half (the settings of scripts/labels-model-figures.sh) and the combined method anchored by
# that half and scored on the other, and two synthetic report sets (seeds 21 and 23) labelled
# with a report model trained on sentences 1-600, anchored by them.
# Usage: scripts/labels-model-dev-sets.sh UPTAKE BASE OUT   (BASE: a BERT folder, e.g.
# ~/.cache/uptake/models/all-MiniLM-L6-v2). Trained models in OUT are reused.
set -euo pipefail
U=$1 BASE=$2 O=$3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STARTER=$ROOT/data/starter-mentions.jsonl
mkdir -p "$O"
sed -n 1,300p "$STARTER" > "$O/a.jsonl"
sed -n 301,600p "$STARTER" > "$O/b.jsonl"
sed -n 1,600p "$STARTER" > "$O/ab.jsonl"
train() {
  [ -f "$2/model.safetensors" ] || "$U" -q report-model train --mentions "$1" --base "$BASE" --out "$2" \
    --epochs 15 --mentions-per-epoch 100 --frozen-layers 2 --patience 5 --seed 7
}
train "$O/a.jsonl" "$O/rm-a"
train "$O/b.jsonl" "$O/rm-b"
train "$O/ab.jsonl" "$O/rm-ab"
rows() { # hand, model, out-prefix, then how to label
  local hand=$1 model=$2 out=$3; shift 3
  "$@" --method combined --hand "$hand" --out "$out-combined+hand.csv"
  "$@" --method combined --hand "$hand" --model "$model" --leave-out regex \
    --out "$out-combined-regex+model+hand.csv"
}
for fold in a:b b:a; do
  H=${fold%:*} E=${fold#*:} F=$O/fold-$H
  mkdir -p "$F"
  mentions() { "$U" -q label --mentions "$O/$E.jsonl" "$@" > /dev/null; }
  rows "$O/$H.jsonl" "$O/rm-$H" "$F/x" mentions
  "$U" -q report-model evaluate --model "$O/rm-$H" --mentions "$O/$E.jsonl" --scores "$F/singles.csv" > /dev/null
  echo "== fold: anchored by and model trained on $H, scored on $E (mention level)"
  python3 "$ROOT/scripts/exam_figures.py" --against rules --mentions "$F"/*.csv
done
for seed in 21 23; do
  S=$O/synth$seed
  [ -f "$S/reports.jsonl" ] || "$U" -q synth reports --n 400 --seed $seed --out "$S"
  reports() { "$U" -q label --regions tasks --reports "$S/reports.jsonl" --aggregation noisy-or "$@"; }
  reports --method rules --out "$S/rules.csv"
  rows "$O/ab.jsonl" "$O/rm-ab" "$S/x" reports
  echo "== synthetic reports seed $seed (exam level, noisy-OR)"
  python3 "$ROOT/scripts/exam_figures.py" --against rules "$S/truth.csv" \
    $(ls "$S"/*.csv | grep -v -e truth -e no-mention)
done
