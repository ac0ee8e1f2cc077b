//! Real DICOM: pydicom's CT_small.dcm (a real CT slice shipped in the pydicom wheel, fetched by
//! scripts/setup.d/10-pydicom-data.sh into $UPTAKE_CACHE/pydicom-data). Reference HU computed
//! once with pydicom 3.0.1 (`pydicom.pixels.apply_modality_lut(ds.pixel_array, ds)`).

use std::path::PathBuf;

fn ct_small() -> PathBuf {
    let path = uptake_core::cache_dir().join("pydicom-data/CT_small.dcm");
    assert!(
        path.is_file(),
        "{} is missing: run scripts/setup (scripts/setup.d/10-pydicom-data.sh) first",
        path.display()
    );
    path
}

#[test]
fn ct_small_hounsfield_units_match_pydicom() {
    let (header, hu) = uptake_imaging::dicom::read_slice(&ct_small()).unwrap();
    assert_eq!((header.rows, header.cols), (128, 128));
    assert_eq!(
        (header.rescale_slope, header.rescale_intercept),
        (1.0, -1024.0)
    );
    // (row, col, HU) from pydicom.
    for (r, c, expected) in [
        (0, 0, -849.0),
        (64, 64, 904.0),
        (10, 100, 203.0),
        (127, 127, -115.0),
        (50, 20, -12.0),
    ] {
        assert_eq!(hu[r * 128 + c], expected, "pixel ({r}, {c})");
    }
    let min = hu.iter().cloned().fold(f32::INFINITY, f32::min);
    let max = hu.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let mean = hu.iter().map(|&v| v as f64).sum::<f64>() / hu.len() as f64;
    assert_eq!((min, max), (-896.0, 1167.0));
    assert!((mean - (-119.0738525390625)).abs() < 1e-9, "mean {mean}");
}

#[test]
fn ct_small_header_gives_its_position_and_spacing() {
    let header = uptake_imaging::dicom::read_header(&ct_small()).unwrap();
    assert_eq!(header.modality, "CT");
    assert_eq!(header.pixel_spacing_mm, Some([0.661468, 0.661468]));
    assert_eq!(
        header.image_position_mm,
        Some([-158.135803, -179.035797, -75.699997])
    );
    assert_eq!(
        header.image_orientation,
        Some([1.0, 0.0, 0.0, 0.0, 1.0, 0.0])
    );
}
