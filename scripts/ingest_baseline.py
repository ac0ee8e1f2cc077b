#!/usr/bin/env python3
"""Baseline for `uptake bench ingest`: the same conversion as `uptake ingest`, in pydicom +
numpy + scipy (run with the set-up venv: $UPTAKE_CACHE/venv-imaging/bin/python).

Reads every file under DIR, picks the PET (PT) and CT series, sorts slices by z, converts CT to
HU and PET (BQML, decay START) to SUV body weight, and resamples both onto the same model grid
as uptake (fixed FOV centred on the CT, slice spacing, overlap of PET and CT in z; linear
interpolation with a box pre-filter where the grid is coarser), then saves float16 volumes.
Prints `seconds_per_exam S` (best of --repeat, in-process, without interpreter start-up).
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import pydicom
from scipy import ndimage


def tm_seconds(tm):
    tm = str(tm).replace(":", "")
    whole, _, frac = tm.partition(".")
    h, m, s = int(whole[0:2]), int(whole[2:4] or 0), int(whole[4:6] or 0)
    return h * 3600 + m * 60 + s + (float("0." + frac) if frac else 0.0)


def read_series(root):
    series = {}
    for dirpath, _, files in os.walk(root):
        for name in sorted(files):
            try:
                ds = pydicom.dcmread(os.path.join(dirpath, name))
            except Exception:
                continue
            series.setdefault((ds.Modality, ds.SeriesInstanceUID), []).append(ds)
    return series


def volume_of(slices, convert):
    slices = sorted(slices, key=lambda d: float(d.ImagePositionPatient[2]))
    z = np.array([float(d.ImagePositionPatient[2]) for d in slices])
    vol = np.stack([convert(d) for d in slices]).astype(np.float32)
    first = slices[0]
    origin = (float(first.ImagePositionPatient[0]), float(first.ImagePositionPatient[1]))
    spacing = (float(first.PixelSpacing[0]), float(first.PixelSpacing[1]))
    return vol, z, origin, spacing


def resample(vol, z, origin, spacing, tz, ty, tx, target_spacing, fill):
    """Box pre-filter where the target is coarser, then trilinear map_coordinates."""
    sz = np.median(np.diff(z))
    size = [max(1, math.ceil(target_spacing[0] / sz)), max(1, math.ceil(target_spacing[1] / spacing[0])),
            max(1, math.ceil(target_spacing[2] / spacing[1]))]
    if max(size) > 1:
        vol = ndimage.uniform_filter(vol, size=size, mode="nearest")
    fz = np.interp(tz, z, np.arange(len(z)), left=-1e9, right=-1e9)
    fy = (ty - origin[1]) / spacing[0]
    fx = (tx - origin[0]) / spacing[1]
    cz, cy, cx = np.meshgrid(fz, fy, fx, indexing="ij")
    return ndimage.map_coordinates(vol, [cz, cy, cx], order=1, mode="constant", cval=fill, prefilter=False)


def ingest(root, size, fov, slice_mm):
    series = read_series(root)
    pet = next(v for (m, _), v in series.items() if m == "PT")
    ct = next(v for (m, _), v in series.items() if m == "CT")
    ct_vol, ct_z, ct_origin, ct_spacing = volume_of(
        ct, lambda d: d.pixel_array * float(d.RescaleSlope) + float(d.RescaleIntercept))
    d0 = pet[0]
    if d0.Units != "BQML" or d0.DecayCorrection != "START":
        raise SystemExit("baseline handles BQML / START only")
    rp = d0.RadiopharmaceuticalInformationSequence[0]
    scan = min([tm_seconds(d0.SeriesTime)] + [tm_seconds(d.AcquisitionTime) for d in pet])
    decay = scan - tm_seconds(rp.RadiopharmaceuticalStartTime)
    if decay < 0:
        decay += 86400
    dose = float(rp.RadionuclideTotalDose) * math.exp(-math.log(2) * decay / float(rp.RadionuclideHalfLife))
    factor = float(d0.PatientWeight) * 1000.0 / dose
    pet_vol, pet_z, pet_origin, pet_spacing = volume_of(
        pet, lambda d: (d.pixel_array * float(d.RescaleSlope) + float(d.RescaleIntercept)) * factor)
    lo, hi = max(ct_z[0], pet_z[0]), min(ct_z[-1], pet_z[-1])
    n = int(math.floor((hi - lo) / slice_mm)) + 1
    tz = hi - slice_mm * np.arange(n)
    px = fov / size
    cx = ct_origin[0] + (ct[0].Columns - 1) * ct_spacing[1] / 2
    cy = ct_origin[1] + (ct[0].Rows - 1) * ct_spacing[0] / 2
    tx = cx - fov / 2 + px / 2 + px * np.arange(size)
    ty = cy - fov / 2 + px / 2 + px * np.arange(size)
    spacing = (slice_mm, px, px)
    ct_out = resample(ct_vol, ct_z, ct_origin, ct_spacing, tz, ty, tx, spacing, -1000.0)
    pet_out = resample(pet_vol, pet_z, pet_origin, pet_spacing, tz, ty, tx, spacing, 0.0)
    return ct_out.astype(np.float16), pet_out.astype(np.float16)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dicom_dir")
    p.add_argument("out")
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--fov-mm", type=float, default=600.0)
    p.add_argument("--slice-mm", type=float, default=4.0)
    p.add_argument("--repeat", type=int, default=1)
    a = p.parse_args()
    best = float("inf")
    for _ in range(max(1, a.repeat)):
        t = time.perf_counter()
        ct, pet = ingest(a.dicom_dir, a.size, a.fov_mm, a.slice_mm)
        tmp = a.out + ".tmp.npz"
        np.savez(tmp, ct_hu=ct, pet_suv=pet)
        os.replace(tmp, a.out)
        best = min(best, time.perf_counter() - t)
    print(f"shape {ct.shape}", file=sys.stderr)
    print(f"seconds_per_exam {best:.3f}")


if __name__ == "__main__":
    main()
