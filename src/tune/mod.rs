//! Tools for tuning a codebook on a corpus: they run the pipeline on a folder and show
//! text rather than tables — scoring against hand-coded units, term audit, keyword in
//! context, documents held in memory.

pub mod audit;
pub mod document;
pub mod evaluate;
pub mod kwic;
