//! Lines of a document's header that the metadata stage reads and segmentation sets
//! apart as boilerplate: addressee lines and date lines.

use regex::Regex;
use std::sync::OnceLock;

/// Compiles the date patterns now rather than on first use.
pub fn prepare() {
    let _ = date_patterns();
}

/// The Chinese and English date-line patterns.
fn date_patterns() -> &'static (Regex, Regex) {
    static P: OnceLock<(Regex, Regex)> = OnceLock::new();
    P.get_or_init(|| {
        let r = |s: &str| Regex::new(s).expect("built-in pattern");
        const MONTH: &str = "(?:january|february|march|april|may|june|july|august|september|october|november|december)";
        (
            r(r"^[(（]?\s*(?:成文日期|发布日期|印发日期)?\s*:?\s*(?:(?:\d{4}|[〇零○一二三四五六七八九]{4})\s*年\s*[\d〇零○一二三四五六七八九十]{1,3}\s*月\s*[\d〇零○一二三四五六七八九十]{1,3}\s*日|\d{4}-\d{1,2}-\d{1,2})\s*[)）]?$"),
            r(&format!(r"(?i)^(?:done at [a-z .\-]+,?\s*)?(?:on\s+)?(?:\d{{1,2}}\s+{MONTH}\s+\d{{4}}|{MONTH}\s+\d{{1,2}},\s*\d{{4}})\.?$")),
        )
    })
}

/// True for an addressee line: 各省、自治区、直辖市人民政府，国务院各部委、各直属机构：, a
/// list of provincial departments by kind, 中国人民银行上海总部，各分行…：, or "To the
/// people's governments of all provinces…:". It ends in a colon and names bodies; a
/// long list of them is still one addressee line (up to 300 characters).
pub fn is_addressee(line: &str) -> bool {
    let line = line.trim();
    if !(line.ends_with(':') || line.ends_with('：')) || line.contains('。') {
        return false;
    }
    let n = line.chars().count();
    if line.starts_with("To the ") || line.starts_with("To all ") {
        let lower = line.to_lowercase();
        return n <= 300
            && !line.contains(". ")
            && [
                "government",
                "provinces",
                "ministries",
                "departments",
                "member states",
            ]
            .iter()
            .any(|k| lower.contains(k));
    }
    let listed = line.contains(['、', '，', ',']);
    (n <= 120 || (listed && n <= 300))
        && [
            "人民政府",
            "各",
            "部门",
            "单位",
            "委员会",
            "厅",
            "局",
            "机构",
            "直属",
            "总部",
            "分行",
            "兵团",
        ]
        .iter()
        .any(|k| line.contains(k))
}

/// `line` without the white space and closing brackets at its end.
pub(crate) fn closing(line: &str) -> &str {
    line.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ')' | '）'))
}

/// True for a line that is only a date (2015年6月17日, 二〇一五年六月十七日, 17 June 2015).
pub fn is_date_line(line: &str) -> bool {
    // A date line is short (the longest, "（成文日期：二〇一五年十二月三十一日）", is 58
    // bytes): long lines are ruled out before the regexes.
    if line.len() > 120 {
        return false;
    }
    // Every form ends in 日, a digit or a full stop before closing brackets: body lines
    // (ending in 。 or ；) skip the regexes.
    if !closing(line).ends_with(|c: char| c == '日' || c == '.' || c.is_ascii_digit()) {
        return false;
    }
    let (zh, en) = date_patterns();
    zh.is_match(line) || en.is_match(line)
}
