#!/usr/bin/env bash
# Transfer-syntax fixtures for crates/imaging/tests/transfer_syntaxes.rs: pydicom's CT_small.dcm
# (fetched by 10-pydicom-data.sh) re-encoded in every transfer syntax ingestion reads (JPEG 2000
# lossless/lossy and multi-fragment, JPEG-LS lossless/near-lossless, JPEG baseline/extended/
# lossless, RLE, deflate, big endian, implicit VR) by independent encoders: imagecodecs
# (OpenJPEG, CharLS, libjpeg-turbo) in the scratch venv, scripts/make_syntax_fixtures.py.
# Written once into $UPTAKE_CACHE/syntax-fixtures/; idempotent; never writes into the repository.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${UPTAKE_CACHE:-$HOME/.cache/uptake}
venv=$cache/venv-imaging
out=$cache/syntax-fixtures
imagecodecs_version=2026.3.6
version=1  # bump when make_syntax_fixtures.py changes
if [ "$(cat "$out/.version" 2>/dev/null)" = "$version" ]; then exit 0; fi
if ! "$venv/bin/python" -c "import imagecodecs" 2>/dev/null; then
  "$venv/bin/pip" install --quiet "imagecodecs==${imagecodecs_version}"
fi
"$venv/bin/python" "$here/make_syntax_fixtures.py" "$cache/pydicom-data/CT_small.dcm" "$out.part"
rm -rf "$out"
mv "$out.part" "$out"
echo "$version" > "$out/.version"
test -f "$out/j2k_512.dcm"
