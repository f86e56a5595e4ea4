//! Stage 5, tally: codes → counts and shares by group (level, region, province, year),
//! and keyword counts.

pub mod aggregate;
pub mod keywords;
