#!/usr/bin/env bash
# cmake, which the `charls` feature of dicom-pixeldata needs to build CharLS (the JPEG-LS codec)
# from source when uptake-imaging is compiled. Debian's package; idempotent.
set -euo pipefail
if command -v cmake >/dev/null 2>&1; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends cmake >/dev/null
command -v cmake >/dev/null
