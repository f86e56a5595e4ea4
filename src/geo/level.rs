//! Levels of government: central or local.

use serde::Serialize;

/// Government level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Central government: the State Council, its offices, ministries.
    Central,
    /// Provincial and lower governments.
    Local,
    /// Not determinable.
    #[default]
    Unknown,
}

impl Level {
    /// `central`, `local` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Central => "central",
            Level::Local => "local",
            Level::Unknown => "unknown",
        }
    }

    /// Parses a manifest value; blank is `None`.
    pub fn parse(s: &str) -> std::result::Result<Option<Level>, String> {
        match s.trim().to_lowercase().as_str() {
            "" => Ok(None),
            "central" | "中央" | "national" | "国家" => Ok(Some(Level::Central)),
            "local" | "地方" | "provincial" | "省级" => Ok(Some(Level::Local)),
            "unknown" => Ok(Some(Level::Unknown)),
            other => Err(format!(
                "unknown level `{other}` (expected central or local)"
            )),
        }
    }
}
