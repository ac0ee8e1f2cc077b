//! The transfer syntaxes a PET/CT archive writes, and which of them ingestion reads (all those
//! listed here; decoders from `dicom-pixeldata`: JPEG 2000 through a pure-Rust OpenJPEG port,
//! JPEG-LS through CharLS, JPEG through `jpeg-decoder`, RLE and deflate natively).

/// A transfer syntax ingestion knows, by its UID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferSyntax {
    /// A syntax that is not in [`SUPPORTED`] (its UID).
    Unknown(String),
    /// One of [`SUPPORTED`].
    Known(&'static SyntaxInfo),
}

/// One supported transfer syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxInfo {
    /// TransferSyntaxUID.
    pub uid: &'static str,
    /// Its name in PS3.6.
    pub name: &'static str,
    /// How the pixel data is compressed.
    pub compression: Compression,
}

/// How pixel data is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Native (uncompressed) pixel data.
    None,
    /// Compressed without loss.
    Lossless,
    /// May be lossy.
    Lossy,
}

const fn syntax(uid: &'static str, name: &'static str, compression: Compression) -> SyntaxInfo {
    SyntaxInfo {
        uid,
        name,
        compression,
    }
}

/// JPEG Extended (Process 2 & 4): read for 8-bit samples only (12-bit Process 4 is refused).
pub const JPEG_EXTENDED: &str = "1.2.840.10008.1.2.4.51";

/// Every transfer syntax ingestion reads (tested in `tests/transfer_syntaxes.rs`).
pub const SUPPORTED: [SyntaxInfo; 16] = [
    syntax(
        "1.2.840.10008.1.2",
        "Implicit VR Little Endian",
        Compression::None,
    ),
    syntax(
        "1.2.840.10008.1.2.1",
        "Explicit VR Little Endian",
        Compression::None,
    ),
    syntax(
        "1.2.840.10008.1.2.1.99",
        "Deflated Explicit VR Little Endian",
        Compression::None,
    ),
    syntax(
        "1.2.840.10008.1.2.2",
        "Explicit VR Big Endian",
        Compression::None,
    ),
    syntax("1.2.840.10008.1.2.5", "RLE Lossless", Compression::Lossless),
    syntax(
        "1.2.840.10008.1.2.4.50",
        "JPEG Baseline (Process 1)",
        Compression::Lossy,
    ),
    syntax(
        "1.2.840.10008.1.2.4.51",
        "JPEG Extended (Process 2 & 4)",
        Compression::Lossy,
    ),
    syntax(
        "1.2.840.10008.1.2.4.57",
        "JPEG Lossless, Non-Hierarchical (Process 14)",
        Compression::Lossless,
    ),
    syntax(
        "1.2.840.10008.1.2.4.70",
        "JPEG Lossless, First-Order Prediction (Process 14, SV1)",
        Compression::Lossless,
    ),
    syntax(
        "1.2.840.10008.1.2.4.80",
        "JPEG-LS Lossless",
        Compression::Lossless,
    ),
    syntax(
        "1.2.840.10008.1.2.4.81",
        "JPEG-LS Near-Lossless",
        Compression::Lossy,
    ),
    syntax(
        "1.2.840.10008.1.2.4.90",
        "JPEG 2000 (Lossless Only)",
        Compression::Lossless,
    ),
    syntax("1.2.840.10008.1.2.4.91", "JPEG 2000", Compression::Lossy),
    syntax(
        "1.2.840.10008.1.2.4.201",
        "High-Throughput JPEG 2000 (Lossless Only)",
        Compression::Lossless,
    ),
    syntax(
        "1.2.840.10008.1.2.4.202",
        "High-Throughput JPEG 2000 with RPCL (Lossless Only)",
        Compression::Lossless,
    ),
    syntax(
        "1.2.840.10008.1.2.4.203",
        "High-Throughput JPEG 2000",
        Compression::Lossy,
    ),
];

impl TransferSyntax {
    /// The syntax of a UID (trailing NUL and spaces ignored).
    pub fn of(uid: &str) -> Self {
        let uid = uid.trim().trim_end_matches('\0');
        SUPPORTED
            .iter()
            .find(|s| s.uid == uid)
            .map_or_else(|| Self::Unknown(uid.to_string()), Self::Known)
    }

    /// Its name (`transfer syntax <uid>` when unknown).
    pub fn name(&self) -> String {
        match self {
            Self::Known(s) => s.name.to_string(),
            Self::Unknown(uid) => format!("transfer syntax {uid}"),
        }
    }

    /// True for compressed pixel data.
    pub fn is_compressed(&self) -> bool {
        matches!(self, Self::Known(s) if s.compression != Compression::None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uid_padded_with_nul_is_known_by_name() {
        assert_eq!(
            TransferSyntax::of("1.2.840.10008.1.2.4.90\0").name(),
            "JPEG 2000 (Lossless Only)"
        );
        assert!(TransferSyntax::of("1.2.840.10008.1.2.4.90").is_compressed());
        assert!(!TransferSyntax::of("1.2.840.10008.1.2.2").is_compressed());
        assert_eq!(TransferSyntax::of("1.2.3").name(), "transfer syntax 1.2.3");
    }
}
