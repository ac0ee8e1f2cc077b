//! The device a network runs on, chosen at run time: the CPU, or a CUDA GPU in a build with the
//! `gpu` feature. A choice is parsed once (`cpu`, `cuda`, `cuda:N`) and checked before any work:
//! a GPU asked of a build without the feature, a GPU the machine lacks, or a machine without the
//! NVIDIA driver is an error saying what to do.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The command that builds uptake with CUDA support.
pub const GPU_BUILD: &str = "cargo build --release -p uptake --features gpu";

/// Where a network runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Device {
    /// The CPU (burn's flex backend, with SIMD and threads).
    #[default]
    Cpu,
    /// The CUDA GPU of this index (`cuda:0` is the first); needs the `gpu` feature.
    Cuda(usize),
}

impl Device {
    /// Whether this is a CUDA GPU.
    pub fn is_cuda(&self) -> bool {
        matches!(self, Device::Cuda(_))
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Cpu => write!(f, "cpu"),
            Device::Cuda(index) => write!(f, "cuda:{index}"),
        }
    }
}

/// A device's text that is not `cpu`, `cuda` or `cuda:N`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("device `{0}`: expected cpu, cuda or cuda:N (N = 0 for the first GPU)")]
pub struct DeviceParseError(String);

impl FromStr for Device {
    type Err = DeviceParseError;

    fn from_str(text: &str) -> Result<Self, DeviceParseError> {
        let bad = || DeviceParseError(text.to_string());
        match text.trim() {
            "cpu" => Ok(Device::Cpu),
            "cuda" => Ok(Device::Cuda(0)),
            other => {
                let index = other.strip_prefix("cuda:").ok_or_else(bad)?;
                index.parse().map(Device::Cuda).map_err(|_| bad())
            }
        }
    }
}

/// Devices that cannot run what was asked. Each message says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    /// No device was given.
    #[error("no device given (e.g. --device cpu or --devices cuda:0,cuda:1)")]
    NoDevice,
    /// A GPU was asked of a build without the `gpu` feature.
    #[error(
        "{device}: this uptake was built without GPU support; build it with `{GPU_BUILD}` \
         (the NVIDIA driver is needed only when it runs), or use --device cpu"
    )]
    NotBuilt {
        /// The device asked for.
        device: Device,
    },
    /// The NVIDIA driver (libcuda) cannot be loaded or initialised.
    #[error("{device}: no usable NVIDIA driver on this machine ({problem}); use --device cpu")]
    NoDriver {
        /// The device asked for.
        device: Device,
        /// What the driver said.
        problem: String,
    },
    /// The machine has fewer GPUs.
    #[error("{device}: no such GPU; this machine has {available} CUDA device(s){}", list(*available))]
    NoSuchDevice {
        /// The device asked for.
        device: Device,
        /// How many GPUs the machine has.
        available: usize,
    },
    /// CPU and GPU replicas in one run.
    #[error("devices {devices}: the replicas of one run must all be CPU or all CUDA")]
    Mixed {
        /// The devices given.
        devices: String,
    },
    /// The same GPU twice.
    #[error("{device} is given twice: each replica needs a GPU of its own")]
    Repeated {
        /// The device given twice.
        device: Device,
    },
    /// The device ran out of memory.
    #[error("{device} ran out of memory ({detail})")]
    OutOfMemory {
        /// The device.
        device: Device,
        /// What the backend said (first line).
        detail: String,
    },
}

fn list(available: usize) -> String {
    match available {
        0 => String::new(),
        1 => " (cuda:0)".into(),
        n => format!(" (cuda:0 to cuda:{})", n - 1),
    }
}

/// Checks that every device can be used together as the replicas of one run (one device is a
/// run of one replica): all CPU, or distinct GPUs the machine has, in a `gpu` build. The CPU
/// may be given several times (replicas sharing its cores: for tests and checks).
pub fn check_devices(devices: &[Device]) -> Result<(), DeviceError> {
    let Some(first) = devices.first() else {
        return Err(DeviceError::NoDevice);
    };
    if devices.iter().any(|d| d.is_cuda() != first.is_cuda()) {
        let names: Vec<String> = devices.iter().map(Device::to_string).collect();
        return Err(DeviceError::Mixed {
            devices: names.join(","),
        });
    }
    for (i, device) in devices.iter().enumerate() {
        if device.is_cuda() && devices[..i].contains(device) {
            return Err(DeviceError::Repeated { device: *device });
        }
    }
    devices.iter().try_for_each(|device| check_device(*device))
}

/// Checks that `device` exists in this build and on this machine.
pub fn check_device(device: Device) -> Result<(), DeviceError> {
    match device {
        Device::Cpu => Ok(()),
        Device::Cuda(index) => {
            let available = cuda_devices(device)?;
            if index < available {
                Ok(())
            } else {
                Err(DeviceError::NoSuchDevice { device, available })
            }
        }
    }
}

/// The number of CUDA devices the driver reports.
#[cfg(feature = "gpu")]
fn cuda_devices(device: Device) -> Result<usize, DeviceError> {
    // The driver library is loaded on first use; its absence is a panic in cudarc.
    let counted = std::panic::catch_unwind(cudarc::driver::CudaContext::device_count);
    match counted {
        Ok(Ok(n)) => Ok(n.max(0) as usize),
        Ok(Err(e)) => Err(DeviceError::NoDriver {
            device,
            problem: e.to_string(),
        }),
        Err(panic) => Err(DeviceError::NoDriver {
            device,
            problem: panic_text(panic.as_ref()),
        }),
    }
}

#[cfg(not(feature = "gpu"))]
fn cuda_devices(device: Device) -> Result<usize, DeviceError> {
    Err(DeviceError::NotBuilt { device })
}

/// The text of a panic's payload (a `&str` or a `String`), first line only.
pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    text.lines().next().unwrap_or_default().trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_parse_from_their_names_and_print_back() {
        assert_eq!("cpu".parse::<Device>(), Ok(Device::Cpu));
        assert_eq!("cuda".parse::<Device>(), Ok(Device::Cuda(0)));
        assert_eq!("cuda:3".parse::<Device>(), Ok(Device::Cuda(3)));
        assert_eq!(Device::Cuda(3).to_string(), "cuda:3");
        for bad in ["gpu", "cuda:", "cuda:x", "cuda:-1", ""] {
            let err = bad.parse::<Device>().unwrap_err().to_string();
            assert!(err.contains("expected cpu, cuda or cuda:N"), "{bad}: {err}");
        }
    }

    #[test]
    fn replicas_must_be_all_cpu_or_all_gpu_and_gpus_distinct() {
        assert_eq!(check_devices(&[]), Err(DeviceError::NoDevice));
        assert_eq!(check_devices(&[Device::Cpu, Device::Cpu]), Ok(()));
        let mixed = check_devices(&[Device::Cpu, Device::Cuda(0)]).unwrap_err();
        assert_eq!(
            mixed.to_string(),
            "devices cpu,cuda:0: the replicas of one run must all be CPU or all CUDA"
        );
        let twice = check_devices(&[Device::Cuda(0), Device::Cuda(0)]).unwrap_err();
        assert_eq!(
            twice,
            DeviceError::Repeated {
                device: Device::Cuda(0)
            }
        );
    }

    #[cfg(not(feature = "gpu"))]
    #[test]
    fn a_gpu_asked_of_a_cpu_build_says_how_to_build_with_cuda() {
        let err = check_device(Device::Cuda(1)).unwrap_err().to_string();
        assert!(
            err.starts_with("cuda:1: this uptake was built without GPU support"),
            "{err}"
        );
        assert!(
            err.contains("cargo build --release -p uptake --features gpu"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_gpu_is_named_with_what_the_machine_has() {
        let err = DeviceError::NoSuchDevice {
            device: Device::Cuda(2),
            available: 2,
        };
        assert_eq!(
            err.to_string(),
            "cuda:2: no such GPU; this machine has 2 CUDA device(s) (cuda:0 to cuda:1)"
        );
    }
}
