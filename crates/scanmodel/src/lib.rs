//! The scan model: multi-task I3D with per-region attention heads, training, prediction, saliency.
