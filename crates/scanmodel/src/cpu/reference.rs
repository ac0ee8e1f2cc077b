//! Plain loop-by-loop convolution (f64 sums) and the tests of the tiled kernels against it.

use super::geometry::ConvGeometry;

/// The input cell output cell `o` reads through kernel cell `k`, per axis; None in padding.
fn source(g: &ConvGeometry, o: [usize; 3], k: [usize; 3]) -> Option<usize> {
    let mut at = [0usize; 3];
    for a in 0..3 {
        let i = (o[a] * g.stride[a] + k[a]) as isize - g.pad_before[a] as isize;
        if i < 0 || i as usize >= g.input[a] {
            return None;
        }
        at[a] = i as usize;
    }
    Some((at[0] * g.input[1] + at[1]) * g.input[2] + at[2])
}

/// Every (output cell, kernel cell, input cell) triple of one channel pair.
fn taps(g: &ConvGeometry) -> Vec<(usize, usize, usize)> {
    let [od, oh, ow] = g.output;
    let [kd, kh, kw] = g.kernel;
    let mut out = Vec::new();
    for (t, o) in (0..od)
        .flat_map(|z| (0..oh).flat_map(move |y| (0..ow).map(move |x| [z, y, x])))
        .enumerate()
    {
        for (c, k) in (0..kd)
            .flat_map(|a| (0..kh).flat_map(move |b| (0..kw).map(move |e| [a, b, e])))
            .enumerate()
        {
            if let Some(s) = source(g, o, k) {
                out.push((t, c, s));
            }
        }
    }
    out
}

/// Forward convolution, output gradient `dy` given: (y, dw, dx).
pub fn convolve(g: &ConvGeometry, x: &[f32], w: &[f32], dy: &[f32]) -> [Vec<f32>; 3] {
    let (cells, pin, pout) = (g.kernel_cells(), g.in_plane(), g.out_plane());
    let taps = taps(g);
    let mut y = vec![0f64; g.batch * g.c_out * pout];
    let mut dw = vec![0f64; g.c_out * g.c_in * cells];
    let mut dx = vec![0f64; g.batch * g.c_in * pin];
    for b in 0..g.batch {
        for o in 0..g.c_out {
            for i in 0..g.c_in {
                let (xb, wb) = ((b * g.c_in + i) * pin, (o * g.c_in + i) * cells);
                let yb = (b * g.c_out + o) * pout;
                for &(t, c, s) in &taps {
                    y[yb + t] += x[xb + s] as f64 * w[wb + c] as f64;
                    dw[wb + c] += dy[yb + t] as f64 * x[xb + s] as f64;
                    dx[xb + s] += dy[yb + t] as f64 * w[wb + c] as f64;
                }
            }
        }
    }
    [y, dw, dx].map(|v| v.into_iter().map(|v| v as f32).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::{conv, direct};
    use rand::{Rng, SeedableRng};

    fn random(n: usize, rng: &mut rand_chacha::ChaCha8Rng) -> Vec<f32> {
        (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
    }

    /// Tolerance: 1e-4 of the largest reference value (f32 sums of up to a few thousand terms
    /// against f64 ones).
    fn assert_close(name: &str, got: &[f32], want: &[f32], g: &ConvGeometry) {
        assert_eq!(got.len(), want.len(), "{name} size for {g:?}");
        let scale = want.iter().fold(1e-3f32, |m, v| m.max(v.abs()));
        for (i, (a, b)) in got.iter().zip(want).enumerate() {
            assert!(
                (a - b).abs() <= 1e-4 * scale,
                "{name}[{i}] for {g:?}: kernel {a}, reference {b}"
            );
        }
    }

    fn check(
        x: [usize; 5],
        w: [usize; 5],
        stride: [usize; 3],
        before: [usize; 3],
        after: [usize; 3],
    ) {
        let g = ConvGeometry::new(x, w, stride, before, after).unwrap();
        let mut rng =
            rand_chacha::ChaCha8Rng::seed_from_u64(x.iter().chain(&w).sum::<usize>() as u64);
        let xs = random(x.iter().product(), &mut rng);
        let ws = random(w.iter().product(), &mut rng);
        let dy = random(g.batch * g.c_out * g.out_plane(), &mut rng);
        let [y, dw, dx] = convolve(&g, &xs, &ws, &dy);
        assert_close("output", &conv::forward(&g, &xs, &ws), &y, &g);
        assert_close(
            "weight gradient",
            &conv::weight_gradient(&g, &xs, &dy),
            &dw,
            &g,
        );
        assert_close(
            "input gradient",
            &conv::input_gradient(&g, &ws, &dy),
            &dx,
            &g,
        );
    }

    #[test]
    fn a_same_padded_3x3x3_convolution_over_several_tiles_equals_the_reference() {
        // 40 input channels: 1080 column rows, 48-cell tiles over 210 output cells.
        check([2, 40, 5, 6, 7], [6, 40, 3, 3, 3], [1; 3], [1; 3], [1; 3]);
    }

    #[test]
    fn a_pointwise_convolution_over_several_tiles_equals_the_reference() {
        check([3, 5, 9, 10, 11], [4, 5, 1, 1, 1], [1; 3], [0; 3], [0; 3]);
    }

    #[test]
    fn uneven_kernels_and_padding_equal_the_reference() {
        check([1, 2, 5, 6, 7], [3, 2, 3, 2, 3], [1; 3], [0; 3], [0; 3]);
        check(
            [2, 3, 4, 7, 5],
            [2, 3, 3, 3, 1],
            [1; 3],
            [2, 0, 0],
            [0, 2, 0],
        );
        check([1, 2, 7, 9, 8], [3, 2, 7, 7, 7], [1; 3], [3; 3], [3; 3]);
    }

    #[test]
    fn strided_convolutions_with_same_padding_equal_the_reference() {
        // The stem's shape in miniature: 7x7x7, stride 2, padding (2, 3).
        check([2, 2, 9, 12, 11], [5, 2, 7, 7, 7], [2; 3], [2; 3], [3; 3]);
        check(
            [1, 3, 8, 9, 10],
            [4, 3, 3, 1, 2],
            [2, 3, 1],
            [1, 0, 0],
            [1, 0, 1],
        );
        check([2, 4, 6, 6, 6], [3, 4, 1, 1, 1], [2; 3], [0; 3], [0; 3]);
    }

    #[test]
    fn convolutions_with_one_to_four_vectors_of_output_channels_take_the_direct_path_and_equal_the_reference()
     {
        // 8, 16, 24 and 32 channels: register blocks of one, two, two + one and four
        // vectors; output rows of 4-7 cells end inside every block width.
        let stems = [
            ([2, 2, 9, 12, 11], [8, 2, 7, 7, 7]),
            ([1, 2, 8, 9, 14], [16, 2, 7, 7, 7]),
            ([1, 1, 6, 7, 13], [24, 1, 7, 7, 7]),
            ([2, 3, 7, 8, 9], [32, 3, 7, 7, 7]),
        ];
        for (x, w) in stems {
            let g = ConvGeometry::new(x, w, [2; 3], [2; 3], [3; 3]).unwrap();
            #[cfg(target_arch = "x86_64")]
            assert_eq!(
                direct::fits(&g),
                is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
            );
            check(x, w, [2; 3], [2; 3], [3; 3]);
        }
        // Stride 1: many input channels; uneven padding and a kernel row shorter than a
        // register block.
        check([2, 12, 5, 6, 7], [16, 12, 3, 3, 3], [1; 3], [1; 3], [1; 3]);
        check(
            [1, 2, 5, 6, 7],
            [8, 2, 3, 2, 3],
            [1; 3],
            [1, 0, 2],
            [1, 1, 0],
        );
    }

    #[test]
    fn the_weight_gradient_has_the_same_bits_on_any_number_of_threads() {
        let g =
            ConvGeometry::new([2, 8, 6, 9, 9], [5, 8, 3, 3, 3], [1; 3], [1; 3], [1; 3]).unwrap();
        same_bits_on_any_number_of_threads(&g);
    }

    #[test]
    fn the_direct_weight_gradient_has_the_same_bits_on_any_number_of_threads() {
        let g =
            ConvGeometry::new([2, 2, 9, 12, 11], [8, 2, 7, 7, 7], [2; 3], [2; 3], [3; 3]).unwrap();
        same_bits_on_any_number_of_threads(&g);
    }

    fn same_bits_on_any_number_of_threads(g: &ConvGeometry) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let x = random(g.batch * g.c_in * g.in_plane(), &mut rng);
        let dy = random(g.batch * g.c_out * g.out_plane(), &mut rng);
        let first = conv::weight_gradient(g, &x, &dy);
        assert_eq!(conv::weight_gradient(g, &x, &dy), first);
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let again = pool.install(|| conv::weight_gradient(g, &x, &dy));
            assert_eq!(again, first, "{threads} threads");
        }
    }
}
