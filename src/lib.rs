//! policy-coder: code folders of Chinese and English policy documents into policy
//! instruments (supply / demand / environment and their categories), with the evidence
//! for every code and share tables by government level, region, province and year.
//!
//! Stages, each a module of plain data in, plain data out:
//! [`read`] (files → text) → [`normalize`] → [`metadata`] → [`segment`] (text → units)
//! → [`tokenize`] → [`coder`] (units → codes) → [`aggregate`] (codes → shares) →
//! [`output`] (tables → files). [`pipeline`] joins them for the `code` command.

pub mod aggregate;
pub mod agree;
pub mod agree_pairing;
pub mod audit;
pub mod charts;
pub mod classify;
pub mod code_names;
pub mod codebook;
pub mod coder;
pub mod corpus_eval;
pub mod county;
pub mod csv_row;
pub mod dates;
pub mod decode;
pub mod diffuse;
pub mod docid;
pub mod document;
pub mod error;
pub mod exchange;
pub mod html;
pub mod keywords;
pub mod kwic;
pub mod lang;
pub mod metadata;
pub mod normalize;
pub mod outdir;
pub mod output;
pub mod pipeline;
pub mod province;
pub mod read;
pub mod region;
pub mod reliability;
pub mod rng;
pub mod role;
pub mod sample;
pub mod segment;
pub mod sheet;
pub mod stats;
pub mod tables;
pub mod token_trie;
pub mod tokenize;
pub mod units_input;
pub mod xlsx;

pub use codebook::Codebook;
pub use coder::Coder;
pub use error::{Error, Result};
