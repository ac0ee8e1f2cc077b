//! Batch normalisation with batch statistics followed by ReLU, forward and backward, in one
//! pass per step over (batch, channels, cells) f32 values.
//!
//! Statistics are summed per channel in f64, one channel per task, so the result does not
//! depend on the number of threads.

use rayon::prelude::*;

/// Shape of the values: (batch, channels, cells per channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormShape {
    /// Volumes.
    pub batch: usize,
    /// Channels.
    pub channels: usize,
    /// Cells of one channel of one volume.
    pub cells: usize,
}

impl NormShape {
    fn count(&self) -> f64 {
        (self.batch * self.cells) as f64
    }

    /// The planes of channel `c`, one per volume.
    fn planes<'a>(&self, v: &'a [f32], c: usize) -> impl Iterator<Item = &'a [f32]> + 'a {
        let (channels, cells) = (self.channels, self.cells);
        (0..self.batch).map(move |b| &v[(b * channels + c) * cells..][..cells])
    }
}

/// Per-channel batch statistics: mean and (biased) variance.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchStats {
    /// Mean per channel.
    pub mean: Vec<f32>,
    /// Variance per channel (divided by the count, as the running statistics use it).
    pub var: Vec<f32>,
}

fn stats(x: &[f32], s: NormShape) -> BatchStats {
    let (mean, var): (Vec<f32>, Vec<f32>) = (0..s.channels)
        .into_par_iter()
        .map(|c| {
            let sum: f64 = s
                .planes(x, c)
                .map(|p| p.iter().map(|&v| v as f64).sum::<f64>())
                .sum();
            let mean = sum / s.count();
            let sq: f64 = s
                .planes(x, c)
                .map(|p| p.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>())
                .sum();
            (mean as f32, (sq / s.count()) as f32)
        })
        .unzip();
    BatchStats { mean, var }
}

/// Per-channel scale and shift: `y = x * scale + shift` before the rectifier.
fn affine(stats: &BatchStats, gamma: &[f32], beta: &[f32], epsilon: f32) -> (Vec<f32>, Vec<f32>) {
    let scale: Vec<f32> = (stats.var.iter().zip(gamma))
        .map(|(v, g)| g / (v + epsilon).sqrt())
        .collect();
    let shift = (beta.iter().zip(&stats.mean).zip(&scale))
        .map(|((b, m), s)| b - m * s)
        .collect();
    (scale, shift)
}

/// `max(0, gamma * (x - mean) / sqrt(var + epsilon) + beta)` with the batch's statistics per
/// channel; returns the output and the statistics.
pub fn forward(
    x: &[f32],
    s: NormShape,
    gamma: &[f32],
    beta: &[f32],
    epsilon: f32,
) -> (Vec<f32>, BatchStats) {
    assert_eq!(x.len(), s.batch * s.channels * s.cells, "values");
    let stats = stats(x, s);
    let (scale, shift) = affine(&stats, gamma, beta, epsilon);
    let mut y = vec![0.0f32; x.len()];
    y.par_chunks_mut(s.cells.max(1))
        .zip(x.par_chunks(s.cells.max(1)))
        .enumerate()
        .for_each(|(plane, (y, x))| {
            let c = plane % s.channels;
            let (a, t) = (scale[c], shift[c]);
            y.iter_mut()
                .zip(x)
                .for_each(|(y, &x)| *y = (x * a + t).max(0.0));
        });
    (y, stats)
}

/// Gradients of [`forward`] with respect to `x`, `gamma` and `beta`, given the output gradient
/// `dy` and the statistics the forward pass used (batch statistics: their own gradient is
/// included).
pub fn backward(
    x: &[f32],
    dy: &[f32],
    s: NormShape,
    gamma: &[f32],
    beta: &[f32],
    stats: &BatchStats,
    epsilon: f32,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (scale, shift) = affine(stats, gamma, beta, epsilon);
    // Per channel: sum of the rectified gradient, and of it times (x - mean).
    let (dbeta, dxm): (Vec<f64>, Vec<f64>) = (0..s.channels)
        .into_par_iter()
        .map(|c| {
            let (a, t, m) = (scale[c], shift[c], stats.mean[c]);
            let mut sums = (0f64, 0f64);
            for (x, g) in s.planes(x, c).zip(s.planes(dy, c)) {
                let (mut sg, mut sgx) = (0f64, 0f64);
                for (&x, &g) in x.iter().zip(g) {
                    if x * a + t > 0.0 {
                        sg += g as f64;
                        sgx += g as f64 * (x - m) as f64;
                    }
                }
                sums = (sums.0 + sg, sums.1 + sgx);
            }
            sums
        })
        .unzip();
    let invstd: Vec<f32> = stats
        .var
        .iter()
        .map(|v| 1.0 / (v + epsilon).sqrt())
        .collect();
    let dgamma: Vec<f32> = dxm
        .iter()
        .zip(&invstd)
        .map(|(d, i)| (d * *i as f64) as f32)
        .collect();
    let n = s.count();
    let mut dx = vec![0.0f32; x.len()];
    dx.par_chunks_mut(s.cells.max(1))
        .zip(
            x.par_chunks(s.cells.max(1))
                .zip(dy.par_chunks(s.cells.max(1))),
        )
        .enumerate()
        .for_each(|(plane, (dx, (x, g)))| {
            let c = plane % s.channels;
            let (a, t, m) = (scale[c], shift[c], stats.mean[c]);
            // dx = scale * (g' - mean(g') - (x - mean) * sum(g' (x - mean)) / (n var_eps)).
            let mean_g = (dbeta[c] / n) as f32;
            let k = (dxm[c] / n) as f32 * invstd[c] * invstd[c];
            for ((dx, &x), &g) in dx.iter_mut().zip(x).zip(g) {
                let g = if x * a + t > 0.0 { g } else { 0.0 };
                *dx = a * (g - mean_g - (x - m) * k);
            }
        });
    let dbeta = dbeta.into_iter().map(|v| v as f32).collect();
    (dx, dgamma, dbeta)
}
