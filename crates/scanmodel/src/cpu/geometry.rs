//! The shape of one 3D convolution: sizes, strides and (possibly uneven) zero padding.

/// A 3D convolution of a (batch, c_in, d, h, w) volume with a (c_out, c_in, kd, kh, kw) kernel,
/// no dilation, no groups. `pad_before`/`pad_after` are the zeros added on each side (TF "SAME"
/// padding of a strided convolution puts the odd cell after).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvGeometry {
    /// Volumes in the batch.
    pub batch: usize,
    /// Input channels.
    pub c_in: usize,
    /// Output channels.
    pub c_out: usize,
    /// Input (depth, rows, cols).
    pub input: [usize; 3],
    /// Kernel (depth, rows, cols).
    pub kernel: [usize; 3],
    /// Stride per axis.
    pub stride: [usize; 3],
    /// Zeros before the first cell, per axis.
    pub pad_before: [usize; 3],
    /// Output (depth, rows, cols).
    pub output: [usize; 3],
}

impl ConvGeometry {
    /// The geometry of `x_shape` convolved with `w_shape`; `None` when the padded input is
    /// smaller than the kernel or a stride is 0.
    pub fn new(
        x_shape: [usize; 5],
        w_shape: [usize; 5],
        stride: [usize; 3],
        pad_before: [usize; 3],
        pad_after: [usize; 3],
    ) -> Option<Self> {
        let [batch, c_in, d, h, w] = x_shape;
        let [c_out, w_in, kd, kh, kw] = w_shape;
        if w_in != c_in {
            return None;
        }
        let (input, kernel) = ([d, h, w], [kd, kh, kw]);
        let mut output = [0; 3];
        for a in 0..3 {
            let span = input[a] + pad_before[a] + pad_after[a];
            if stride[a] == 0 || kernel[a] == 0 || span < kernel[a] {
                return None;
            }
            output[a] = (span - kernel[a]) / stride[a] + 1;
        }
        Some(Self {
            batch,
            c_in,
            c_out,
            input,
            kernel,
            stride,
            pad_before,
            output,
        })
    }

    /// Cells of one kernel channel.
    pub fn kernel_cells(&self) -> usize {
        self.kernel.iter().product()
    }

    /// Rows of the column matrix: input channels x kernel cells.
    pub fn col_len(&self) -> usize {
        self.c_in * self.kernel_cells()
    }

    /// Cells of one input channel.
    pub fn in_plane(&self) -> usize {
        self.input.iter().product()
    }

    /// Cells of one output channel.
    pub fn out_plane(&self) -> usize {
        self.output.iter().product()
    }

    /// Whether every output cell is one input cell times the kernel (1x1x1, stride 1, no
    /// padding): then the convolution is a plain matrix product per volume.
    pub fn is_pointwise(&self) -> bool {
        self.kernel == [1, 1, 1]
            && self.stride == [1, 1, 1]
            && self.pad_before == [0, 0, 0]
            && self.output == self.input
    }

    /// Padding after the last cell, per axis (what [`ConvGeometry::new`] was given, less
    /// cells a stride never reaches).
    pub fn pad_after(&self) -> [usize; 3] {
        let mut after = [0; 3];
        for a in 0..3 {
            let reach = (self.output[a] - 1) * self.stride[a] + self.kernel[a];
            after[a] = reach.saturating_sub(self.input[a] + self.pad_before[a]);
        }
        after
    }

    /// The geometry whose forward pass is this one's input gradient, for stride 1: the output
    /// gradient convolved with the flipped, transposed kernel, padded by `k - 1 - p`. `None`
    /// for strided convolutions or padding wider than `k - 1`.
    pub fn input_gradient(&self) -> Option<Self> {
        if self.stride != [1, 1, 1] {
            return None;
        }
        let after = self.pad_after();
        let mut before = [0; 3];
        let mut back_after = [0; 3];
        for a in 0..3 {
            let k = self.kernel[a];
            if self.pad_before[a] + 1 > k || after[a] + 1 > k {
                return None;
            }
            before[a] = k - 1 - self.pad_before[a];
            back_after[a] = k - 1 - after[a];
        }
        let g = Self::new(
            [
                self.batch,
                self.c_out,
                self.output[0],
                self.output[1],
                self.output[2],
            ],
            [
                self.c_in,
                self.c_out,
                self.kernel[0],
                self.kernel[1],
                self.kernel[2],
            ],
            [1, 1, 1],
            before,
            back_after,
        )?;
        (g.output == self.input).then_some(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_size_counts_the_strided_positions_inside_the_padded_input() {
        // The stem: 7x7x7 stride 2 on 64 x 224 x 224 with SAME padding (2, 3).
        let g = ConvGeometry::new(
            [1, 2, 64, 224, 224],
            [64, 2, 7, 7, 7],
            [2; 3],
            [2; 3],
            [3; 3],
        )
        .unwrap();
        assert_eq!(g.output, [32, 112, 112]);
        assert_eq!(g.pad_after(), [3, 3, 3]);
        assert_eq!(g.col_len(), 686);
    }

    #[test]
    fn a_stride_never_reaching_the_last_padding_drops_it() {
        // 8 cells, kernel 3, stride 2, padding (1, 1): outputs start at -1, 1, 3, 5.
        let g = ConvGeometry::new(
            [1, 1, 8, 1, 1],
            [1, 1, 3, 1, 1],
            [2, 1, 1],
            [1, 0, 0],
            [1, 0, 0],
        )
        .unwrap();
        assert_eq!(g.output, [4, 1, 1]);
        assert_eq!(g.pad_after(), [0, 0, 0]);
    }

    #[test]
    fn the_input_gradient_geometry_gives_back_the_input_size() {
        let g = ConvGeometry::new(
            [2, 3, 5, 6, 7],
            [4, 3, 3, 2, 3],
            [1; 3],
            [1, 0, 2],
            [1, 1, 0],
        )
        .unwrap();
        let back = g.input_gradient().unwrap();
        assert_eq!(back.output, g.input);
        assert_eq!((back.c_in, back.c_out), (4, 3));
        assert!(
            ConvGeometry::new([1, 1, 5, 5, 5], [1, 1, 3, 3, 3], [2; 3], [1; 3], [1; 3])
                .unwrap()
                .input_gradient()
                .is_none()
        );
    }

    #[test]
    fn too_small_inputs_and_mismatched_channels_have_no_geometry() {
        assert!(
            ConvGeometry::new([1, 1, 2, 5, 5], [1, 1, 3, 3, 3], [1; 3], [0; 3], [0; 3]).is_none()
        );
        assert!(
            ConvGeometry::new([1, 2, 5, 5, 5], [1, 1, 3, 3, 3], [1; 3], [0; 3], [0; 3]).is_none()
        );
    }
}
