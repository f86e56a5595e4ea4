//! Stage 6, report: tallies → tables (shares, crosstabs, chi-square), the plain data every
//! writer formats.

pub mod tables;
