//! PET/CT ingestion: DICOM in, CT in HU and PET in SUV on one physical grid, the exam store.
//!
//! - [`store`]: the format the scan model reads (one safetensors file per exam, model grid).
//! - [`ingest`]: DICOM folder -> series discovery and choice -> HU / SUV -> one grid.
//! - [`suv`]: the SUV body-weight factor (BQML, GML, Philips CNTS; decay START/ADMIN/NONE).
//! - [`volume`], [`resample`]: slice ordering and checks; separable trilinear resampling.
//! - [`nifti_out`], [`inspect`]: aligned NIfTI volumes and a look at an exam (stats, MIP PNG).
//! - [`phantom`]: a small PET/CT phantom written as DICOM, for tests and the benchmark.

pub mod dicom;
pub mod ingest;
pub mod inspect;
pub mod manifest;
pub mod nifti_out;
pub mod phantom;
pub mod resample;
pub mod store;
pub mod suv;
pub mod volume;

pub use ingest::{ExamError, IngestError, Ingested, ModelGrid, ingest_dir};
pub use store::{ExamInfo, ExamStore, ExamVolume, Geometry, StoreError, model_channels};
