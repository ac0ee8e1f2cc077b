"""Writes the transfer-syntax fixtures of crates/imaging/tests/transfer_syntaxes.rs.

One real CT slice (pydicom's CT_small.dcm, 128 x 128, HU -896..1167) re-encoded in every
transfer syntax ingestion reads, by independent encoders (pydicom, imagecodecs: OpenJPEG,
CharLS, libjpeg-turbo), into OUT/<name>.dcm. Stored values are the 12-bit unsigned
HU + 1024 (as Siemens writes CT), intercept -1024, so lossless files give CT_small's HU exactly;
`jpeg_baseline` and `jpeg_extended` hold 8 bits (HU + 1024) / 16 with slope 16; `jpeg_extended12`
is 12-bit JPEG Extended (Process 4), which the Rust decoder refuses clearly. `j2k_512` is the slice zoomed to
512 x 512 for the decoding benchmark. Usage: make_syntax_fixtures.py CT_small.dcm OUT
"""
import copy
import sys
from pathlib import Path

import imagecodecs
import numpy as np
import pydicom
from pydicom.encaps import encapsulate
from pydicom.filewriter import dcmwrite
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLosslessSV1,
    JPEGLossless,
    JPEGLSLossless,
    JPEGLSNearLossless,
    RLELossless,
)

source, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
original = pydicom.dcmread(source)
stored = (original.pixel_array.astype(np.int32) - 1024 + 1024).astype(np.uint16)  # HU + 1024


def base(pixels, bits_stored=12, slope="1"):
    ds = copy.deepcopy(original)
    ds.BitsAllocated = 16 if pixels.dtype == np.uint16 else 8
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = "-1024"
    ds.RescaleSlope = slope
    ds.PixelData = pixels.tobytes()
    ds.Rows, ds.Columns = pixels.shape
    return ds


def save(ds, name, syntax, frames=None, fragments=1):
    ds.file_meta.TransferSyntaxUID = syntax
    if frames is not None:
        ds.PixelData = encapsulate(frames, fragments_per_frame=fragments)
        ds["PixelData"].VR = "OB"
        ds["PixelData"].is_undefined_length = True
    if frames is None and ds.BitsAllocated == 16:
        ds["PixelData"].VR = "OW"
    tmp = out / (name + ".part")
    dcmwrite(tmp, ds, enforce_file_format=True)
    tmp.rename(out / (name + ".dcm"))


hu12 = stored
save(base(hu12), "explicit_le", ExplicitVRLittleEndian)
save(base(hu12), "implicit_le", ImplicitVRLittleEndian)
big = base(hu12)
big.PixelData = hu12.astype(">u2").tobytes()
save(big, "explicit_be", ExplicitVRBigEndian)
save(base(hu12), "deflated", DeflatedExplicitVRLittleEndian)
rle = base(hu12)
rle.compress(RLELossless, hu12)
rle.file_meta.TransferSyntaxUID = RLELossless
rle.save_as(out / "rle.dcm", enforce_file_format=True)
J2K = imagecodecs.JPEG2K.CODEC.J2K
lossless_j2k = imagecodecs.jpeg2k_encode(hu12, codecformat=J2K, reversible=True, bitspersample=12)
save(base(hu12), "j2k_lossless", JPEG2000Lossless, [lossless_j2k])
save(base(hu12), "j2k_fragments", JPEG2000Lossless, [lossless_j2k], fragments=3)
save(base(hu12), "j2k_lossy", JPEG2000, [imagecodecs.jpeg2k_encode(hu12, level=50, codecformat=J2K, reversible=False, bitspersample=12)])
save(base(hu12), "jls_lossless", JPEGLSLossless, [imagecodecs.jpegls_encode(hu12)])
save(base(hu12), "jls_near", JPEGLSNearLossless, [imagecodecs.jpegls_encode(hu12, level=2)])
ljpeg = imagecodecs.jpeg8_encode(hu12, lossless=True, predictor=1, bitspersample=12)
save(base(hu12), "jpeg_lossless_sv1", JPEGLosslessSV1, [ljpeg])
save(base(hu12), "jpeg_lossless", JPEGLossless, [imagecodecs.jpeg8_encode(hu12, lossless=True, predictor=6, bitspersample=12)])
save(base(hu12), "jpeg_extended12", JPEGExtended12Bit, [imagecodecs.jpeg8_encode(hu12, level=95, bitspersample=12)])
hu8 = (hu12 // 16).astype(np.uint8)
save(base(hu8, bits_stored=8, slope="16"), "jpeg_extended", JPEGExtended12Bit, [imagecodecs.jpeg8_encode(hu8, level=90)])
baseline = base(hu8, bits_stored=8, slope="16")
save(baseline, "jpeg_baseline", JPEGBaseline8Bit, [imagecodecs.jpeg8_encode(hu8, level=95)])
big512 = np.kron(hu12, np.ones((4, 4), dtype=np.uint16))
big512 = big512 + (np.arange(512 * 512, dtype=np.uint16).reshape(512, 512) % 7)
save(base(big512), "j2k_512", JPEG2000Lossless, [imagecodecs.jpeg2k_encode(big512, codecformat=J2K, reversible=True, bitspersample=12)])
# What the reference decoders make of the lossy files (little-endian raw samples): a decoder is
# right when it gives these, whatever the loss.
for name, decode in [("j2k_lossy", imagecodecs.jpeg2k_decode), ("jpeg_extended", imagecodecs.jpeg8_decode),
                     ("jpeg_baseline", imagecodecs.jpeg8_decode)]:
    ds = pydicom.dcmread(out / (name + ".dcm"))
    frame = next(pydicom.encaps.generate_frames(ds.PixelData, number_of_frames=1))
    decoded = decode(frame)
    (out / (name + ".decoded.raw")).write_bytes(decoded.astype(decoded.dtype.newbyteorder("<")).tobytes())
print(f"wrote {len(list(out.glob('*.dcm')))} fixtures into {out}")
