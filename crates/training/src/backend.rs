//! One binary, both backends: a job written once for any burn backend is compiled for the CPU
//! backend (flex) and, in a `gpu` build, for CUDA, and [`run_on`] picks the instance at run
//! time from the [`Device`]s asked for. The CPU instance is the very code a CPU-only build runs
//! (the CPU kernels of the models recognise their backend by type), so the CPU keeps its speed
//! in a `gpu` build.

use crate::device::{Device, DeviceError, check_devices, panic_text};
use burn::tensor::backend::Backend;

/// The CPU backend.
pub type CpuBackend = burn::backend::Flex;
/// The CUDA backend (a `gpu` build).
#[cfg(feature = "gpu")]
pub type CudaBackend = burn::backend::Cuda;

/// A computation for any backend, run on devices chosen at run time with [`run_on`].
pub trait BackendJob {
    /// What the job gives back.
    type Output;

    /// Runs on `devices` of backend `B`: one per replica of a data-parallel run; most jobs take
    /// one. Training jobs wrap `B` in `burn::backend::Autodiff`.
    fn run<B: Backend>(self, devices: &[B::Device]) -> Self::Output;
}

/// Runs `job` on `devices` (checked first with [`check_devices`]): the CPU backend's instance
/// for the CPU, the CUDA backend's for GPUs. A GPU running out of memory is
/// [`DeviceError::OutOfMemory`] rather than a crash (the CPU's allocator aborts instead).
pub fn run_on<J: BackendJob>(devices: &[Device], job: J) -> Result<J::Output, DeviceError> {
    check_devices(devices)?;
    match devices[0] {
        Device::Cpu => {
            let flex = vec![burn::tensor::Device::<CpuBackend>::default(); devices.len()];
            Ok(job.run::<CpuBackend>(&flex))
        }
        Device::Cuda(_) => run_on_cuda(devices, job),
    }
}

#[cfg(feature = "gpu")]
fn run_on_cuda<J: BackendJob>(devices: &[Device], job: J) -> Result<J::Output, DeviceError> {
    let cuda: Vec<burn::backend::cuda::CudaDevice> = devices
        .iter()
        .map(|d| match d {
            Device::Cuda(index) => burn::backend::cuda::CudaDevice::new(*index),
            Device::Cpu => unreachable!("checked: all CUDA"),
        })
        .collect();
    let run = std::panic::AssertUnwindSafe(|| job.run::<CudaBackend>(&cuda));
    std::panic::catch_unwind(run).map_err(|panic| out_of_memory(devices[0], panic))
}

#[cfg(not(feature = "gpu"))]
fn run_on_cuda<J: BackendJob>(devices: &[Device], _: J) -> Result<J::Output, DeviceError> {
    Err(DeviceError::NotBuilt { device: devices[0] })
}

/// A panic of the GPU backend as [`DeviceError::OutOfMemory`] when it says the memory ran out;
/// any other panic goes on unwinding.
#[cfg_attr(not(feature = "gpu"), allow(dead_code))]
fn out_of_memory(device: Device, panic: Box<dyn std::any::Any + Send>) -> DeviceError {
    match out_of_memory_detail(panic.as_ref()) {
        Some(detail) => DeviceError::OutOfMemory { device, detail },
        None => std::panic::resume_unwind(panic),
    }
}

/// Whether a backend's message reports exhausted device memory (as [`run_on`] recognises it).
pub fn is_out_of_memory(message: &str) -> bool {
    let lower = message.to_lowercase();
    let oom = [
        "out-of-memory",
        "out of memory",
        "outofmemory",
        "out_of_memory",
    ];
    oom.iter().any(|s| lower.contains(s))
}

/// The first line of a panic message that reports exhausted device memory (cubecl's
/// `OutOfMemory` launch error, the CUDA driver's `CUDA_ERROR_OUT_OF_MEMORY`).
pub(crate) fn out_of_memory_detail(payload: &(dyn std::any::Any + Send)) -> Option<String> {
    let text = panic_text(payload);
    is_out_of_memory(&text).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names the backend it ran on.
    struct Which;

    impl BackendJob for Which {
        type Output = (String, usize);
        fn run<B: Backend>(self, devices: &[B::Device]) -> (String, usize) {
            (B::name(&devices[0]), devices.len())
        }
    }

    #[test]
    fn the_cpu_runs_the_cpu_backends_instance_once_per_replica() {
        let (name, replicas) = run_on(&[Device::Cpu, Device::Cpu], Which).unwrap();
        assert_eq!(name, CpuBackend::name(&Default::default()));
        assert_eq!(replicas, 2);
    }

    #[cfg(not(feature = "gpu"))]
    #[test]
    fn a_gpu_job_in_a_cpu_build_is_refused_before_it_runs() {
        let err = run_on(&[Device::Cuda(0)], Which).unwrap_err();
        assert_eq!(
            err,
            DeviceError::NotBuilt {
                device: Device::Cuda(0)
            }
        );
    }

    #[test]
    fn only_panics_about_exhausted_memory_count_as_out_of_memory() {
        let cubecl = "An out-of-memory error happened during launch\nCaused by:\n  alloc 4 GiB";
        let payload: Box<dyn std::any::Any + Send> = Box::new(cubecl.to_string());
        assert_eq!(
            out_of_memory_detail(payload.as_ref()).as_deref(),
            Some("An out-of-memory error happened during launch")
        );
        let driver: Box<dyn std::any::Any + Send> =
            Box::new("DriverError(CUDA_ERROR_OUT_OF_MEMORY)");
        assert!(out_of_memory_detail(driver.as_ref()).is_some());
        let other: Box<dyn std::any::Any + Send> = Box::new("index out of bounds");
        assert_eq!(out_of_memory_detail(other.as_ref()), None);
    }
}
