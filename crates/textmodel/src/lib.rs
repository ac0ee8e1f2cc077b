//! The BERT report model: a token classifier that scores each tagged mention, trained and run with burn.
pub use burn;
