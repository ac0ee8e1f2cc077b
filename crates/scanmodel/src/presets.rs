//! Network size presets: the published I3D and two smaller networks that train on a CPU, each
//! a [`ModelConfig`] for given task regions. [`NetworkSettings`] takes a preset and overrides
//! single dimensions of it.

use crate::config::{EncoderConfig, EncoderPooling, HeadKind, ModelConfig};

/// A network size: encoder width and depth and the input grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SizePreset {
    /// The published I3D (1024 channels), 224 x 224 slices: GPU territory.
    Full,
    /// Width 1/4, 4 Inception blocks, 64 x 64 slices, slices merged in pairs: trains on a CPU
    /// in minutes.
    #[default]
    Small,
    /// Width 1/8, 2 blocks, 32 x 32 slices, slices merged in pairs: for quick checks.
    Tiny,
}

impl SizePreset {
    /// (width, Inception blocks, in-plane pixels, slice step) of the preset.
    fn dimensions(self) -> (f32, usize, usize, usize) {
        match self {
            SizePreset::Full => (1.0, 9, 224, 1),
            SizePreset::Small => (0.25, 4, 64, 2),
            SizePreset::Tiny => (0.125, 2, 32, 2),
        }
    }

    /// The preset's network with soft-attention heads for `regions`.
    pub fn model_config(self, regions: Vec<String>) -> ModelConfig {
        NetworkSettings {
            size: self,
            ..NetworkSettings::default()
        }
        .model_config(regions)
    }
}

/// A name that is not one of a choice's names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` is not one of {choices}")]
pub struct UnknownName {
    /// The name given.
    pub given: String,
    /// The names there are.
    pub choices: &'static str,
}

impl std::str::FromStr for SizePreset {
    type Err = UnknownName;

    /// `full`, `small` or `tiny`.
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        match s {
            "full" => Ok(Self::Full),
            "small" => Ok(Self::Small),
            "tiny" => Ok(Self::Tiny),
            _ => Err(UnknownName {
                given: s.into(),
                choices: "full, small, tiny",
            }),
        }
    }
}

impl std::str::FromStr for EncoderPooling {
    type Err = UnknownName;

    /// `published` or `before-kept-blocks`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "published" => Ok(Self::Published),
            "before-kept-blocks" => Ok(Self::BeforeKeptBlocks),
            _ => Err(UnknownName {
                given: s.into(),
                choices: "published, before-kept-blocks",
            }),
        }
    }
}

/// Which head pools each task's feature grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeadChoice {
    /// The paper's soft attention.
    #[default]
    Attention,
    /// The original code's 8 heads with key/value projections (128 dimensions each at full
    /// width, scaled with the width).
    MultiHead,
    /// Sum reduction (ablation).
    Sum,
}

impl std::str::FromStr for HeadChoice {
    type Err = UnknownName;

    /// `attention`, `multi-head` or `sum`.
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        match s {
            "attention" => Ok(Self::Attention),
            "multi-head" => Ok(Self::MultiHead),
            "sum" => Ok(Self::Sum),
            _ => Err(UnknownName {
                given: s.into(),
                choices: "attention, multi-head, sum",
            }),
        }
    }
}

/// A size preset with single dimensions overridden; `None` keeps the preset's value.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct NetworkSettings {
    /// Network size preset (width, depth, input grid), overridden by the options below:
    /// `full` (the published I3D, 224 x 224 slices: GPU territory), `small` (width 1/4,
    /// 4 Inception blocks, 64 x 64 slices merged in pairs: trains on a CPU in minutes) or
    /// `tiny` (width 1/8, 2 blocks, 32 x 32: for quick checks).
    #[cfg_attr(feature = "cli", arg(long, default_value = "small"))]
    pub size: SizePreset,
    /// Channel multiplier (1.0 = published I3D).
    #[cfg_attr(feature = "cli", arg(long))]
    pub width: Option<f32>,
    /// Inception blocks kept (0..=9).
    #[cfg_attr(feature = "cli", arg(long))]
    pub blocks: Option<usize>,
    /// Slices are resampled to N x N pixels (multiple of 32).
    #[cfg_attr(feature = "cli", arg(long))]
    pub in_plane: Option<usize>,
    /// Merge every N slices into one (PET maximum, CT mean).
    #[cfg_attr(feature = "cli", arg(long, value_parser = uptake_core::cli::within(1..=64)))]
    pub slice_step: Option<usize>,
    /// Heads: `attention` (the paper's soft attention), `multi-head` (the original code's 8
    /// heads with key/value projections) or `sum` (ablation).
    #[cfg_attr(feature = "cli", arg(long, default_value = "attention"))]
    pub head: HeadChoice,
    /// Pooling layers: `published` (all of I3D's: the feature grid is 1/8 x 1/32 x 1/32 of
    /// the input whatever the depth) or `before-kept-blocks` (none after the last kept block:
    /// a shallow network keeps a finer grid for its attention). Default: published.
    #[cfg_attr(feature = "cli", arg(long))]
    pub pooling: Option<EncoderPooling>,
    /// Bins of the heads' position prior: each region's attention learns a bias per bin of
    /// height in the exam and per bin of left-right position, so a head need not read "where
    /// in the body" from the features. 0 (the default): attention from the features alone.
    #[cfg_attr(feature = "cli", arg(long, value_parser = uptake_core::cli::within(0..=64)))]
    pub position_bins: Option<usize>,
}

impl NetworkSettings {
    /// The network for `regions` (one head each, in this order).
    pub fn model_config(&self, regions: Vec<String>) -> ModelConfig {
        let (width, blocks, in_plane, step) = self.size.dimensions();
        let width = self.width.unwrap_or(width);
        ModelConfig {
            encoder: EncoderConfig {
                in_channels: 2,
                width,
                mixed_blocks: self.blocks.unwrap_or(blocks),
                pooling: self.pooling.unwrap_or_default(),
            },
            head: match self.head {
                HeadChoice::Attention => HeadKind::Attention,
                HeadChoice::MultiHead => HeadKind::MultiHead {
                    heads: 8,
                    head_dim: ((128.0 * width).round() as usize).max(4),
                },
                HeadChoice::Sum => HeadKind::Sum,
            },
            regions,
            in_plane: self.in_plane.unwrap_or(in_plane),
            slice_step: self.slice_step.unwrap_or(step),
            position_bins: self.position_bins.unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tiny_preset_is_an_eighth_wide_two_blocks_deep_on_32_pixels() {
        let c = SizePreset::Tiny.model_config(vec!["liver".into()]);
        assert_eq!(c.encoder, EncoderConfig::small(0.125, 2));
        assert_eq!((c.in_plane, c.slice_step), (32, 2));
        assert_eq!(c.head, HeadKind::Attention);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn the_full_preset_is_the_published_network() {
        let c = SizePreset::Full.model_config(vec!["liver".into()]);
        assert_eq!(c.encoder, EncoderConfig::full());
        assert_eq!((c.in_plane, c.slice_step), (224, 1));
    }

    #[test]
    fn overrides_replace_single_dimensions_and_multi_head_scales_with_width() {
        let settings = NetworkSettings {
            size: SizePreset::Small,
            in_plane: Some(96),
            head: HeadChoice::MultiHead,
            ..NetworkSettings::default()
        };
        let c = settings.model_config(vec!["liver".into()]);
        assert_eq!((c.encoder.width, c.encoder.mixed_blocks), (0.25, 4));
        assert_eq!((c.in_plane, c.slice_step), (96, 2));
        assert_eq!(
            c.head,
            HeadKind::MultiHead {
                heads: 8,
                head_dim: 32
            }
        );
    }
}
