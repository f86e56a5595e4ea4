//! Document metadata: from a `metadata.csv` manifest when it has the field, else
//! inferred from the path and the text's header (title, document number, issuer, date).

use crate::geo::county;
use crate::geo::level::Level;
use crate::geo::province::{self, Province};
use crate::geo::region::{self, RegionScheme};
use crate::prepare::lines::{is_addressee, is_date_line};
use crate::read::manifest::ManifestRow;
use crate::util::dates::zh_digit;
use aho_corasick::AhoCorasick;
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::OnceLock;

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

/// One piece of evidence for a metadata field: the value it points to and where it was
/// read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clue {
    /// The value: `central` or `local` for the level, a province id, a year.
    pub value: String,
    /// Where it was read: `manifest`, `path`, `issuer`, `addressee`, `title`,
    /// `doc_number`, `self_reference` (我省, 经省政府同意), `date`, `bracket_year` (a
    /// `（2020年）` line under the title), `title_date`, `format` (HTML publish date),
    /// `cited_number` (a lower bound: the latest year among the numbers the text cites).
    pub source: &'static str,
    /// A tentative clue is listed among the candidates but decides nothing: one of the
    /// several places a document number may stand for, or a lower bound on the year.
    pub tentative: bool,
}

impl Clue {
    fn new(value: impl Into<String>, source: &'static str) -> Clue {
        Clue {
            value: value.into(),
            source,
            tentative: false,
        }
    }

    fn tentative(value: impl Into<String>, source: &'static str) -> Clue {
        Clue {
            tentative: true,
            ..Clue::new(value, source)
        }
    }
}

/// How far the evidence for a field agrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    /// Sources disagree: the value (if any) is the most reliable source's, and
    /// `documents.csv` lists the competing candidates.
    Low,
    /// One source, not contradicted.
    Medium,
    /// The manifest or path gave it, or two or more sources agree and none disagrees.
    High,
}

impl Confidence {
    /// `low`, `medium` or `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// The fields whose evidence is weighed: level, province, year.
pub const WEIGHED_FIELDS: [&str; 3] = ["level", "province", "year"];

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
    /// The source address of a database export (PKULaw's `原文链接：` line).
    pub source_url: String,
    /// The PKULaw citation code (`【法宝引证码】 CLI.12.4638041` → `CLI.12.4638041`).
    pub pkulaw_id: String,
    /// Origin of each field, by name.
    pub origins: BTreeMap<&'static str, Origin>,
    /// Evidence for level, province and year, most reliable source first.
    pub clues: BTreeMap<&'static str, Vec<Clue>>,
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

    /// The value a weighed field was given, as its clues write it (empty when unknown).
    fn chosen(&self, field: &str) -> String {
        match field {
            "level" if self.level != Level::Unknown => self.level.as_str().to_string(),
            "province" => self.province.map(|p| p.id.to_string()).unwrap_or_default(),
            "year" => self.year.map(|y| y.to_string()).unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// How far the evidence for `field` (level, province, year) agrees; `None` without
    /// evidence.
    pub fn confidence(&self, field: &str) -> Option<Confidence> {
        let clues = self.clues.get(field).filter(|c| !c.is_empty())?;
        let chosen = self.chosen(field);
        if chosen.is_empty() || clues.iter().any(|c| c.value != chosen) {
            return Some(Confidence::Low);
        }
        let mut sources: Vec<&str> = clues.iter().map(|c| c.source).collect();
        sources.dedup();
        Some(
            if sources.len() >= 2 || matches!(sources[0], "manifest" | "path") {
                Confidence::High
            } else {
                Confidence::Medium
            },
        )
    }

    /// `level=high;province=medium;year=low` for `documents.csv` (fields without evidence
    /// are left out).
    pub fn confidence_string(&self) -> String {
        WEIGHED_FIELDS
            .iter()
            .filter_map(|f| self.confidence(f).map(|c| format!("{f}={}", c.as_str())))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// The competing candidates of the fields whose evidence disagrees, each value with
    /// its sources: `year=2017(date)|2015(doc_number)`; fields joined with `;`. Empty
    /// when all evidence agrees.
    pub fn candidates_string(&self) -> String {
        let mut out = Vec::new();
        for f in WEIGHED_FIELDS {
            if self.confidence(f) != Some(Confidence::Low) {
                continue;
            }
            let mut values: Vec<(String, Vec<&str>)> = Vec::new();
            for c in &self.clues[f] {
                let v = if c.source == "cited_number" {
                    format!(">={}", c.value)
                } else {
                    c.value.clone()
                };
                match values.iter_mut().find(|(x, _)| *x == v) {
                    Some((_, s)) if !s.contains(&c.source) => s.push(c.source),
                    Some(_) => {}
                    None => values.push((v, vec![c.source])),
                }
            }
            let list: Vec<String> = values
                .iter()
                .map(|(v, s)| format!("{v}({})", s.join(",")))
                .collect();
            out.push(format!("{f}={}", list.join("|")));
        }
        out.join(";")
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

struct Patterns {
    doc_number: Regex,
    own_number: Regex,
    order_number: Regex,
    bracket_year: Regex,
    bracket_order: Regex,
    year_zh: Regex,
    year_en: Regex,
    title_date: Regex,
    effective_date: Regex,
    title_words: Regex,
    central: AhoCorasick,
    central_en: AhoCorasick,
    quoted: Regex,
    org_prefix: Regex,
    organ_end: Regex,
    central_addressee: Regex,
    local_addressee: Regex,
    self_reference: Regex,
    en_issuer: Regex,
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
            // A line that is only a document number, possibly in brackets.
            own_number: r(r"^[(（]?\s*([\p{Han}]{1,12}\s*[〔\[(（【]\s*((?:19|20)\d{2})\s*[〕\])）】]\s*(?:第\s*)?\d+\s*号)\s*[)）]?$"),
            order_number: r(r"^[(（]?\s*([\p{Han}]{2,20}令\s*[(（]?\s*第\s*\d+\s*号\s*[)）]?)\s*[)）]?$"),
            bracket_year: r(r"^[(（\[【]\s*((?:19|20)\d{2})\s*年?\s*[)）\]】]$"),
            bracket_order: r(r"^[(（\[【]\s*(第\s*\d+\s*号)\s*[)）\]】]$"),
            year_zh: r(r"(\d{4}|[〇零○一二三四五六七八九]{4})\s*年"),
            year_en: r(r"\b((?:19|20)\d{2})\b"),
            title_date: r(r"((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月"),
            effective_date: r(r"自\s*((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日起(?:施行|实施|执行)"),
            // Titles with 关于, titles that issue or pass on another document (印发…的通知,
            // without 关于), and titles that end in the name of a kind of document.
            title_words: r(r"关于.{1,120}的?(?:通知|意见|办法|决定|规定|方案|细则|条例|公告|通告|批复|函|计划|规划|纲要|措施)|(?:印发|转发|批转|公布|发布).{1,120}的?(?:通知|公告|通告|决定)\s*$|(?:办法|条例|规定|细则|方案|意见|措施|通知|公告|通告|决定|批复|规划|计划|纲要|指引|规则|要点|指南|实施意见)\s*(?:[(（][^()（）]{1,20}[)）])?\s*$"),
            central: AhoCorasick::new(CENTRAL_BODIES).expect("built-in names"),
            central_en: aho_corasick::AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .build(CENTRAL_BODIES_EN)
                .expect("built-in names"),
            quoted: r(r"《[^》]*》"),
            org_prefix: r(r"^(.{2,60}?(?:人民政府办公厅|人民政府办公室|人民政府|办公厅|办公室|委员会|局|厅|部|署|院|中心|小组))\s*(?:关于|印发|转发|批转)"),
            organ_end: r(r"(?:政府|办公厅|办公室|委员会|委|局|厅|部|署|院|会|中心|小组|办|行|总社|兵团)$"),
            // Addressed to every province, or to provincial departments by kind: the
            // issuer stands above the provinces. (各省辖市 is a province's own cities.)
            central_addressee: r(r"各省(?:、|,|，|\(|（|级|份|区市)|省、自治区|省\(区、市\)|省（区、市）|国务院各部委|国务院各有关部门|国务院有关部门|中国人民银行上海总部|各分行、营业管理部|各银保监局|各证监局|(?i:all provinces|the state council)"),
            local_addressee: r(r"各(?:市|县|区|旗|州|盟|地|乡|镇|街道|省辖市)|(?:省|市|县|区|州|旗)(?:人民)?政府各|(?:省|市|县|州|区)直|州级|市级各|县级各"),
            // A document speaking of its own province, city or county, or approved by
            // the government above it.
            self_reference: r(r"我省|本省(?:[^份]|$)|我市|我县|我州|我区|我旗|我盟|经(?:省|市|县|州|区|旗)(?:人民)?政府同意"),
            en_issuer: r(r"^(?:The )?(?:People's Government of|People’s Government of|General Office of|Office of the People's Government of|Department of)\s.{3,100}$"),
        }
    })
}

const DOC_PREFIXES: &str = include_str!("../../data/doc_prefixes.tsv");

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
    /// Where the issuer was read: `signature`, `order` (X人民政府令), `title`, `english`.
    issuer_from: &'static str,
    date: String,
    /// The first addressee line of the header.
    addressee: String,
    /// A `（2020年）` line of its own in the header (PKULaw).
    bracket_year: Option<i32>,
    source_url: String,
    pkulaw_id: String,
}

/// True for a line a database export adds before the document (【法宝引证码】, 原文链接：,
/// an address, 【发布部门】 …).
fn is_database_line(l: &str) -> bool {
    l.starts_with('【')
        || l.starts_with("原文链接")
        || l.starts_with("http")
        || l.starts_with("来源:")
        || l.starts_with("来源：")
}

/// A signature: short, unpunctuated, ending in the name of a body.
fn is_organ(l: &str) -> bool {
    let l = l.trim();
    let n = l.chars().count();
    (2..=40).contains(&n)
        && !l.contains(['。', ';', ',', '，', ':', '：', '；', ' ', '　'])
        && patterns().organ_end.is_match(l)
}

fn read_header(text: &str) -> Header {
    let p = patterns();
    // The text split at line feeds (a SIMD search: `str::lines` looked for each with a
    // slower scan), trimmed, without empty lines: what `text.lines()` gives trimmed.
    // A line scraped flat (title, number, addressee and items on one line) is read as the
    // lines it runs together, as segmentation parts it.
    let mut from = 0;
    let mut lines: Vec<&str> = Vec::new();
    for end in memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len())) {
        let l = text[from..end].trim();
        from = end + 1;
        let mut at = 0;
        for (e, next) in crate::prepare::lines::flat_breaks(l) {
            lines.push(l[at..e].trim());
            at = next;
        }
        lines.push(l[at..].trim());
    }
    lines.retain(|l| !l.is_empty());
    let mut h = Header::default();
    let mut order_issuer = String::new();
    let mut title_lines: Vec<&str> = Vec::new();
    let mut prev: Option<&str> = None;
    // The header: up to the first line of running text (at most 20 lines).
    for &l in lines.iter().take(20) {
        if is_database_line(l) {
            if let Some(rest) = l.strip_prefix("【法宝引证码】") {
                h.pkulaw_id = rest.trim().to_string();
            } else if let Some(rest) = l.strip_prefix("原文链接") {
                h.source_url = rest.trim_start_matches([':', '：']).trim().to_string();
            } else if l.starts_with("http") && h.source_url.is_empty() {
                h.source_url = l.to_string();
            }
            continue;
        }
        // Both bracket patterns span the whole line from an opening to a closing bracket.
        let bracketed =
            l.starts_with(['(', '（', '[', '【']) && l.ends_with([')', '）', ']', '】']);
        if let Some(c) = bracketed.then(|| p.bracket_year.captures(l)).flatten() {
            h.bracket_year = h.bracket_year.or_else(|| c[1].parse().ok());
            prev = Some(l);
            continue;
        }
        if let Some(c) = bracketed.then(|| p.bracket_order.captures(l)).flatten() {
            // 上海市人民政府令 / （第19号） on two lines: one order number.
            if let Some(pl) = prev.filter(|pl| pl.ends_with('令')) {
                if h.doc_number.is_empty() {
                    h.doc_number = format!("{pl}{}", c[1].replace(char::is_whitespace, ""));
                }
                order_issuer = pl.trim_end_matches('令').to_string();
            }
            prev = Some(l);
            continue;
        }
        if l.chars().count() <= 40 && l.contains('号') {
            let own = p
                .own_number
                .captures(l)
                .or_else(|| p.order_number.captures(l));
            if let Some(c) = own {
                if h.doc_number.is_empty() {
                    h.doc_number = c[1].to_string();
                }
                if let Some(i) = c[1].find('令') {
                    order_issuer = c[1][..i].to_string();
                }
                prev = Some(l);
                continue;
            }
        }
        // An addressee whose colon the export lost still lists bodies: 各…, or to all provinces.
        let colonless = l.contains(['、', '，', ','])
            && (l.starts_with('各') || p.central_addressee.is_match(l))
            && l.chars().count() <= 300
            && !p.title_words.is_match(l);
        if is_addressee(l) || colonless {
            if h.addressee.is_empty() {
                h.addressee = l.to_string();
            }
            prev = Some(l);
            continue;
        }
        if is_date_line(l) {
            prev = Some(l);
            continue;
        }
        if l.contains('。') || l.chars().count() > 150 {
            break; // running text: the header is over
        }
        if l.ends_with('令') && l.chars().count() <= 30 {
            prev = Some(l);
            continue; // 中山市人民政府令: the order's heading, numbered on the next line
        }
        // The English issuer pattern starts with a capital letter (The, People's, …).
        if h.issuer.is_empty()
            && !l.ends_with('.')
            && l.starts_with(|c: char| c.is_ascii_uppercase())
            && p.en_issuer.is_match(l)
        {
            h.issuer = l.to_string();
            h.issuer_from = "english";
        }
        title_lines.push(l);
        prev = Some(l);
    }
    let titled = |l: &&str| {
        !l.contains('。')
            && (p.title_words.is_match(l.trim_start_matches(['#', ' ']))
                || starts_with_directive(l))
    };
    h.title = title_lines
        .iter()
        .find(|l| titled(l))
        .or_else(|| title_lines.first())
        .map(|l| l.to_string())
        .unwrap_or_default();

    // The first date line. The issuer signs just above it, below at least one line of
    // text; joint issuers sign on consecutive lines.
    if let Some(at) = lines.iter().position(|l| is_date_line(l)) {
        h.date = lines[at].trim_matches(['(', ')', '（', '）']).to_string();
        let prev = at.checked_sub(1).map(|i| lines[i]);
        if at >= 2 && prev.is_some_and(|l| l.chars().count() <= 80 && p.en_issuer.is_match(l)) {
            h.issuer = lines[at - 1].to_string();
            h.issuer_from = "signature";
        } else {
            let mut first = at;
            while first > 1 && at - first < 4 && is_organ(lines[first - 1]) {
                first -= 1;
            }
            if first < at {
                h.issuer = lines[first..at].join("、");
                h.issuer_from = "signature";
            }
        }
    }
    if h.issuer.is_empty() && !order_issuer.is_empty() {
        h.issuer = order_issuer;
        h.issuer_from = "order";
    }
    if h.issuer.is_empty() {
        let t = h.title.trim_start_matches(['【', '[', '#', ' ']);
        if let Some(c) = org_prefix(t) {
            h.issuer = c[1].to_string();
            h.issuer_from = "title";
        }
    }
    h
}

/// Whether `s` lowercased starts with "directive" (only ASCII letters lowercase to these:
/// the Kelvin sign, the one other character that lowercases to an ASCII letter, is a k).
fn starts_with_directive(s: &str) -> bool {
    s.as_bytes()
        .get(..9)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"directive"))
}

/// Comparable form of a title line: without white space, brackets' width or dash kind
/// (PKULaw repeats the title with full-width brackets and another dash).
fn title_key(l: &str) -> String {
    l.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '—' | '－' | '–' => '-',
            c => c,
        })
        .collect()
}

/// Byte ranges of the lines at the top of a document that are metadata rather than text:
/// a database export's lines (【法宝引证码】…, 原文链接：…, an address) and a title line that
/// repeats the one before it. They are read into `pkulaw_id`, `source_url` and `title`,
/// and are no units of analysis.
pub fn metadata_lines(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut seen = 0;
    let mut last_title: Option<String> = None;
    for raw in text.split_inclusive('\n') {
        let start = pos;
        pos += raw.len();
        let l = raw.trim();
        if l.is_empty() {
            continue;
        }
        seen += 1;
        if seen > 8 {
            break;
        }
        let lead = raw.len() - raw.trim_start().len();
        let range = start + lead..start + lead + l.len();
        if is_database_line(l) {
            out.push(range);
            continue;
        }
        let key = title_key(l);
        if last_title.as_ref() == Some(&key) {
            out.push(range);
            continue;
        }
        // Only the first line after the database lines can be the title that repeats.
        if last_title.is_some() || l.contains('。') {
            break;
        }
        last_title = Some(key);
    }
    out
}

/// `text` with [`metadata_lines`] blanked out (spaces of the same byte length), so that
/// segmentation skips them while every offset stays valid.
pub fn without_metadata_lines(text: &str) -> std::borrow::Cow<'_, str> {
    let ranges = metadata_lines(text);
    if ranges.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut bytes = text.as_bytes().to_vec();
    for r in ranges {
        bytes[r].fill(b' ');
    }
    // Whole lines were replaced by ASCII spaces: still UTF-8.
    std::borrow::Cow::Owned(String::from_utf8(bytes).unwrap_or_else(|_| text.to_string()))
}

/// A place that names an issuer, a title's issuing body or a document number's prefix.
fn place_of(s: &str) -> Option<&'static Province> {
    province::find_in_text(s).or_else(|| county::issuing_county(s).map(|(_, p)| p))
}

/// Level and province of an issuer: a place in its name is local (国家税务总局四川省税务局
/// included), a central body central.
fn issuer_clues(issuer: &str) -> (Option<Level>, Option<&'static Province>) {
    if issuer.is_empty() {
        return (None, None);
    }
    if let Some(p) = place_of(issuer) {
        return (Some(Level::Local), Some(p));
    }
    if is_central_body(issuer) {
        return (Some(Level::Central), None);
    }
    (None, None)
}

/// The issuing body at the start of a title (…人民政府关于…), as the `org_prefix` pattern
/// captures it; a title without 关于, 印发, 转发 or 批转, which the pattern needs, is not
/// searched.
fn org_prefix(t: &str) -> Option<regex::Captures<'_>> {
    ["关于", "印发", "转发", "批转"]
        .iter()
        .any(|w| t.contains(w))
        .then(|| patterns().org_prefix.captures(t))
        .flatten()
}

/// Level and province from a title: the body before 关于/印发 when there is one, else a
/// place at the very start of the title (湖南省…办法), else a central body in the title
/// outside the documents it quotes.
fn title_clues(title: &str) -> (Option<Level>, Option<&'static Province>) {
    let p = patterns();
    let t = title.trim_start_matches(['【', '[', '#', ' ']);
    if let Some(c) = org_prefix(t) {
        let (l, pr) = issuer_clues(&c[1]);
        if l.is_some() {
            return (l, pr);
        }
    }
    let unquoted = p.quoted.replace_all(t, "");
    if let Some(pr) = place_at_start(&unquoted) {
        return (Some(Level::Local), Some(pr));
    }
    if is_central_body(&unquoted) && !unquoted.starts_with("关于") {
        return (Some(Level::Central), None);
    }
    (None, None)
}

/// A province, prefecture or county named within the first characters of a title
/// (中国(上海)自由贸易试验区… allows the 中国( before it).
fn place_at_start(t: &str) -> Option<&'static Province> {
    let head: String = t.chars().take(12).collect();
    let pos = |s: &str| {
        province::find_in_text(s).and_then(|p| {
            let at = [p.zh, p.full]
                .iter()
                .filter_map(|n| s.find(n))
                .chain(
                    province::prefectures()
                        .filter(|(_, q)| q.id == p.id)
                        .filter_map(|(n, _)| s.find(n)),
                )
                .min()?;
            Some((at, p))
        })
    };
    match pos(&head) {
        Some((at, p)) if head[..at].chars().count() <= 3 => Some(p),
        _ => county::issuing_county(t).map(|(_, p)| p),
    }
}

/// What the addressee says of the issuer's level: to every province or to provincial
/// departments by kind → central; to a province's or city's own bodies → local.
fn addressee_level(addressee: &str) -> Option<Level> {
    let p = patterns();
    if addressee.is_empty() {
        None
    } else if p.central_addressee.is_match(addressee) {
        Some(Level::Central)
    } else if p.local_addressee.is_match(addressee) {
        Some(Level::Local)
    } else {
        None
    }
}

/// Abbreviations in document numbers that are not the first character of the place's
/// name (宁政发 is Nanjing's, 余府发 Xinyu's), and provinces whose numbers use another
/// character than their abbreviation (云政发 Yunnan, 内政发 Inner Mongolia).
const NUMBER_ABBREVIATIONS: &[(&str, &str)] = &[
    ("宁", "南京市"),
    ("余", "新余市"),
    ("穗", "广州市"),
    ("榕", "福州市"),
    ("筑", "贵阳市"),
    ("甬", "宁波市"),
    ("锡", "无锡市"),
    ("汴", "开封市"),
    ("并", "太原市"),
    ("潭", "湘潭市"),
    ("云", "云南"),
    ("内", "内蒙古"),
];

/// What a document-number prefix says of level and province.
#[derive(Debug, PartialEq)]
enum NumberPlace {
    /// A central prefix (国办发, 人社部发, data/doc_prefixes.tsv).
    Central,
    /// One province: the prefix's abbreviation stands for it, or for a prefecture or
    /// county of it that the text names.
    Province(&'static Province),
    /// Several places the text names, in different provinces.
    Ambiguous(Vec<&'static Province>),
    /// Nothing known, or a local prefix (…府…) whose place is not known.
    Unknown { local: bool },
}

/// Reads a document number's prefix. The first character abbreviates a province (川府发),
/// a prefecture (包府办发) or a county (方政办): the candidates are the province with that
/// abbreviation and the prefectures and counties whose name starts with it; the ones the
/// text names decide, and without any, the province by abbreviation.
fn number_place(num: &str, text: &str) -> NumberPlace {
    let num = num.trim().trim_start_matches(['(', '（']);
    let prefix: String = num
        .chars()
        .take_while(|c| !matches!(c, '〔' | '[' | '(' | '（' | '【'))
        .collect();
    let prefix = prefix.trim();
    if prefix.is_empty() {
        return NumberPlace::Unknown { local: false };
    }
    // An order: 上海市人民政府令第19号, 国务院令第588号.
    if let Some(i) = prefix.find('令') {
        let issuer = &prefix[..i];
        return match issuer_clues(issuer) {
            (Some(Level::Central), _) => NumberPlace::Central,
            (_, Some(p)) => NumberPlace::Province(p),
            _ => NumberPlace::Unknown { local: false },
        };
    }
    let central_prefix = DOC_PREFIXES
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .any(|(p, _)| prefix.starts_with(p));
    if central_prefix
        || ["国发", "国办", "国函", "中发", "中办"]
            .iter()
            .any(|p| prefix.starts_with(p))
        || prefix.contains("部发")
        || prefix.contains("部函")
    {
        return NumberPlace::Central;
    }
    let first: String = prefix.chars().take(1).collect();
    let local = prefix.contains('府');
    let mut by_abbr: Vec<&'static Province> =
        province::from_abbreviation(&first).into_iter().collect();
    let mut places: Vec<(&str, &'static Province)> = Vec::new();
    for (a, name) in NUMBER_ABBREVIATIONS {
        if *a == first {
            match province::lookup(name) {
                Some(p) if *name == p.zh => by_abbr.push(p),
                Some(p) => places.push((name, p)),
                None => {}
            }
        }
    }
    let (prefectures, counties) = places_starting_with(&first);
    places.extend(prefectures.iter().copied());
    // One pass over the text for all candidates: they can run to hundreds (every county
    // starting with 新), and a scan of the whole text per candidate cost 7 % of a run.
    let mut names: Vec<&str> = places.iter().map(|(n, _)| *n).collect();
    names.extend(counties);
    let in_text = places_named(text, &first, &names);
    places.retain(|(n, _)| in_text.contains(n));
    places.extend(
        counties
            .iter()
            .filter(|n| in_text.contains(n))
            .filter_map(|&n| county::province_of(n).map(|p| (n, p))),
    );
    let mut named: Vec<&'static Province> = places
        .iter()
        .map(|(_, p)| *p)
        .chain(by_abbr.iter().filter(|p| text.contains(p.zh)).copied())
        .collect();
    named.sort_by_key(|p| p.id);
    named.dedup_by_key(|p| p.id);
    match (named.len(), by_abbr.first()) {
        (1, _) => NumberPlace::Province(named[0]),
        (0, Some(p)) if by_abbr.len() == 1 => NumberPlace::Province(p),
        (0, _) => NumberPlace::Unknown { local },
        _ => NumberPlace::Ambiguous(named),
    }
}

/// True when `text` names the place `name` somewhere, not as the start of a longer word
/// (新建区 inside 新建区域, 东乡市 inside 东乡市场).
#[cfg(test)]
fn names_place(text: &str, name: &str) -> bool {
    text.match_indices(name)
        .any(|(i, _)| !longer_word(name, &text[i + name.len()..]))
}

/// True when the place `name`, followed by `rest`, is the start of a longer word.
fn longer_word(name: &str, rest: &str) -> bool {
    matches!(
        (name.chars().last(), rest.chars().next()),
        (Some('区'), Some('域')) | (Some('市'), Some('场')) | (Some('县'), Some('域'))
    )
}

/// The prefectures and the counties (names of three characters or more) whose name starts
/// with `first`, from an index built once (a scan of every county per document cost more
/// than the rest of the metadata).
#[allow(clippy::type_complexity)]
fn places_starting_with(
    first: &str,
) -> (
    &'static [(&'static str, &'static Province)],
    &'static [&'static str],
) {
    type Index = std::collections::HashMap<
        char,
        (Vec<(&'static str, &'static Province)>, Vec<&'static str>),
    >;
    static INDEX: OnceLock<Index> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut index: Index = Default::default();
        for (name, p) in province::prefectures() {
            if let Some(c) = name.chars().next() {
                index.entry(c).or_default().0.push((name, p));
            }
        }
        for c in county::all().iter().filter(|c| c.name.chars().count() >= 3) {
            if let Some(ch) = c.name.chars().next() {
                index.entry(ch).or_default().1.push(c.name);
            }
        }
        index
    });
    match first.chars().next().and_then(|c| index.get(&c)) {
        Some((p, c)) => (p, c),
        None => (&[], &[]),
    }
}

/// The names among `candidates` (all starting with the character `first`) that `text`
/// names, by the rule of [`names_place`]: one pass over the places where `first` occurs.
fn places_named<'n>(text: &str, first: &str, candidates: &[&'n str]) -> Vec<&'n str> {
    let mut found: Vec<&'n str> = Vec::new();
    if first.is_empty() || candidates.is_empty() {
        return found;
    }
    for i in memchr::memmem::find_iter(text.as_bytes(), first.as_bytes()) {
        let rest = &text[i..];
        for &name in candidates {
            if rest.starts_with(name)
                && !longer_word(name, &rest[name.len()..])
                && !found.contains(&name)
            {
                found.push(name);
            }
        }
    }
    found
}

/// Combines manifest, path and text evidence. Nothing is guessed: a field no source
/// determines stays unknown, and the evidence for level, province and year is kept in
/// [`DocMeta::clues`] (most reliable first) so that conflicts show.
pub fn infer(
    text: &str,
    rel_path: &str,
    manifest: Option<&ManifestRow>,
    regions: &RegionScheme,
) -> DocMeta {
    let p = patterns();
    let m = manifest.cloned().unwrap_or_default();
    let header = read_header(text);
    let mut meta = DocMeta {
        source_url: header.source_url.clone(),
        pkulaw_id: header.pkulaw_id.clone(),
        ..DocMeta::default()
    };
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

    // ---- evidence for level and province, most reliable first
    let mut level: Vec<Clue> = Vec::new();
    let mut prov: Vec<Clue> = Vec::new();
    if let Some(l) = m.level.filter(|l| *l != Level::Unknown) {
        level.push(Clue::new(l.as_str(), "manifest"));
    }
    if let Some(pr) = m.province {
        prov.push(Clue::new(pr.id, "manifest"));
    }
    let (path_level, path_prov) = from_path(rel_path);
    if let Some(l) = path_level {
        level.push(Clue::new(l.as_str(), "path"));
    }
    if let Some(pr) = path_prov {
        prov.push(Clue::new(pr.id, "path"));
    }
    let push = |l: Option<Level>,
                pr: Option<&'static Province>,
                source: &'static str,
                level: &mut Vec<Clue>,
                prov: &mut Vec<Clue>| {
        if let Some(l) = l {
            level.push(Clue::new(l.as_str(), source));
        }
        if let Some(pr) = pr {
            prov.push(Clue::new(pr.id, source));
        }
    };
    let (tl, tp) = title_clues(&meta.title);
    let mut place = number_place(&meta.doc_number, text);
    // A central number under a local issuer is a document it passes on or cites
    // (国办发〔2015〕47号 under 汤阴县人民政府…), not its own.
    let issuer_read = !header.issuer.is_empty() || !m.issuer.is_empty();
    let own_level = match issuer_read {
        true => issuer_clues(&meta.issuer).0.or(tl),
        false => tl,
    };
    if place == NumberPlace::Central
        && meta.origins.get("doc_number") == Some(&Origin::Text)
        && own_level == Some(Level::Local)
    {
        meta.doc_number.clear();
        meta.origins.remove("doc_number");
        if !issuer_read {
            meta.issuer.clear();
            meta.origins.remove("issuer");
        }
        place = NumberPlace::Unknown { local: false };
    }
    let (il, ip) = issuer_clues(&meta.issuer);
    push(il, ip, "issuer", &mut level, &mut prov);
    push(
        addressee_level(&header.addressee),
        None,
        "addressee",
        &mut level,
        &mut prov,
    );
    // A title whose issuer was read from it is no second witness.
    if !(header.issuer_from == "title" && meta.origins.get("issuer") == Some(&Origin::Text)) {
        push(tl, tp, "title", &mut level, &mut prov);
    }
    match place {
        NumberPlace::Central => level.push(Clue::new("central", "doc_number")),
        NumberPlace::Province(pr) => push(
            Some(Level::Local),
            Some(pr),
            "doc_number",
            &mut level,
            &mut prov,
        ),
        NumberPlace::Ambiguous(list) => {
            level.push(Clue::new("local", "doc_number"));
            prov.extend(list.iter().map(|pr| Clue::tentative(pr.id, "doc_number")));
        }
        NumberPlace::Unknown { local: true } => level.push(Clue::new("local", "doc_number")),
        NumberPlace::Unknown { local: false } => {}
    }
    if p.self_reference.is_match(text) {
        level.push(Clue::new("local", "self_reference"));
    }

    // Level: the first clue. Province: the first clue, unless the document is central
    // (then only the manifest or path give one).
    let origin_of = |source: &str| match source {
        "manifest" => Origin::Manifest,
        "path" => Origin::Path,
        _ => Origin::Text,
    };
    let first = |clues: &[Clue]| clues.iter().find(|c| !c.tentative).cloned();
    let (lv, level_origin) = match first(&level) {
        Some(c) => (
            Level::parse(&c.value).ok().flatten().unwrap_or_default(),
            origin_of(c.source),
        ),
        None => (Level::Unknown, Origin::None),
    };
    meta.level = lv;
    meta.origins.insert("level", level_origin);
    let chosen_prov =
        first(&prov).filter(|c| lv != Level::Central || matches!(c.source, "manifest" | "path"));
    let (pr, prov_origin) = match chosen_prov {
        Some(c) => (province::lookup_place(&c.value), origin_of(c.source)),
        None => (None, Origin::None),
    };
    meta.province = pr;
    meta.origins.insert("province", prov_origin);
    if meta.level == Level::Unknown && pr.is_some() {
        meta.level = Level::Local;
        meta.origins.insert("level", prov_origin);
    }
    meta.region = match (meta.province, meta.level) {
        (Some(p), _) => regions.region_of(p.id).to_string(),
        (None, Level::Central) => region::NATIONAL.to_string(),
        _ => region::UNKNOWN.to_string(),
    };

    // ---- year: manifest, the date line, a bracketed year line, the document's own
    // number, a date in the title, a directive's title. Never a cited document's number:
    // the latest year among the numbers the text cites is a lower bound.
    let mut year: Vec<Clue> = Vec::new();
    if let Some(y) = m.year {
        year.push(Clue::new(y.to_string(), "manifest"));
    }
    let date_source = match meta.origins.get("date") {
        Some(Origin::Manifest) => "manifest",
        _ => "date",
    };
    if let Some(y) = year_of_date(&meta.date) {
        year.push(Clue::new(y.to_string(), date_source));
    }
    if let Some(y) = header.bracket_year {
        year.push(Clue::new(y.to_string(), "bracket_year"));
    }
    let own_year: Option<i32> = p
        .doc_number
        .captures(&meta.doc_number)
        .and_then(|c| c[1].parse().ok());
    if let Some(y) = own_year {
        let source = match meta.origins.get("doc_number") {
            Some(Origin::Manifest) => "manifest",
            _ => "doc_number",
        };
        year.push(Clue::new(y.to_string(), source));
    }
    // The date pattern needs a 年 (and a 月).
    let title_year = meta
        .title
        .contains('年')
        .then(|| {
            p.title_date
                .captures_iter(&p.quoted.replace_all(&meta.title, ""))
                .filter_map(|c| c[1].parse::<i32>().ok())
                .max()
        })
        .flatten();
    if let Some(y) = title_year {
        year.push(Clue::new(y.to_string(), "title_date"));
    }
    if starts_with_directive(&meta.title) {
        if let Some(y) = year_of_date(&meta.title) {
            year.push(Clue::new(y.to_string(), "title"));
        }
    }
    // Numbers the text cites (its own excepted, wherever it stands).
    let own = meta.doc_number.replace(char::is_whitespace, "");
    // Matches are found first and captured after: capturing while scanning a whole text
    // cost as much as the rest of the metadata.
    let cited = doc_numbers_in(&p.doc_number, text)
        .into_iter()
        .filter_map(|m| p.doc_number.captures(m))
        .filter(|c| c[0].replace(char::is_whitespace, "") != own)
        .filter_map(|c| c[1].parse::<i32>().ok())
        .max();
    if year.iter().all(|c| c.tentative) {
        // An effective date (自2021年7月1日起施行) says little of the year of issue: listed
        // as a candidate, it decides nothing.
        if let Some(c) = p.effective_date.captures(text) {
            year.push(Clue::tentative(c[1].to_string(), "effective_date"));
        }
    }
    let bound = cited.filter(|b| {
        year.iter()
            .any(|c| c.value.parse::<i32>().is_ok_and(|y| y < *b) && c.source != "manifest")
    });
    let chosen_year = year
        .iter()
        .filter(|c| !c.tentative)
        .find(|c| {
            c.source == "manifest"
                || bound.is_none_or(|b| c.value.parse::<i32>().is_ok_and(|y| y >= b))
        })
        .cloned();
    if let Some(b) = bound {
        year.push(Clue::tentative(b.to_string(), "cited_number"));
    }
    meta.year = chosen_year.as_ref().and_then(|c| c.value.parse().ok());
    meta.origins.insert(
        "year",
        chosen_year
            .map(|c| origin_of(c.source))
            .unwrap_or(Origin::None),
    );
    meta.clues.insert("level", level);
    meta.clues.insert("province", prov);
    meta.clues.insert("year", year);
    meta
}

/// The matches of `re` (the `doc_number` pattern: up to twelve Han characters, white
/// space, an opening bracket `〔[(（【`, …, `号`) in `text`, as `re.find_iter(text)` gives
/// them, without running the pattern over the whole text: each is looked for only in the
/// stretch around an opening bracket, from twelve characters before the white space in
/// front of it to the first `号` after it. A match holds exactly one opening bracket and
/// ends at the first `号` after it, so the leftmost match at or after a position is the
/// one found in the stretch of the first bracket whose stretch holds a match.
fn doc_numbers_in<'t>(re: &Regex, text: &'t str) -> Vec<&'t str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    // Where the next match may start (after the previous one).
    let mut at = 0;
    // The first 号 at or after a position, found once per stretch of text.
    let mut next_hao: Option<usize> = None;
    let mut b = 0;
    // The next 0xEF byte at or after `b` (rare in normalised text: searched apart).
    let mut next_ef = memchr::memchr(0xEF, bytes).unwrap_or(bytes.len());
    while b < bytes.len() {
        // The next `[` or `(`, or lead byte of 〔 【 (U+3014, U+3010) or （ (U+FF08): a
        // character starts there.
        if next_ef < b {
            next_ef = memchr::memchr(0xEF, &bytes[b..]).map_or(bytes.len(), |i| b + i);
        }
        b = memchr::memchr3(b'[', b'(', 0xE3, &bytes[b..next_ef]).map_or(next_ef, |i| b + i);
        if b >= bytes.len() {
            break;
        }
        let Some(c) = text[b..].chars().next() else {
            break;
        };
        let len = c.len_utf8();
        if !matches!(c, '〔' | '[' | '(' | '（' | '【') || b < at {
            b += len;
            continue;
        }
        // A match with this bracket has a year after it (white space first): without one,
        // a match in its stretch would be one with a later bracket, found at that bracket.
        let after = text[b + len..].trim_start();
        if !(after.starts_with("19") || after.starts_with("20")) {
            b += len;
            continue;
        }
        let hao = match next_hao {
            Some(h) if h > b => h,
            _ => match memchr::memmem::find(&bytes[b..], "号".as_bytes()) {
                Some(h) => {
                    next_hao = Some(b + h);
                    b + h
                }
                // No 号 after this bracket: no match after it either.
                None => break,
            },
        };
        let end = hao + '号'.len_utf8();
        // Back over the white space before the bracket, then twelve characters.
        let mut start = b;
        let mut before = text[at..b].char_indices().rev().peekable();
        while let Some(&(i, c)) = before.peek() {
            if !c.is_whitespace() {
                break;
            }
            start = at + i;
            before.next();
        }
        for (i, _) in before.take(12) {
            start = at + i;
        }
        match re.find(&text[start..end]) {
            Some(m) => {
                out.push(&text[start + m.start()..start + m.end()]);
                at = start + m.end();
                b = at.max(b + len);
            }
            None => b += len,
        }
    }
    out
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
        if let Some(y) = year_of_date(d) {
            let clues = meta.clues.entry("year").or_default();
            clues.push(Clue::new(y.to_string(), "format"));
            if meta.year.is_none() {
                meta.year = Some(y);
                meta.origins.insert("year", Origin::Text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_numbers_are_found_as_a_whole_text_search_finds_them() {
        let re = &patterns().doc_number;
        let texts = [
            "根据国办发〔2015〕47号和川府发〔2016〕18号文件，国办发〔2015〕47号。",
            "按照《关于推进工作的通知》（国发〔2019〕 3号）和国务院办公厅关于印发十三五规划的通知国办发[2017]第 12 号执行",
            "〔2015〕47号 号号 ((( 国发( 2020 )1号国发【2021】2号国发（1999）3号",
            "很长很长很长很长很长很长很长很长很长很长的机关名称  \u{3000}〔2018〕5号；字〔2018〕 〔2019〕6号",
            "没有编号的文本。（一）加强领导。[注]（2020年）号",
            "甲〔2015〕乙〔2016〕1号 丙 〔20１7〕２号 丁〔2018〕3号〔2019〕4",
            "（一）国发（2015）47号（二）(三)川府发 ( 2016 ) 18 号【附件】国发【\u{3000}2017】第9号",
            "国发（〔2019〕1号 国发〔（2019〕1号 国发〔〔2019〕1号 [x] [19] (20) 号 国发[2020]号",
            "国发〔1899〕1号 国发〔2199〕1号 国发〔19〕1号 国发〔2015〕一号 国发〔2015〕1 号",
            "",
        ];
        for t in texts {
            let want: Vec<&str> = re.find_iter(t).map(|m| m.as_str()).collect();
            assert_eq!(doc_numbers_in(re, t), want, "{t}");
        }
    }

    #[test]
    fn directive_titles_are_found_as_lowercasing_finds_them() {
        for t in [
            "Directive 2009/28/EC",
            "DIRECTIVE (EU) 2018/2001",
            "directivE",
            "directiv",
            "DİRECTIVE",
            "\u{212A}directive",
            "关于Directive",
            "",
            "Directives",
        ] {
            assert_eq!(
                starts_with_directive(t),
                t.to_lowercase().starts_with("directive"),
                "{t}"
            );
        }
    }

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
    fn a_header_scraped_onto_one_line_is_read_as_its_lines() {
        let text = "河南省人民政府办公厅关于支持农民工返乡创业的意见 豫政办〔2016〕1号 各省辖市人民政府，省人民政府各部门： 一、加大财政支持。对返乡创业人员给予补贴。二、强化金融服务。\n";
        let m = infer_text(text, "a.txt");
        assert_eq!(m.title, "河南省人民政府办公厅关于支持农民工返乡创业的意见");
        assert_eq!(m.doc_number, "豫政办〔2016〕1号");
        assert_eq!(m.issuer, "河南省人民政府办公厅");
        assert_eq!((m.level, m.year), (Level::Local, Some(2016)));
        assert_eq!(m.province.map(|p| p.id), Some("henan"));
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

    /// The value and sources of every clue for `field`, for assertions.
    fn clues(m: &DocMeta, field: &str) -> Vec<(String, &'static str)> {
        m.clues[field]
            .iter()
            .map(|c| (c.value.clone(), c.source))
            .collect()
    }

    #[test]
    fn an_addressee_first_line_is_no_title_and_no_province() {
        // A list of provincial departments by kind, naming the Xinjiang corps.
        let text = "各省、自治区、直辖市及新疆生产建设兵团发展改革委、财政厅（局）、人力资源社会保障厅（局）：\n　　为做好返乡创业工作，现就有关事项通知如下。\n一、加大支持力度。\n";
        let m = infer_text(text, "a.txt");
        assert_eq!(m.title, "");
        assert_eq!((m.level, m.province), (Level::Central, None));
        assert_eq!(m.province_id(), "national");
        assert_eq!(clues(&m, "level"), [("central".to_string(), "addressee")]);
        // The central bank's head office in Shanghai and its branches.
        let text = "中国人民银行上海总部，各分行、营业管理部，各省会（首府）城市中心支行，各副省级城市中心支行：\n　　现将有关事项通知如下。\n";
        let m = infer_text(text, "b.txt");
        assert_eq!(
            (m.level, m.province, m.title.as_str()),
            (Level::Central, None, "")
        );
        // The same without its colon, as some exports have it.
        let m = infer_text(&text.replacen('：', "", 1), "b.txt");
        assert_eq!(
            (m.level, m.province, m.title.as_str()),
            (Level::Central, None, "")
        );
        // All provinces, then the State Council's ministries.
        let text = "关于进一步做好返乡创业工作的意见\n各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n　　现提出以下意见。\n";
        let m = infer_text(text, "c.txt");
        assert_eq!(m.title, "关于进一步做好返乡创业工作的意见");
        assert_eq!(m.level, Level::Central);
    }

    #[test]
    fn local_addressees_and_self_references_say_local() {
        let text = "关于做好返乡创业工作的通知\n各市人民政府，省政府各部门：\n　　现就有关事项通知如下。\n";
        let m = infer_text(text, "a.txt");
        assert_eq!((m.level, m.province), (Level::Local, None));
        assert_eq!(m.province_id(), "unknown");
        let text =
            "关于做好返乡创业工作的通知\n　　经省政府同意，结合我省实际，现就有关事项通知如下。\n";
        let m = infer_text(text, "b.txt");
        assert_eq!(m.level, Level::Local);
        assert_eq!(
            clues(&m, "level"),
            [("local".to_string(), "self_reference")]
        );
        for own in ["我市", "我县", "本省"] {
            let m = infer_text(
                &format!("关于X的通知\n　　{own}将加大支持力度。\n"),
                "c.txt",
            );
            assert_eq!(m.level, Level::Local, "{own}");
        }
        // 资本市场 holds 本市 but speaks of no city.
        let m = infer_text("关于X的通知\n　　支持企业进入资本市场。\n", "d.txt");
        assert_eq!(m.level, Level::Unknown);
    }

    #[test]
    fn county_issuers_and_their_number_prefixes() {
        let text = "方城县人民政府办公室关于印发方城县返乡创业扶持办法的通知\n方政办〔2017〕47号\n各乡镇人民政府，县政府各部门：\n　　现将办法印发给你们，请认真贯彻执行。\n方城县人民政府办公室\n2017年6月5日\n";
        let m = infer_text(text, "a.txt");
        assert_eq!(
            (m.level, m.province.map(|p| p.id), m.year),
            (Level::Local, Some("henan"), Some(2017))
        );
        assert_eq!(m.issuer, "方城县人民政府办公室");
        assert_eq!(m.confidence("province"), Some(Confidence::High));
        // Only the number and a mention of the county: 方 is 方城县 here, not 方正县.
        let text = "关于做好返乡创业工作的通知\n方政办〔2018〕3号\n　　为支持方城县返乡人员创业，现就有关事项通知如下。\n";
        let m = infer_text(text, "b.txt");
        assert_eq!(m.province.map(|p| p.id), Some("henan"));
        assert_eq!(clues(&m, "province"), [("henan".to_string(), "doc_number")]);
        // Both 方城县 and 方正县 named: the number decides nothing, both are listed.
        let text =
            "关于做好返乡创业工作的通知\n方政办〔2018〕3号\n　　方城县与方正县结为对口协作县。\n";
        let m = infer_text(text, "c.txt");
        assert_eq!((m.level, m.province), (Level::Local, None));
        assert_eq!(m.confidence("province"), Some(Confidence::Low));
        assert_eq!(
            m.candidates_string(),
            "province=heilongjiang(doc_number)|henan(doc_number)"
        );
        // A county department signing.
        let text = "关于印发汤阴县农村电商发展实施方案的通知\n各乡镇人民政府：\n　　现将方案印发给你们。\n汤阴县发展和改革委员会\n2019年3月8日\n";
        let m = infer_text(text, "d.txt");
        assert_eq!(
            (m.level, m.province.map(|p| p.id), m.year),
            (Level::Local, Some("henan"), Some(2019))
        );
    }

    #[test]
    fn place_mentions_are_whole_names() {
        assert!(names_place("支持新建区发展", "新建区"));
        assert!(!names_place("在新建区域内", "新建区"));
        assert!(names_place("在新建区域内，新建区政府", "新建区"));
    }

    #[test]
    fn pkulaw_headers_are_metadata() {
        let text = "    【法宝引证码】 CLI.12.9990001\n原文链接：https://www.pkulaw.com/lar/0000test.html\n三亚市水务局关于2019年5月1日—2019年5月31日取水许可审批结果的公告\n三亚市水务局关于2019年5月1日－2019年5月31日取水许可审批结果的公告\n（2019年）\n　　现将审批结果予以公告。\n";
        let m = infer_text(text, "a.txt");
        assert_eq!(m.pkulaw_id, "CLI.12.9990001");
        assert_eq!(m.source_url, "https://www.pkulaw.com/lar/0000test.html");
        assert!(
            m.title.starts_with("三亚市水务局关于2019年5月1日"),
            "{}",
            m.title
        );
        assert_eq!(m.issuer, "三亚市水务局");
        assert_eq!(
            (m.level, m.province.map(|p| p.id), m.year),
            (Level::Local, Some("hainan"), Some(2019))
        );
        assert_eq!(
            clues(&m, "year"),
            [
                ("2019".to_string(), "bracket_year"),
                ("2019".to_string(), "title_date")
            ]
        );
        // The database lines and the repeated title are no text to segment.
        let lines: Vec<&str> = metadata_lines(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].starts_with("【法宝引证码】"));
        assert!(lines[2].contains("2019年5月1日－2019年5月31日"));
        let blank = without_metadata_lines(text);
        assert_eq!(blank.len(), text.len());
        assert!(!blank.contains("法宝") && blank.matches("三亚市水务局关于").count() == 1);
    }

    #[test]
    fn an_order_number_on_two_lines() {
        let text = "【法宝引证码】 CLI.11.9990002\n某某条例实施办法\n临沂市人民政府令\n（第19号）\n　　《某某条例实施办法》已经市政府常务会议通过，现予公布。\n市长　张三\n2019年8月12日\n";
        let m = infer_text(text, "a.txt");
        assert_eq!(m.doc_number, "临沂市人民政府令第19号");
        assert_eq!(m.issuer, "临沂市人民政府");
        assert_eq!(m.title, "某某条例实施办法");
        assert_eq!(
            (m.level, m.province.map(|p| p.id), m.year),
            (Level::Local, Some("shandong"), Some(2019))
        );
    }

    #[test]
    fn titles_without_guanyu() {
        let text = "安阳市人民政府办公室印发安阳市促进返乡创业若干措施的通知\n各县（市、区）人民政府：\n　　现印发给你们。\n";
        let m = infer_text(text, "a.txt");
        assert_eq!(
            m.title,
            "安阳市人民政府办公室印发安阳市促进返乡创业若干措施的通知"
        );
        assert_eq!(m.issuer, "安阳市人民政府办公室");
        assert_eq!(m.province.map(|p| p.id), Some("henan"));
        let m = infer_text(
            "湖北省返乡创业扶持办法（试行）\n第一条　为支持返乡创业，制定本办法。\n",
            "b.txt",
        );
        assert_eq!(m.title, "湖北省返乡创业扶持办法（试行）");
        assert_eq!(m.province.map(|p| p.id), Some("hubei"));
    }

    #[test]
    fn years_from_title_dates_never_from_cited_numbers() {
        // A local document that passes on a central one: the number under its title is
        // the central document's, and its year is not the local document's.
        let text = "汤阴县人民政府关于贯彻落实返乡创业意见的实施意见\n国办发〔2015〕47号\n　　为贯彻落实国务院办公厅意见，结合我县实际，提出如下实施意见。\n";
        let m = infer_text(text, "a.txt");
        assert_eq!(m.year, None);
        assert_eq!(m.doc_number, "");
        assert_eq!(
            (m.level, m.province.map(|p| p.id)),
            (Level::Local, Some("henan"))
        );
        // A number in the text is cited: it gives no year either.
        let text = "关于做好返乡创业工作的通知\n　　根据《国务院办公厅关于支持农民工等人员返乡创业的意见》（国办发〔2015〕47号），现就有关事项通知如下。\n";
        assert_eq!(infer_text(text, "b.txt").year, None);
        // Its own number older than a document it cites: not the year; the date is.
        let text = "关于做好返乡创业工作的通知\n豫政〔2015〕3号\n　　根据《关于X的意见》（国办发〔2016〕9号），现通知如下。\n河南省人民政府\n2017年2月3日\n";
        let m = infer_text(text, "c.txt");
        assert_eq!(m.year, Some(2017));
        assert_eq!(m.confidence("year"), Some(Confidence::Low));
        assert_eq!(
            m.candidates_string(),
            "year=2017(date)|2015(doc_number)|>=2016(cited_number)"
        );
        // Without the date the cited number's bound rules out the own number's year.
        let text = "关于做好返乡创业工作的通知\n豫政〔2015〕3号\n　　根据《关于X的意见》（国办发〔2016〕9号），现通知如下。\n";
        assert_eq!(infer_text(text, "d.txt").year, None);
        // A month in the title; a bare year or a plan's range is no date of issue.
        let m = infer_text("关于公布2021年3月份取水许可审批结果的公告\n", "e.txt");
        assert_eq!(m.year, Some(2021));
        let m = infer_text("关于印发返乡创业行动计划（2021—2023年）的通知\n", "f.txt");
        assert_eq!(m.year, None);
    }

    #[test]
    fn conflicting_evidence_is_listed() {
        let text = "方城县人民政府关于做好返乡创业工作的通知\n　　现就有关事项通知如下。\n";
        let m = infer_text(text, "local/sichuan/a.txt");
        assert_eq!(m.province.map(|p| p.id), Some("sichuan"));
        assert_eq!(m.confidence("province"), Some(Confidence::Low));
        assert_eq!(
            m.candidates_string(),
            "province=sichuan(path)|henan(issuer)"
        );
        assert_eq!(m.confidence_string(), "level=high;province=low");
        let text = "关于做好返乡创业工作的通知\n豫政〔2017〕3号\n　　现通知如下。\n河南省人民政府\n2016年12月28日\n";
        let m = infer_text(text, "b.txt");
        assert_eq!(m.year, Some(2016));
        assert_eq!(m.candidates_string(), "year=2016(date)|2017(doc_number)");
        // An effective date is only a candidate.
        let m = infer_text(
            "湖北省返乡创业扶持办法\n第十条　本办法自2021年7月1日起施行。\n",
            "c.txt",
        );
        assert_eq!(m.year, None);
        assert_eq!(m.candidates_string(), "year=2021(effective_date)");
    }

    #[test]
    fn chinese_numeral_dates() {
        assert_eq!(year_of_date("二〇一五年六月十七日"), Some(2015));
        assert_eq!(year_of_date("17 June 2015"), Some(2015));
        assert_eq!(year_of_date("2015-06-17"), Some(2015));
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
