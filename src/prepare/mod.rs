//! Stage 2, prepare: text → normalised text and document metadata (issuer, level,
//! province, year), from the text and the manifest.

pub mod lines;
pub mod metadata;
pub mod normalize;
