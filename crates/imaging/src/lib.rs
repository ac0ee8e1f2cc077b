//! PET/CT ingestion: DICOM and NIfTI in, CT in HU and PET in SUV on one physical grid, the exam store.
//!
//! `store` is the format the scan model reads (one safetensors file per exam on the model grid).

pub mod store;

pub use store::{ExamInfo, ExamStore, ExamVolume, Geometry, StoreError, model_channels};
