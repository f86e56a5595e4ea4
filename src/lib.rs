//! policy-coder: code folders of Chinese and English policy documents into policy
//! instruments (supply / demand / environment and their categories), with the evidence
//! for every code and share tables by government level, region, province and year.
//!
//! The pipeline, one folder per stage, each importing only from the stages before it and
//! from the shared leaves (checked by `tests/layout.rs`):
//!
//! [`read`] (files → text; manifest, units files) → [`prepare`] (normalised text,
//! metadata) → [`segment`] (text → units with section roles) → [`code`] (units → codes:
//! tokens, terms, rules, classifier) → [`tally`] (codes → counts and shares) → [`report`]
//! (tables) → [`write`] (files) → [`tools`] (sampling, agreement, diffusion) →
//! [`pipeline`] (joins them for the `code` command) → [`tune`] (evaluate, audit, kwic).
//!
//! Shared leaves, used by every stage: [`error`], [`util`], [`geo`], [`codebook`],
//! [`stats`], [`reliability`].

// Shared leaves.
pub mod codebook;
pub mod error;
pub mod geo;
pub mod reliability;
pub mod schema;
pub mod stats;
pub mod util;

// The stages, in order.
pub mod code;
pub mod pipeline;
pub mod prepare;
pub mod read;
pub mod report;
pub mod segment;
pub mod tally;
pub mod tools;
pub mod tune;
pub mod write;

pub use code::coder::Coder;
pub use codebook::Codebook;
pub use error::{Error, Result};
