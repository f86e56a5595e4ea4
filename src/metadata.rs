//! Document metadata: from a `metadata.csv` manifest when it has the field, else
//! inferred from the path and the text's header (title, document number, issuer, date).

use crate::error::{Error, Result};
use crate::province::{self, Province};
use crate::region::{self, RegionScheme};
use crate::segment::is_date_line;
use aho_corasick::AhoCorasick;
use regex::Regex;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

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

/// Where a metadata field came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    /// Not determined.
    #[default]
    None,
    /// The `metadata.csv` manifest.
    Manifest,
    /// The file's path.
    Path,
    /// The document's text.
    Text,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Origin::None => "none",
            Origin::Manifest => "manifest",
            Origin::Path => "path",
            Origin::Text => "text",
        }
    }
}

/// Metadata of one document.
#[derive(Debug, Clone, Default)]
pub struct DocMeta {
    /// Title.
    pub title: String,
    /// Issuing body.
    pub issuer: String,
    /// Government level.
    pub level: Level,
    /// Province, when determinable.
    pub province: Option<&'static Province>,
    /// Region id under the chosen scheme (`national` for central documents).
    pub region: String,
    /// Year of issue.
    pub year: Option<i32>,
    /// Date as written.
    pub date: String,
    /// Document number (国办发〔2015〕47号).
    pub doc_number: String,
    /// Origin of each field, by name.
    pub origins: BTreeMap<&'static str, Origin>,
}

impl DocMeta {
    /// `title=text;level=manifest;…` for `documents.csv`.
    pub fn origins_string(&self) -> String {
        self.origins
            .iter()
            .filter(|(_, o)| **o != Origin::None)
            .map(|(k, o)| format!("{k}={}", o.as_str()))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Province id; `national` for a central document without one, else `unknown`.
    pub fn province_id(&self) -> &str {
        match (self.province, self.level) {
            (Some(p), _) => p.id,
            (None, Level::Central) => region::NATIONAL,
            _ => region::UNKNOWN,
        }
    }

    /// Province short Chinese name or empty.
    pub fn province_zh(&self) -> &str {
        self.province.map(|p| p.zh).unwrap_or("")
    }

    /// Year as text, or `unknown`.
    pub fn year_string(&self) -> String {
        self.year
            .map(|y| y.to_string())
            .unwrap_or_else(|| region::UNKNOWN.to_string())
    }
}

/// One manifest row (every field optional).
#[derive(Debug, Clone, Default)]
pub struct ManifestRow {
    /// Title.
    pub title: String,
    /// Issuer.
    pub issuer: String,
    /// Level.
    pub level: Option<Level>,
    /// Province.
    pub province: Option<&'static Province>,
    /// Year.
    pub year: Option<i32>,
    /// Date as written.
    pub date: String,
    /// Document number.
    pub doc_number: String,
}

/// A `metadata.csv` manifest: rows keyed by the file path relative to its folder.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    /// The manifest file.
    pub path: String,
    rows: BTreeMap<String, ManifestRow>,
}

fn key_of(rel: &str) -> String {
    rel.replace('\\', "/").trim_start_matches("./").to_string()
}

impl Manifest {
    /// Reads and validates a manifest. Columns `file,title,issuer,level,province,year,
    /// date,doc_number` are recognised (others ignored); only `file` is required.
    pub fn load(path: &Path) -> Result<Manifest> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let text = crate::decode::decode(&bytes)
            .map_err(|e| Error::csv(&shown, 0, "", e.to_string()))?
            .text;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| Error::csv(&shown, 1, "", e.to_string()))?
            .iter()
            .map(|h| h.trim().to_lowercase())
            .collect();
        let col = |name: &str| headers.iter().position(|h| h == name);
        let file_col = col("file")
            .ok_or_else(|| Error::csv(&shown, 1, "file", "the manifest needs a `file` column"))?;
        let cols: BTreeMap<&str, Option<usize>> = [
            "title",
            "issuer",
            "level",
            "province",
            "year",
            "date",
            "doc_number",
        ]
        .into_iter()
        .map(|n| (n, col(n)))
        .collect();
        let mut rows = BTreeMap::new();
        for (i, rec) in reader.records().enumerate() {
            let rec = rec.map_err(|e| {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(i + 2);
                Error::csv(&shown, line, "", e.to_string())
            })?;
            let line = rec.position().map(|p| p.line() as usize).unwrap_or(i + 2);
            let get = |n: &str| {
                cols[n]
                    .and_then(|c| rec.get(c))
                    .unwrap_or("")
                    .trim()
                    .to_string()
            };
            let file = rec.get(file_col).unwrap_or("").trim();
            if file.is_empty() {
                return Err(Error::csv(&shown, line, "file", "empty file name"));
            }
            let level =
                Level::parse(&get("level")).map_err(|m| Error::csv(&shown, line, "level", m))?;
            let p = get("province");
            let province = if p.is_empty() || p.eq_ignore_ascii_case("unknown") {
                None
            } else {
                Some(province::lookup(&p).ok_or_else(|| {
                    Error::csv(&shown, line, "province", format!("unknown province `{p}`"))
                })?)
            };
            let y = get("year");
            let year = if y.is_empty() || y.eq_ignore_ascii_case("unknown") {
                None
            } else {
                match y.parse::<i32>() {
                    Ok(v) if (1949..=2100).contains(&v) => Some(v),
                    _ => {
                        return Err(Error::csv(
                            &shown,
                            line,
                            "year",
                            format!("`{y}` is not a year"),
                        ))
                    }
                }
            };
            let row = ManifestRow {
                title: get("title"),
                issuer: get("issuer"),
                level,
                province,
                year,
                date: get("date"),
                doc_number: get("doc_number"),
            };
            if rows.insert(key_of(file), row).is_some() {
                return Err(Error::csv(
                    &shown,
                    line,
                    "file",
                    format!("`{file}` is listed twice"),
                ));
            }
        }
        Ok(Manifest { path: shown, rows })
    }

    /// The row for a file path relative to the manifest's folder.
    pub fn get(&self, rel: &str) -> Option<&ManifestRow> {
        self.rows.get(&key_of(rel))
    }

    /// Listed files, as written.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.rows.keys().map(String::as_str)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the manifest has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

struct Patterns {
    doc_number: Regex,
    order_number: Regex,
    year_zh: Regex,
    year_en: Regex,
    title_words: Regex,
    central: AhoCorasick,
    central_en: AhoCorasick,
    quoted: Regex,
    org_prefix: Regex,
}

const CENTRAL_BODIES: &[&str] = &[
    "国务院",
    "中共中央",
    "中央办公厅",
    "全国人民代表大会",
    "全国人大",
    "最高人民法院",
    "最高人民检察院",
    "国家发展改革委",
    "国家发展和改革委员会",
    "人力资源社会保障部",
    "人力资源和社会保障部",
    "人社部",
    "财政部",
    "农业农村部",
    "农业部",
    "教育部",
    "科学技术部",
    "科技部",
    "工业和信息化部",
    "工信部",
    "公安部",
    "民政部",
    "司法部",
    "自然资源部",
    "国土资源部",
    "生态环境部",
    "住房和城乡建设部",
    "住房城乡建设部",
    "交通运输部",
    "水利部",
    "商务部",
    "文化和旅游部",
    "国家卫生健康委",
    "退役军人事务部",
    "应急管理部",
    "中国人民银行",
    "审计署",
    "海关总署",
    "国家税务总局",
    "税务总局",
    "国家市场监督管理总局",
    "市场监管总局",
    "国家统计局",
    "国家乡村振兴局",
    "国务院扶贫办",
    "银保监会",
    "中国银行保险监督管理委员会",
    "国家金融监督管理总局",
    "中国证监会",
    "全国总工会",
    "共青团中央",
    "全国妇联",
    "中华全国妇女联合会",
    "供销合作总社",
    "国家林业和草原局",
    "国家知识产权局",
    "国家邮政局",
    "国家能源局",
    "国家数据局",
    "中央网信办",
    "国家互联网信息办公室",
];

const CENTRAL_BODIES_EN: &[&str] = &[
    "State Council",
    "Central Committee",
    "National People's Congress",
    "Ministry of",
    "National Development and Reform Commission",
    "People's Bank of China",
    "State Administration of",
    "European Parliament",
    "European Commission",
    "Council of the European Union",
];

/// Compiles the built-in metadata patterns now rather than on first use (start-up work
/// that can overlap the dictionary load).
pub fn prepare() {
    let _ = patterns();
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let r = |s: &str| Regex::new(s).expect("built-in pattern");
        Patterns {
            doc_number: r(r"[\p{Han}]{1,12}\s*[〔\[(（【]\s*((?:19|20)\d{2})\s*[〕\])）】]\s*(?:第\s*)?\d+\s*号"),
            order_number: r(r"[\p{Han}]{2,20}令\s*(?:\(|（)?\s*第\s*\d+\s*号"),
            year_zh: r(r"(\d{4}|[〇零○一二三四五六七八九]{4})\s*年"),
            year_en: r(r"\b((?:19|20)\d{2})\b"),
            title_words: r(r"关于.{1,120}的?(?:通知|意见|办法|决定|规定|方案|细则|条例|公告|通告|批复|函|计划|规划|纲要|措施)|(?:办法|条例|规定|细则|方案|意见|措施)$"),
            central: AhoCorasick::new(CENTRAL_BODIES).expect("built-in names"),
            central_en: aho_corasick::AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .build(CENTRAL_BODIES_EN)
                .expect("built-in names"),
            quoted: r(r"《[^》]*》"),
            org_prefix: r(r"^(.{2,40}?(?:人民政府办公厅|人民政府办公室|人民政府|办公厅|办公室|委员会|局|厅|部|署|院|中心|小组))(?:关于|印发)"),
        }
    })
}

const DOC_PREFIXES: &str = include_str!("../data/doc_prefixes.tsv");

/// Suffixes after a provincial abbreviation in document numbers, and the issuer they name.
const PROVINCIAL_PREFIXES: &[(&str, &str)] = &[
    ("政办发", "人民政府办公厅"),
    ("府办发", "人民政府办公厅"),
    ("政办函", "人民政府办公厅"),
    ("府办函", "人民政府办公厅"),
    ("办发", "人民政府办公厅"),
    ("政发", "人民政府"),
    ("府发", "人民政府"),
    ("政函", "人民政府"),
    ("府函", "人民政府"),
    ("政", "人民政府"),
    ("府", "人民政府"),
];

/// The issuer a document number names by its prefix: 国办发〔2015〕47号 → 国务院办公厅,
/// 川府发〔2016〕18号 → 四川省人民政府. Provincial abbreviations are shared with some
/// cities (青 Qingdao, 宁 Nanjing), so this is used only when the text names no issuer.
pub fn issuer_from_doc_number(num: &str) -> Option<String> {
    let prefix: String = num
        .trim()
        .chars()
        .take_while(|c| !matches!(c, '〔' | '[' | '(' | '（' | '【'))
        .collect();
    let prefix = prefix.trim();
    if prefix.is_empty() {
        return None;
    }
    let central = DOC_PREFIXES
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .filter(|(p, _)| prefix.starts_with(p))
        .max_by_key(|(p, _)| p.chars().count());
    if let Some((_, issuer)) = central {
        return Some(issuer.to_string());
    }
    let first: String = prefix.chars().take(1).collect();
    let rest: String = prefix.chars().skip(1).collect();
    let p = province::from_abbreviation(&first)?;
    PROVINCIAL_PREFIXES
        .iter()
        .find(|(suffix, _)| rest == *suffix)
        .map(|(_, office)| format!("{}{office}", p.full))
}

fn zh_digit(c: char) -> Option<u32> {
    match c {
        '〇' | '零' | '○' => Some(0),
        '一' => Some(1),
        '二' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        c => c.to_digit(10),
    }
}

/// Year of a date string: 2015年6月17日, 二〇一五年六月十七日, 17 June 2015, 2015-06-17.
pub fn year_of_date(s: &str) -> Option<i32> {
    let p = patterns();
    let raw = p
        .year_zh
        .captures(s)
        .map(|c| c[1].to_string())
        .or_else(|| p.year_en.captures(s).map(|c| c[1].to_string()))?;
    let y = raw
        .chars()
        .try_fold(0i32, |acc, c| zh_digit(c).map(|d| acc * 10 + d as i32))?;
    (1949..=2100).contains(&y).then_some(y)
}

fn is_central_body(s: &str) -> bool {
    let p = patterns();
    p.central.is_match(s) || p.central_en.is_match(s)
}

fn doc_number_prefix_level(num: &str) -> (Option<Level>, Option<&'static Province>) {
    let first: String = num.chars().take(1).collect();
    if ["国发", "国办", "国函", "中发", "中办"]
        .iter()
        .any(|p| num.starts_with(p))
        || num.contains("部发")
        || num.contains("部函")
    {
        return (Some(Level::Central), None);
    }
    match province::from_abbreviation(&first) {
        Some(p) => (Some(Level::Local), Some(p)),
        None => (None, None),
    }
}

/// What the path says: `central/` or `local/` directories, province names in directory
/// or file names (`local/sichuan/…`, `local_anhui_2022_rcep.txt`).
fn from_path(rel: &str) -> (Option<Level>, Option<&'static Province>) {
    let mut level = None;
    let mut prov = None;
    let stemless = rel.rsplit_once('.').map(|(a, _)| a).unwrap_or(rel);
    for token in stemless.split(['/', '\\', '_', '-', ' ', '.']) {
        let t = token.trim();
        match t.to_lowercase().as_str() {
            "central" | "中央" => level = level.or(Some(Level::Central)),
            "local" | "地方" => level = level.or(Some(Level::Local)),
            _ => {}
        }
        if prov.is_none() {
            prov = province::lookup(t)
                .filter(|p| t.eq_ignore_ascii_case(p.id) || t == p.zh || t == p.full);
        }
    }
    (level, prov)
}

/// Header facts read from the text.
#[derive(Debug, Default)]
struct Header {
    title: String,
    doc_number: String,
    issuer: String,
    date: String,
}

fn read_header(text: &str) -> Header {
    let p = patterns();
    let lines = || text.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut h = Header::default();
    let head: Vec<&str> = lines().take(15).collect();
    for &l in &head {
        if l.starts_with('【') || l.starts_with("原文链接") || l.starts_with("http") {
            continue;
        }
        // Both number patterns end in 号: other lines skip the regexes.
        if h.doc_number.is_empty() && l.contains('号') {
            if let Some(m) = p.doc_number.find(l).or_else(|| p.order_number.find(l)) {
                if l.chars().count() <= 40 {
                    h.doc_number = m.as_str().to_string();
                    continue;
                }
            }
        }
        if h.title.is_empty()
            && l.chars().count() <= 150
            && !l.contains('。')
            && (p.title_words.is_match(l) || l.to_lowercase().starts_with("directive"))
        {
            h.title = l.to_string();
        }
    }
    if h.title.is_empty() {
        // First line that is neither a database line nor a number or date.
        if let Some(l) = head.iter().find(|l| {
            !l.starts_with('【')
                && !l.starts_with("原文链接")
                && !l.starts_with("http")
                && !is_date_line(l)
                && l.chars().count() <= 150
                && !l.contains('。')
        }) {
            h.title = l.to_string();
        }
    }
    // The first date line, with the two lines before it.
    let mut before: [Option<&str>; 2] = [None, None];
    let date_line = lines().find(|l| {
        let found = is_date_line(l);
        if !found {
            before = [before[1], Some(l)];
        }
        found
    });
    if let Some(date) = date_line {
        h.date = date.trim_matches(['(', ')', '（', '）']).to_string();
        // The issuer signs just above the date, below at least one line of text.
        if let [Some(_), Some(prev)] = before {
            if prev.chars().count() <= 40 && !prev.contains(['。', ';', ',', '，', ':', '：']) {
                h.issuer = prev.to_string();
            }
        }
    }
    if h.issuer.is_empty() {
        let t = h.title.trim_start_matches(['【', '[']);
        if let Some(c) = p.org_prefix.captures(t) {
            h.issuer = c[1].to_string();
        }
    }
    h
}

/// Combines manifest, path and text evidence. Nothing is guessed: a field no source
/// determines stays unknown.
pub fn infer(
    text: &str,
    rel_path: &str,
    manifest: Option<&ManifestRow>,
    regions: &RegionScheme,
) -> DocMeta {
    let m = manifest.cloned().unwrap_or_default();
    let header = read_header(text);
    let mut meta = DocMeta::default();
    let set_str = |field: &'static str,
                   manifest_value: &str,
                   text_value: &str,
                   meta: &mut DocMeta|
     -> String {
        if !manifest_value.is_empty() {
            meta.origins.insert(field, Origin::Manifest);
            manifest_value.to_string()
        } else if !text_value.is_empty() {
            meta.origins.insert(field, Origin::Text);
            text_value.to_string()
        } else {
            String::new()
        }
    };
    meta.title = set_str("title", &m.title, &header.title, &mut meta);
    meta.doc_number = set_str("doc_number", &m.doc_number, &header.doc_number, &mut meta);
    let issuer_in_text = match header.issuer.is_empty() {
        true => issuer_from_doc_number(&meta.doc_number).unwrap_or_default(),
        false => header.issuer.clone(),
    };
    meta.issuer = set_str("issuer", &m.issuer, &issuer_in_text, &mut meta);
    meta.date = set_str("date", &m.date, &header.date, &mut meta);

    let (path_level, path_prov) = from_path(rel_path);
    let title_unquoted = patterns().quoted.replace_all(&meta.title, "").into_owned();
    let (num_level, num_prov) = doc_number_prefix_level(&meta.doc_number);

    // Level: manifest, path, issuer, title, document number.
    let text_level = || -> Option<Level> {
        if !meta.issuer.is_empty() {
            if province::find_in_text(&meta.issuer).is_some() {
                return Some(Level::Local);
            }
            if is_central_body(&meta.issuer) {
                return Some(Level::Central);
            }
        }
        if province::find_in_text(&title_unquoted).is_some() {
            return Some(Level::Local);
        }
        if is_central_body(&title_unquoted) {
            return Some(Level::Central);
        }
        num_level
    };
    let (level, level_origin) = match (m.level, path_level) {
        (Some(l), _) => (l, Origin::Manifest),
        (None, Some(l)) => (l, Origin::Path),
        _ => match text_level() {
            Some(l) => (l, Origin::Text),
            None => (Level::Unknown, Origin::None),
        },
    };
    meta.level = level;
    meta.origins.insert("level", level_origin);

    // Province: manifest, path, issuer, title, document number; central documents take
    // a province only from the manifest or path.
    let (prov, prov_origin) = if let Some(p) = m.province {
        (Some(p), Origin::Manifest)
    } else if let Some(p) = path_prov {
        (Some(p), Origin::Path)
    } else if level == Level::Central {
        (None, Origin::None)
    } else {
        match province::find_in_text(&meta.issuer)
            .or_else(|| province::find_in_text(&title_unquoted))
            .or(num_prov)
        {
            Some(p) => (Some(p), Origin::Text),
            None => (None, Origin::None),
        }
    };
    meta.province = prov;
    meta.origins.insert("province", prov_origin);
    if meta.level == Level::Unknown && prov.is_some() {
        meta.level = Level::Local;
        meta.origins.insert("level", prov_origin);
    }
    meta.region = match (meta.province, meta.level) {
        (Some(p), _) => regions.region_of(p.id).to_string(),
        (None, Level::Central) => region::NATIONAL.to_string(),
        _ => region::UNKNOWN.to_string(),
    };

    // Year: manifest, the date line, the document number.
    let doc_year = patterns()
        .doc_number
        .captures(&meta.doc_number)
        .and_then(|c| c[1].parse().ok());
    let (year, year_origin) = if let Some(y) = m.year {
        (Some(y), Origin::Manifest)
    } else if let Some(y) = year_of_date(&meta.date) {
        (
            Some(y),
            meta.origins.get("date").copied().unwrap_or(Origin::Text),
        )
    } else if let Some(y) = doc_year {
        (
            Some(y),
            meta.origins
                .get("doc_number")
                .copied()
                .unwrap_or(Origin::Text),
        )
    } else if let Some(y) = (meta.title.to_lowercase().starts_with("directive"))
        .then(|| year_of_date(&meta.title))
        .flatten()
    {
        (Some(y), Origin::Text)
    } else {
        (None, Origin::None)
    };
    meta.year = year;
    meta.origins.insert("year", year_origin);
    meta
}

/// Uses metadata a format carries itself (HTML `<meta>` title and publish date) for the
/// fields the manifest and the text header left empty.
pub fn apply_hints(meta: &mut DocMeta, hints: &BTreeMap<String, String>) {
    if let Some(t) = hints.get("title") {
        if meta.origins.get("title") != Some(&Origin::Manifest) {
            meta.title = t.clone();
            meta.origins.insert("title", Origin::Text);
        }
    }
    if let Some(d) = hints.get("date") {
        if meta.date.is_empty() {
            meta.date = d.clone();
            meta.origins.insert("date", Origin::Text);
        }
        if meta.year.is_none() {
            if let Some(y) = year_of_date(d) {
                meta.year = Some(y);
                meta.origins.insert("year", Origin::Text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infer_text(text: &str, path: &str) -> DocMeta {
        infer(text, path, None, &RegionScheme::three_belt())
    }

    #[test]
    fn central_notice_from_its_header() {
        let text = "国务院办公厅关于支持农民工等人员返乡创业的意见\n国办发〔2015〕47号\n各省、自治区、直辖市人民政府：\n正文。\n国务院办公厅\n2015年6月17日\n";
        let m = infer_text(text, "a.txt");
        assert_eq!(m.level, Level::Central);
        assert_eq!(m.province, None);
        assert_eq!(m.region, "national");
        assert_eq!(m.year, Some(2015));
        assert_eq!(m.doc_number, "国办发〔2015〕47号");
        assert_eq!(m.issuer, "国务院办公厅");
        assert!(m.title.starts_with("国务院办公厅关于"));
    }

    #[test]
    fn local_notice_quoting_a_central_one_stays_local() {
        let text = "包头市人民政府办公室关于贯彻落实《国务院办公厅关于支持返乡创业的意见》的实施意见\n包府办发〔2016〕12号\n正文。\n";
        let m = infer_text(text, "x.txt");
        assert_eq!(
            (m.level, m.province.map(|p| p.id), m.region.as_str()),
            (Level::Local, Some("neimenggu"), "west")
        );
        assert_eq!(m.year, Some(2016));
    }

    #[test]
    fn path_gives_level_and_province() {
        let m = infer_text("正文。", "local/sichuan/doc.txt");
        assert_eq!(
            (m.level, m.province.map(|p| p.id)),
            (Level::Local, Some("sichuan"))
        );
        let m = infer_text("正文。", "local_anhui_2022_rcep.txt");
        assert_eq!(m.province.map(|p| p.id), Some("anhui"));
        assert_eq!(m.origins_string(), "level=path;province=path");
    }

    #[test]
    fn nothing_known_stays_unknown() {
        let m = infer_text("支持返乡创业。", "doc.txt");
        assert_eq!(
            (m.level, m.province, m.year, m.region.as_str()),
            (Level::Unknown, None, None, "unknown")
        );
    }

    #[test]
    fn issuers_from_document_numbers() {
        assert_eq!(
            issuer_from_doc_number("国办发〔2015〕47号").as_deref(),
            Some("国务院办公厅")
        );
        assert_eq!(
            issuer_from_doc_number("国发[2016]1号").as_deref(),
            Some("国务院")
        );
        assert_eq!(
            issuer_from_doc_number("川府发〔2016〕18号").as_deref(),
            Some("四川省人民政府")
        );
        assert_eq!(
            issuer_from_doc_number("京政办发（2019）3号").as_deref(),
            Some("北京市人民政府办公厅")
        );
        assert_eq!(
            issuer_from_doc_number("豫政〔2016〕12号").as_deref(),
            Some("河南省人民政府")
        );
        assert_eq!(
            issuer_from_doc_number("人社部发〔2019〕129号").as_deref(),
            Some("人力资源社会保障部")
        );
        assert_eq!(issuer_from_doc_number("包府办发〔2022〕43号"), None);
        let m = infer_text(
            "关于进一步做好返乡创业工作的通知\n川府发〔2016〕18号\n正文。\n",
            "x.txt",
        );
        assert_eq!(
            (m.issuer.as_str(), m.province.map(|p| p.id), m.level),
            ("四川省人民政府", Some("sichuan"), Level::Local)
        );
    }

    #[test]
    fn chinese_numeral_dates() {
        assert_eq!(year_of_date("二〇一五年六月十七日"), Some(2015));
        assert_eq!(year_of_date("17 June 2015"), Some(2015));
        assert_eq!(year_of_date("2015-06-17"), Some(2015));
    }

    #[test]
    fn manifest_errors_name_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("metadata.csv");
        std::fs::write(
            &p,
            "file,level,province,year\na.txt,local,四川,2015\nb.txt,regional,,\n",
        )
        .unwrap();
        let e = Manifest::load(&p).unwrap_err().to_string();
        assert!(
            e.contains("metadata.csv:3: level: unknown level `regional`"),
            "{e}"
        );
        std::fs::write(
            &p,
            "file,level,province,year\na.txt,local,四川,2015\nb.txt,local,Atlantis,\n",
        )
        .unwrap();
        assert!(Manifest::load(&p)
            .unwrap_err()
            .to_string()
            .contains(":3: province"));
        std::fs::write(&p, "file,year\na.txt,20x5\n").unwrap();
        assert!(Manifest::load(&p)
            .unwrap_err()
            .to_string()
            .contains(":2: year"));
        std::fs::write(&p, "file,level\na.txt,local,extra\n").unwrap();
        assert!(Manifest::load(&p)
            .unwrap_err()
            .to_string()
            .contains("metadata.csv:2"));
    }

    #[test]
    fn manifest_wins_over_inference() {
        let row = ManifestRow {
            level: Some(Level::Local),
            province: province::lookup("Sichuan"),
            year: Some(2020),
            ..Default::default()
        };
        let m = infer(
            "国务院办公厅关于X的通知\n国办发〔2015〕47号\n",
            "central/a.txt",
            Some(&row),
            &RegionScheme::three_belt(),
        );
        assert_eq!(
            (m.level, m.province.map(|p| p.id), m.year),
            (Level::Local, Some("sichuan"), Some(2020))
        );
        assert!(m.origins_string().contains("level=manifest"));
    }
}
