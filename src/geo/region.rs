//! Regions of China as groups of provinces: the three economic belts of the reference
//! study, the National Bureau of Statistics' four regions, or a user's own mapping.

use crate::error::{Error, Result};
use crate::geo::province;
use std::collections::BTreeMap;
use std::path::Path;

/// Region id given to documents with no province because they are central-level.
pub const NATIONAL: &str = "national";
/// Region id when the province is not known.
pub const UNKNOWN: &str = "unknown";
/// Region id of Taiwan, Hong Kong and Macao, which no mainland scheme places (a user's
/// mapping file may place them).
pub const OUTSIDE_MAINLAND: &str = "outside_mainland";

/// Region id of the central provinces (中部), distinct from the government level
/// `central` (中央).
pub const CENTRAL_REGION: &str = "central_region";

/// A region id as read from a file: the old spelling `central` of the central region
/// (written before it was renamed) is read as [`CENTRAL_REGION`]; other ids as they are.
pub fn normalize_region(id: &str) -> &str {
    if id.eq_ignore_ascii_case("central") {
        CENTRAL_REGION
    } else {
        id
    }
}

/// A mapping from province id to region id.
#[derive(Debug, Clone)]
pub struct RegionScheme {
    /// Scheme name, for reports (`three-belt`, `nbs`, or the mapping file's path).
    pub name: String,
    map: BTreeMap<&'static str, String>,
}

const THREE_BELT: &[(&str, &[&str])] = &[
    (
        "east",
        &[
            "beijing",
            "tianjin",
            "hebei",
            "liaoning",
            "shanghai",
            "jiangsu",
            "zhejiang",
            "fujian",
            "shandong",
            "guangdong",
            "hainan",
        ],
    ),
    (
        CENTRAL_REGION,
        &[
            "shanxi",
            "jilin",
            "heilongjiang",
            "anhui",
            "jiangxi",
            "henan",
            "hubei",
            "hunan",
        ],
    ),
    (
        "west",
        &[
            "neimenggu",
            "guangxi",
            "chongqing",
            "sichuan",
            "guizhou",
            "yunnan",
            "xizang",
            "shaanxi",
            "gansu",
            "qinghai",
            "ningxia",
            "xinjiang",
        ],
    ),
];

const NBS: &[(&str, &[&str])] = &[
    (
        "east",
        &[
            "beijing",
            "tianjin",
            "hebei",
            "shanghai",
            "jiangsu",
            "zhejiang",
            "fujian",
            "shandong",
            "guangdong",
            "hainan",
        ],
    ),
    (
        CENTRAL_REGION,
        &["shanxi", "anhui", "jiangxi", "henan", "hubei", "hunan"],
    ),
    (
        "west",
        &[
            "neimenggu",
            "guangxi",
            "chongqing",
            "sichuan",
            "guizhou",
            "yunnan",
            "xizang",
            "shaanxi",
            "gansu",
            "qinghai",
            "ningxia",
            "xinjiang",
        ],
    ),
    ("northeast", &["liaoning", "jilin", "heilongjiang"]),
];

impl RegionScheme {
    fn from_table(name: &str, table: &[(&str, &[&str])]) -> Self {
        let mut map = BTreeMap::new();
        for (region, provinces) in table {
            for p in *provinces {
                if let Some(p) = province::lookup(p) {
                    map.insert(p.id, (*region).to_string());
                }
            }
        }
        RegionScheme {
            name: name.to_string(),
            map,
        }
    }

    /// East (11) / Central (8) / West (12), as in the reference study.
    pub fn three_belt() -> Self {
        Self::from_table("three-belt", THREE_BELT)
    }

    /// The statistics bureau's East (10) / Central (6) / West (12) / Northeast (3).
    pub fn nbs() -> Self {
        Self::from_table("nbs", NBS)
    }

    /// `three-belt`, `nbs`, or a path to a CSV file with columns `province,region`.
    pub fn parse(spec: &str) -> Result<Self> {
        match spec {
            "three-belt" | "three_belt" => Ok(Self::three_belt()),
            "nbs" => Ok(Self::nbs()),
            // A bare word that names no file is a mistyped scheme (`nsb`), not a missing file.
            word if !Path::new(word).exists()
                && !word.contains(['/', '\\', '.']) =>
            {
                Err(Error::Usage(format!(
                    "unknown region scheme `{word}`: give three-belt, nbs, or a CSV file with columns province,region"
                )))
            }
            path => Self::from_csv(Path::new(path)),
        }
    }

    /// Reads a user mapping: a CSV with a header holding `province` and `region` columns.
    /// Provinces may be written in any form [`province::lookup`] accepts. Provinces the
    /// file leaves out get region `unknown`.
    pub fn from_csv(path: &Path) -> Result<Self> {
        // The one CSV/TSV reader: encodings, quoted fields, ragged rows named by line.
        let sheet = crate::util::sheet::read_sheet(path)?;
        let shown = sheet.path.clone();
        let col = |name: &str| sheet.col(&[name]);
        let (Some(pc), Some(rc)) = (col("province"), col("region")) else {
            return Err(Error::csv(
                &shown,
                1,
                "header",
                "needs columns `province` and `region`",
            ));
        };
        let mut map = BTreeMap::new();
        for (line, rec) in &sheet.rows {
            let line = *line;
            let pname = rec.get(pc).map_or("", |v| v.trim());
            let region = rec.get(rc).map_or("", |v| v.trim());
            let p = province::lookup_place(pname).ok_or_else(|| {
                Error::csv(
                    &shown,
                    line,
                    "province",
                    format!("unknown province `{pname}`"),
                )
            })?;
            if region.is_empty() {
                return Err(Error::csv(&shown, line, "region", "empty region"));
            }
            map.insert(p.id, normalize_region(region).to_string());
        }
        Ok(RegionScheme { name: shown, map })
    }

    /// Region of a province id: `outside_mainland` for Taiwan, Hong Kong and Macao unless
    /// the scheme places them, `unknown` for other ids the scheme does not place.
    pub fn region_of(&self, province_id: &str) -> &str {
        match self.map.get(province_id) {
            Some(r) => r,
            None if province::is_outside_mainland(province_id) => OUTSIDE_MAINLAND,
            None => UNKNOWN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_scheme_is_named_not_read_as_a_file() {
        let e = RegionScheme::parse("nsb").unwrap_err().to_string();
        assert!(e.contains("unknown region scheme `nsb`"), "{e}");
        let e = RegionScheme::parse("missing.csv").unwrap_err().to_string();
        assert!(!e.contains("unknown region scheme"), "{e}");
    }

    fn count(s: &RegionScheme, r: &str) -> usize {
        province::all()
            .iter()
            .filter(|p| s.region_of(p.id) == r)
            .count()
    }

    #[test]
    fn three_belt_is_11_8_12() {
        let s = RegionScheme::three_belt();
        assert_eq!(
            (
                count(&s, "east"),
                count(&s, CENTRAL_REGION),
                count(&s, "west")
            ),
            (11, 8, 12)
        );
        assert_eq!(s.region_of("liaoning"), "east");
        assert_eq!(s.region_of("neimenggu"), "west");
    }

    #[test]
    fn nbs_is_10_6_12_3() {
        let s = RegionScheme::nbs();
        let counts = (
            count(&s, "east"),
            count(&s, CENTRAL_REGION),
            count(&s, "west"),
            count(&s, "northeast"),
        );
        assert_eq!(counts, (10, 6, 12, 3));
        assert_eq!(s.region_of("liaoning"), "northeast");
        assert_eq!(s.region_of("hong_kong"), OUTSIDE_MAINLAND);
        assert_eq!(
            RegionScheme::three_belt().region_of("taiwan"),
            OUTSIDE_MAINLAND
        );
    }

    #[test]
    fn no_region_is_named_like_a_level() {
        for s in [RegionScheme::three_belt(), RegionScheme::nbs()] {
            for p in province::all() {
                let r = s.region_of(p.id);
                assert!(r != "central" && r != "local", "{r}");
            }
        }
        assert_eq!(normalize_region("central"), CENTRAL_REGION);
        assert_eq!(normalize_region("Central"), CENTRAL_REGION);
        assert_eq!(normalize_region("east"), "east");
    }

    #[test]
    fn a_user_mapping_may_use_the_old_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.csv");
        std::fs::write(&p, "\u{feff}province,region\n河南,central\n四川,west\n").unwrap();
        let s = RegionScheme::parse(p.to_str().unwrap()).unwrap();
        assert_eq!(s.region_of("henan"), CENTRAL_REGION);
        assert_eq!(s.region_of("sichuan"), "west");
    }

    #[test]
    fn user_mapping_reports_bad_rows() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("ok.csv");
        std::fs::write(&ok, "province,region\n四川,southwest\nYunnan,southwest\n").unwrap();
        let s = RegionScheme::parse(ok.to_str().unwrap()).unwrap();
        assert_eq!(s.region_of("sichuan"), "southwest");
        assert_eq!(s.region_of("beijing"), UNKNOWN);

        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "province,region\n四川,southwest\nAtlantis,sea\n").unwrap();
        let e = RegionScheme::parse(bad.to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.csv:3") && e.contains("province"), "{e}");
    }
}
