//! Report-model work on a device chosen at run time ([`uptake_training::Device`]): a job
//! written once for any autodiff backend runs on the CPU backend's or (in a `gpu` build) the
//! CUDA backend's instance, through [`uptake_training::run_on`].

use crate::error::ModelError;
use burn::tensor::backend::{AutodiffBackend, Backend};
use uptake_training::{BackendJob, Device};

/// Work for any autodiff backend on one device (training, or inference on its inner backend).
pub(crate) trait AutodiffJob {
    /// What the job gives back.
    type Output;

    /// Runs on `device` of backend `B`.
    fn run<B: AutodiffBackend>(self, device: &B::Device) -> Result<Self::Output, ModelError>;
}

/// Runs `job` on `device`, checked first (a GPU this build or machine lacks is
/// [`ModelError::Device`], before anything is read or written).
pub(crate) fn run_on<J: AutodiffJob>(device: Device, job: J) -> Result<J::Output, ModelError> {
    uptake_training::run_on(&[device], OnAutodiff(job))?
}

/// An [`AutodiffJob`] as the training crate's [`BackendJob`].
struct OnAutodiff<J>(J);

impl<J: AutodiffJob> BackendJob for OnAutodiff<J> {
    type Output = Result<J::Output, ModelError>;

    fn run<B: Backend>(self, devices: &[B::Device]) -> Self::Output {
        self.0.run::<burn::backend::Autodiff<B>>(&devices[0])
    }
}
