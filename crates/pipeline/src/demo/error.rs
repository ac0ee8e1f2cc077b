//! The demo's one error: which step failed, and why.

/// A demo step that failed.
#[derive(Debug, thiserror::Error)]
#[error("demo step `{step}`: {source}")]
pub struct DemoError {
    /// The step (its command line, or what it did).
    pub step: String,
    /// Why.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

impl DemoError {
    /// An error of `step`.
    pub fn new(
        step: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            step: step.into(),
            source: source.into(),
        }
    }
}

/// Attaches the step to any error.
pub(crate) trait InStep<T> {
    fn in_step(self, step: &dyn std::fmt::Display) -> Result<T, DemoError>;
}

impl<T, E: Into<Box<dyn std::error::Error + Send + Sync>>> InStep<T> for Result<T, E> {
    fn in_step(self, step: &dyn std::fmt::Display) -> Result<T, DemoError> {
        self.map_err(|e| DemoError::new(step.to_string(), e))
    }
}
