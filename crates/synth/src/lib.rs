//! Synthetic cohort generator: free-text reports, whole-body PET/CT phantoms as DICOM, outcomes.
//!
//! Real patient data never reaches development machines, so tests and the demo run on cohorts
//! made here. `spec` is the ground truth of an exam that the report and image writers share.

pub mod anatomy;
pub mod cohort;
pub mod dates;
pub mod dicom;
pub mod geometry;
pub mod phantom;
pub mod reports;
pub mod sampler;
pub mod sites;
pub mod spec;
pub mod taxonomy;
