#!/usr/bin/env bash
# Real DICOM reference files and a scratch Python for imaging references and benchmark baselines.
# - pydicom's wheel ships its test files (pydicom/data/test_files/CT_small.dcm, a real CT slice):
#   fetched with pip download --no-deps, checked against a sha256, unpacked into
#   $UPTAKE_CACHE/pydicom-data/ (the imaging tests read CT_small.dcm from there).
# - A scratch venv ($UPTAKE_CACHE/venv-imaging) with pydicom + numpy + scipy: the Python baseline
#   of `uptake bench ingest` (scripts/ingest_baseline.py) and the one-off HU reference numbers.
# Idempotent; never writes into the repository.
set -euo pipefail
cache=${UPTAKE_CACHE:-$HOME/.cache/uptake}
pydicom_version=3.0.1
wheel=pydicom-${pydicom_version}-py3-none-any.whl
wheel_sha256=db32f78b2641bd7972096b8289111ddab01fb221610de8d7afa835eb938adb41
data=$cache/pydicom-data
mkdir -p "$cache/wheels" "$data"

if [ ! -f "$data/CT_small.dcm" ]; then
  if [ ! -f "$cache/wheels/$wheel" ]; then
    pip download --quiet --no-deps --only-binary=:all: "pydicom==${pydicom_version}" -d "$cache/wheels"
  fi
  echo "$wheel_sha256  $cache/wheels/$wheel" | sha256sum --check --quiet
  python3 - "$cache/wheels/$wheel" "$data" <<'PY'
import sys, zipfile, pathlib
wheel, out = sys.argv[1], pathlib.Path(sys.argv[2])
with zipfile.ZipFile(wheel) as z:
    for name in ("CT_small.dcm", "MR_small.dcm"):
        member = f"pydicom/data/test_files/{name}"
        tmp = out / (name + ".part")
        tmp.write_bytes(z.read(member))
        tmp.rename(out / name)
PY
fi

venv=$cache/venv-imaging
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pydicom, numpy, scipy" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "pydicom==${pydicom_version}" "numpy>=1.26,<3" "scipy>=1.11"
fi
"$venv/bin/python" -c "import pydicom, numpy, scipy" >/dev/null
test -f "$data/CT_small.dcm"
