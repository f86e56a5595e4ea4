//! One row of `units.csv` as written: the cells that the reports gathered while the file
//! is written (the HTML report's units, the diffusion section's first units) read.

/// The cells of one row of `units.csv`, as written.
#[derive(Debug, Clone, Copy)]
pub struct WrittenUnit<'a> {
    /// `unit_id`.
    pub unit_id: &'a str,
    /// `file`.
    pub file: &'a str,
    /// `level`.
    pub level: &'a str,
    /// `province`.
    pub province: &'a str,
    /// `region`.
    pub region: &'a str,
    /// `year`.
    pub year: &'a str,
    /// `boilerplate` (`true` or `false`).
    pub boilerplate: &'a str,
    /// `text`.
    pub text: &'a str,
    /// `categories`, `;`-joined.
    pub categories: &'a str,
    /// `evidence`.
    pub evidence: &'a str,
    /// `start`.
    pub start: &'a str,
}
