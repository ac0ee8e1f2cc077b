//! Model configuration, stored as JSON beside every checkpoint so a checkpoint is never read
//! into a network of another shape.

use serde::{Deserialize, Serialize};

/// The I3D encoder's shape. `width` scales every channel count (1.0 = the published network,
/// 1024 output channels); `mixed_blocks` keeps the first N of the nine Inception blocks
/// (Mixed_3b..Mixed_5c). `pooling` says whether the pooling layers after the last kept block
/// run (see [`EncoderPooling`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderConfig {
    /// Input channels (2: CT and PET).
    pub in_channels: usize,
    /// Channel multiplier (1.0 = the published network).
    pub width: f32,
    /// Inception blocks kept (0..=9).
    pub mixed_blocks: usize,
    /// Which pooling layers run (runs saved before this field existed used all of them).
    #[serde(default)]
    pub pooling: EncoderPooling,
}

/// Index of the first Inception block after MaxPool3d_4a_3x3 and after MaxPool3d_5a_2x2.
pub(crate) const POOL_4A_BEFORE: usize = 2;
pub(crate) const POOL_5A_BEFORE: usize = 7;

/// Which of I3D's two pooling layers between Inception blocks (MaxPool3d_4a, MaxPool3d_5a)
/// run in a network with fewer than nine blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EncoderPooling {
    /// Both, whatever the depth: the feature grid is always 1/8 along the slices and 1/32
    /// in-plane, as in the published network.
    #[default]
    Published,
    /// Only those before a kept block. Pooling after the last block adds nothing but a
    /// coarser grid: a two-block network keeps 1/2 along the slices and 1/8 in-plane, so each
    /// region's attention can choose among 64 times as many places (left from right lung).
    BeforeKeptBlocks,
}

impl EncoderConfig {
    /// The published I3D: all nine Inception blocks at full width.
    pub fn full() -> Self {
        Self {
            in_channels: 2,
            width: 1.0,
            mixed_blocks: 9,
            pooling: EncoderPooling::Published,
        }
    }

    /// A small variant for tests and CPU demos.
    pub fn small(width: f32, mixed_blocks: usize) -> Self {
        Self {
            in_channels: 2,
            width,
            mixed_blocks,
            pooling: EncoderPooling::Published,
        }
    }

    /// Whether the pooling layer before Inception block `block` (`POOL_4A_BEFORE` or
    /// `POOL_5A_BEFORE`) runs.
    pub fn pools_before(&self, block: usize) -> bool {
        match self.pooling {
            EncoderPooling::Published => true,
            EncoderPooling::BeforeKeptBlocks => block < self.mixed_blocks,
        }
    }

    /// The feature grid's stride over the network grid: (slices, rows, cols).
    pub fn strides(&self) -> [usize; 3] {
        let pools = [POOL_4A_BEFORE, POOL_5A_BEFORE]
            .iter()
            .filter(|&&b| self.pools_before(b))
            .count();
        let extra = 1 << pools;
        [2 * extra, 8 * extra, 8 * extra]
    }

    /// Channel count `c` of the published network scaled by the width multiplier.
    pub fn scaled(&self, c: usize) -> usize {
        ((c as f32 * self.width).round() as usize).max(1)
    }

    /// Checks the ranges; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.in_channels == 0 {
            return Err("encoder.in_channels must be at least 1".into());
        }
        if !(self.width > 0.0 && self.width <= 4.0) {
            return Err(format!("encoder.width {} must be in (0, 4]", self.width));
        }
        if self.mixed_blocks > 9 {
            return Err(format!(
                "encoder.mixed_blocks {} must be at most 9",
                self.mixed_blocks
            ));
        }
        Ok(())
    }
}

/// How each region's head reduces the feature grid to one vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HeadKind {
    /// The paper's soft attention: score w·a per voxel, softmax over voxels, weighted sum.
    Attention,
    /// The original code's variant: `heads` attention heads with key and value projections
    /// of `head_dim` each.
    MultiHead {
        /// Attention heads per task.
        heads: usize,
        /// Dimensions of each head's value projection.
        head_dim: usize,
    },
    /// Ablation: sum of the feature vectors over the valid voxels.
    Sum,
}

/// Most bins of the position prior (finer than the feature grid adds nothing).
pub const MAX_POSITION_BINS: usize = 64;

/// Everything needed to rebuild a network and feed it: encoder, heads, task regions and the
/// input grid the volumes are resampled to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// The encoder's shape.
    pub encoder: EncoderConfig,
    /// How each task's head pools the feature grid.
    pub head: HeadKind,
    /// The task names, one head each, in output order (region names, or `summary_code`,
    /// `mortality_180d` for the whole-body targets).
    pub regions: Vec<String>,
    /// Every slice is resampled to `in_plane x in_plane` pixels (224 in the paper).
    pub in_plane: usize,
    /// Groups of `slice_step` slices become one (1 = all kept; PET by its maximum, CT by its
    /// mean), to reduce resolution along the body axis.
    pub slice_step: usize,
    /// Bins of the heads' position prior: each head learns a bias on its attention scores per
    /// bin of a voxel's height in the exam (its slice over the exam's slices) and per bin of
    /// its left-right position, so "where in the body" need not be read from the features
    /// (0 = none: attention from the features alone, as in the paper). Runs saved before this
    /// field existed have none.
    #[serde(default)]
    pub position_bins: usize,
}

impl ModelConfig {
    /// Checks the encoder, the tasks and the grid; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        self.encoder.validate()?;
        if self.regions.is_empty() {
            return Err("the model has no task regions".into());
        }
        if self.in_plane < 32 || !self.in_plane.is_multiple_of(32) {
            return Err(format!(
                "in_plane {} must be a positive multiple of 32",
                self.in_plane
            ));
        }
        if self.slice_step == 0 {
            return Err("slice_step must be at least 1".into());
        }
        if self.position_bins > MAX_POSITION_BINS {
            return Err(format!(
                "position_bins {} must be at most {MAX_POSITION_BINS}",
                self.position_bins
            ));
        }
        if self.position_bins > 0 && self.head == HeadKind::Sum {
            return Err("the sum head has no attention for a position prior".into());
        }
        if let HeadKind::MultiHead { heads, head_dim } = self.head
            && (heads == 0 || head_dim == 0)
        {
            return Err("multi-head attention needs heads >= 1 and head_dim >= 1".into());
        }
        Ok(())
    }

    /// Slices are padded to a multiple of this (the encoder's stride along the slices), so the
    /// valid part of the feature grid is known exactly.
    pub const DEPTH_MULTIPLE: usize = 8;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_saved_before_the_pooling_choice_keeps_every_pool() {
        let json = r#"{"in_channels": 2, "width": 0.125, "mixed_blocks": 2}"#;
        let encoder: EncoderConfig = serde_json::from_str(json).unwrap();
        assert_eq!(encoder.pooling, EncoderPooling::Published);
        assert_eq!(encoder.strides(), [8, 32, 32]);
    }

    #[test]
    fn the_pooling_choice_is_saved_by_name() {
        let encoder = EncoderConfig {
            pooling: EncoderPooling::BeforeKeptBlocks,
            ..EncoderConfig::small(0.125, 2)
        };
        let json = serde_json::to_string(&encoder).unwrap();
        assert!(json.contains(r#""pooling":"before_kept_blocks""#), "{json}");
        assert_eq!(
            "before-kept-blocks".parse(),
            Ok(EncoderPooling::BeforeKeptBlocks)
        );
    }

    #[test]
    fn a_run_saved_before_the_position_prior_has_none() {
        let config = ModelConfig {
            encoder: EncoderConfig::small(0.125, 2),
            head: HeadKind::Attention,
            regions: vec!["lungs".into()],
            in_plane: 32,
            slice_step: 2,
            position_bins: 8,
        };
        let mut json: serde_json::Value = serde_json::to_value(&config).unwrap();
        assert_eq!(json["position_bins"], 8);
        json.as_object_mut().unwrap().remove("position_bins");
        let old: ModelConfig = serde_json::from_value(json).unwrap();
        assert_eq!(old.position_bins, 0);
    }

    #[test]
    fn a_position_prior_needs_an_attention_head_and_at_most_64_bins() {
        let config = |head, position_bins| ModelConfig {
            encoder: EncoderConfig::small(0.125, 2),
            head,
            regions: vec!["lungs".into()],
            in_plane: 32,
            slice_step: 2,
            position_bins,
        };
        assert_eq!(config(HeadKind::Attention, 64).validate(), Ok(()));
        let too_many = config(HeadKind::Attention, 65).validate().unwrap_err();
        assert!(too_many.contains("position_bins 65"), "{too_many}");
        let sum = config(HeadKind::Sum, 8).validate().unwrap_err();
        assert!(sum.contains("sum head"), "{sum}");
    }
}
