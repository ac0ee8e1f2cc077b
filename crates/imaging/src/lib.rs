//! PET/CT ingestion: DICOM in, CT in HU and PET in SUV on one physical grid, the exam store.
//!
//! - [`cohort`]: the step itself ([`ingest_cohort`]): every exam of a manifest, a DICOM folder
//!   tree ([`identity`]: exams keyed by StudyInstanceUID) or a public NIfTI dataset
//!   ([`nifti_in`]), or one shard of them, into an exam store; [`mod@report`]: the CSV of every
//!   exam's decisions.
//! - [`store`]: the format the scan model reads (one safetensors file per exam, model grid, the
//!   exam's record of every decision, an optional lesion mask).
//! - [`ingest`]: one exam's DICOM folder -> [`discover`] -> [`select`] (the series policy) ->
//!   HU / SUV ([`dicom`], [`syntax`]: the transfer syntaxes read) -> one grid ->
//!   [`plausibility`] checks.
//! - [`suv`]: the SUV body-weight factor (BQML, GML, Philips CNTS; decay START/ADMIN/NONE).
//! - [`volume`]: slice ordering and checks (then separable trilinear resampling).
//! - [`mod@inspect`]: a look at one exam: SUV statistics in volumes of interest ([`voi`]) and a
//!   coronal MIP picture ([`mip`]); [`nifti_out`]: aligned NIfTI volumes.
//! - [`phantom`]: a small PET/CT phantom written as DICOM, for tests and the benchmark
//!   ([`mod@bench`]).
//!
//! Nothing wrong is stored silently: unit slips, impossible SUV or HU, a CT that covers too
//! little of the PET are refused with the cause; choices, skipped files, repairs and warnings
//! are kept in each exam's [`ExamInfo`] ([`record`]).
//!
//! Ingesting a phantom exam listed in a manifest into a store on a 32 x 32 grid:
//!
//! ```
//! use uptake_core::{ExamId, NoProgress};
//! use uptake_imaging::phantom::{PhantomSpec, write_phantom};
//! use uptake_imaging::{ExamStore, IngestSettings, IngestSource, ModelGrid, ingest_cohort};
//!
//! let dir = tempfile::tempdir()?;
//! write_phantom(&dir.path().join("exams/P1"), &PhantomSpec::small("1"))?;
//! let manifest = dir.path().join("manifest.csv");
//! std::fs::write(&manifest, "exam_id,dicom_dir\nP1,exams/P1\n")?;
//!
//! let store = ExamStore::open(dir.path().join("store"))?;
//! let settings = IngestSettings {
//!     grid: ModelGrid { size: 32, fov_mm: 400.0, slice_mm: 8.0 },
//!     ..IngestSettings::default()
//! };
//! let outcome = ingest_cohort(&store, &IngestSource::Manifest(manifest), &settings, &NoProgress)?;
//! assert_eq!((outcome.ingested(), outcome.failures().count()), (1, 0));
//!
//! let volume = store.load(&ExamId::new("P1").unwrap())?;
//! assert_eq!(&volume.geometry.shape[1..], &[32, 32]);
//! let suv_max = volume.pet_suv.iter().cloned().fold(0.0, f32::max);
//! assert!(suv_max > 2.0, "the phantom's lesion: SUV {suv_max}");
//! let info = store.info(&ExamId::new("P1").unwrap())?.unwrap();
//! assert_eq!(info.pet_choice, "the only usable PT series");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod bench;
pub mod cohort;
pub mod dicom;
pub mod discover;
pub mod identity;
pub mod ingest;
pub mod inspect;
pub mod mip;
pub mod nifti_in;
pub mod nifti_out;
pub mod phantom;
pub mod plausibility;
pub mod record;
pub mod report;
pub(crate) mod resample;
pub mod select;
pub mod store;
pub mod suv;
pub mod syntax;
pub mod voi;
pub mod volume;

pub use cohort::{FailWhen, IngestOutcome, IngestSettings, IngestSource, Shard, ingest_cohort};
pub use ingest::{
    ExamError, ExamSettings, GridError, IngestError, Ingested, ModelGrid, ingest_dir,
    ingest_dir_with,
};
pub use inspect::{InspectSettings, InspectSource, Inspection, inspect};
pub use select::{SeriesPattern, SeriesSelection, StudyPairing};
pub use store::{ExamInfo, ExamStore, ExamVolume, Geometry, StoreError, model_channels};
