//! Rendering a phantom into one axial slice of CT numbers and SUVs: structures painted in
//! order on a supersampled label map, averaged per pixel (partial volume), then hot spots.

use super::Phantom;
use super::grid::SliceGrid;
use super::hotspot::{HOTSPOT_REACH, HotSpot};
use crate::anatomy::Tissue;

/// The supersampled grid tissue is painted on.
struct SubGrid {
    rows: usize,
    cols: usize,
    dx: f32,
    dy: f32,
    /// Centre of the first sub-sample.
    x0: f32,
    y0: f32,
}

impl SubGrid {
    fn new(grid: &SliceGrid, ss: usize) -> Self {
        let dx = grid.spacing_mm[0] / ss as f32;
        let dy = grid.spacing_mm[1] / ss as f32;
        SubGrid {
            rows: grid.rows * ss,
            cols: grid.cols * ss,
            dx,
            dy,
            x0: grid.origin_mm[0] - grid.spacing_mm[0] / 2.0 + dx / 2.0,
            y0: grid.origin_mm[1] - grid.spacing_mm[1] / 2.0 + dy / 2.0,
        }
    }
}

impl Phantom {
    /// Renders one axial slice at height `z_mm`: (HU, SUV) per pixel, row-major, noise-free.
    /// Tissue is sampled `supersample`^2 times per pixel (partial volume, for coarse PET pixels);
    /// hot spots are evaluated at pixel centres.
    pub fn render_slice(
        &self,
        z_mm: f32,
        grid: &SliceGrid,
        supersample: usize,
    ) -> (Vec<f32>, Vec<f32>) {
        let ss = supersample.max(1);
        let sub = SubGrid::new(grid, ss);
        let labels = self.label_map(z_mm, &sub);
        let (mut hu, mut suv) = self.tissue_values(&labels, grid, ss);
        for spot in self.hotspots() {
            overlay(spot, z_mm, grid, &mut hu, &mut suv);
        }
        (hu, suv)
    }

    /// Which structure each sub-sample shows: 0 = air; structure i is i + 1 (later structures
    /// paint over earlier ones).
    fn label_map(&self, z_mm: f32, g: &SubGrid) -> Vec<u16> {
        let (sr, sc) = (g.rows, g.cols);
        let mut labels = vec![0u16; sr * sc];
        for (i, s) in self.anatomy.structures.iter().enumerate() {
            if s.tissue.is_none() {
                continue;
            }
            let Some(sec) = s.shape.section(z_mm) else {
                continue;
            };
            let [bx0, by0, bx1, by1] = sec.bounds();
            let c0 = (((bx0 - g.x0) / g.dx).ceil().max(0.0)) as usize;
            let c1 = (((bx1 - g.x0) / g.dx).floor().min(sc as f32 - 1.0)).max(-1.0);
            let r0 = (((by0 - g.y0) / g.dy).ceil().max(0.0)) as usize;
            let r1 = (((by1 - g.y0) / g.dy).floor().min(sr as f32 - 1.0)).max(-1.0);
            if c1 < 0.0 || r1 < 0.0 {
                continue;
            }
            let (c1, r1) = (c1 as usize, r1 as usize);
            for r in r0..=r1 {
                let y = g.y0 + r as f32 * g.dy;
                let row = &mut labels[r * sc..(r + 1) * sc];
                for (c, label) in row.iter_mut().enumerate().take(c1 + 1).skip(c0) {
                    if sec.contains(g.x0 + c as f32 * g.dx, y) {
                        *label = (i + 1) as u16;
                    }
                }
            }
        }
        labels
    }

    /// (HU, SUV) of each pixel: the mean over its `ss`^2 sub-samples.
    fn tissue_values(&self, labels: &[u16], grid: &SliceGrid, ss: usize) -> (Vec<f32>, Vec<f32>) {
        let sc = grid.cols * ss;
        let n = grid.rows * grid.cols;
        let mut hu = vec![0.0f32; n];
        let mut suv = vec![0.0f32; n];
        let norm = 1.0 / (ss * ss) as f32;
        let tissue_of = |label: u16| -> (f32, f32) {
            if label == 0 {
                return (-1000.0, 0.0);
            }
            let t = self.anatomy.structures[label as usize - 1]
                .tissue
                .unwrap_or(Tissue::Fat);
            (t.hu(), self.physiology.suv(t))
        };
        for r in 0..grid.rows {
            for c in 0..grid.cols {
                let (mut h, mut u) = (0.0, 0.0);
                for dr in 0..ss {
                    for dc in 0..ss {
                        let (th, tu) = tissue_of(labels[(r * ss + dr) * sc + c * ss + dc]);
                        h += th;
                        u += tu;
                    }
                }
                hu[r * grid.cols + c] = h * norm;
                suv[r * grid.cols + c] = u * norm;
            }
        }
        (hu, suv)
    }
}

/// Adds one hot spot: its SUV where it exceeds the tissue's, and its CT number inside its edge
/// (not in air).
fn overlay(spot: &HotSpot, z_mm: f32, grid: &SliceGrid, hu: &mut [f32], suv: &mut [f32]) {
    let reach = spot.radii_mm.map(|v| v * HOTSPOT_REACH);
    if (z_mm - spot.center_mm[2]).abs() > reach[2] {
        return;
    }
    let c0 = ((spot.center_mm[0] - reach[0] - grid.origin_mm[0]) / grid.spacing_mm[0])
        .floor()
        .max(0.0) as usize;
    let c1 = ((spot.center_mm[0] + reach[0] - grid.origin_mm[0]) / grid.spacing_mm[0]).ceil();
    let r0 = ((spot.center_mm[1] - reach[1] - grid.origin_mm[1]) / grid.spacing_mm[1])
        .floor()
        .max(0.0) as usize;
    let r1 = ((spot.center_mm[1] + reach[1] - grid.origin_mm[1]) / grid.spacing_mm[1]).ceil();
    if c1 < 0.0 || r1 < 0.0 {
        return;
    }
    let c1 = (c1 as usize).min(grid.cols - 1);
    let r1 = (r1 as usize).min(grid.rows - 1);
    for r in r0..=r1 {
        for c in c0..=c1 {
            let p = [
                grid.origin_mm[0] + c as f32 * grid.spacing_mm[0],
                grid.origin_mm[1] + r as f32 * grid.spacing_mm[1],
                z_mm,
            ];
            let k = r * grid.cols + c;
            let v = spot.suv_at(p);
            if v > suv[k] {
                suv[k] = v;
            }
            if let Some(lesion_hu) = spot.hu
                && spot.norm2(p) <= 1.0
                && hu[k] > -1000.0 + 1.0
            {
                hu[k] = lesion_hu;
            }
        }
    }
}
