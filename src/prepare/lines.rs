//! Lines of a document's header that the metadata stage reads and segmentation sets
//! apart as boilerplate: addressee lines and date lines.

use regex::Regex;
use std::sync::OnceLock;

/// Compiles the date patterns now rather than on first use.
pub fn prepare() {
    let _ = date_patterns();
    let _ = flat_patterns();
}

/// A document number standing alone (豫政办〔2016〕1号), and an outline marker from 第X部分
/// down to 第X条 (一、, （一）, 第三条) at the start of a text.
fn flat_patterns() -> &'static (Regex, Regex) {
    static P: OnceLock<(Regex, Regex)> = OnceLock::new();
    P.get_or_init(|| {
        let r = |s: &str| Regex::new(s).expect("built-in pattern");
        const NUM: &str = "[一二三四五六七八九十百零〇两]";
        (
            r(r"^[(（]?\S{1,15}[〔\[(（【]\s*(?:19|20)\d{2}\s*[〕\])）】]\s*(?:第\s*)?\d+\s*号[)）]?$"),
            r(&format!(
                r"^(?:第{NUM}+(?:部分|编|章|节|条)|{NUM}{{1,3}}\s*[、.]|[(（]\s*{NUM}{{1,3}}\s*[)）])"
            )),
        )
    })
}

/// A document number standing alone: 豫政办〔2016〕1号, (国办发〔2015〕47号).
pub fn is_doc_number(s: &str) -> bool {
    flat_patterns().0.is_match(s)
}

/// Where a Chinese line scraped flat breaks: title, document number, addressee and the
/// items run together on one line, parted only by spaces (河南省…的意见 豫政办〔2016〕1号
/// 各省辖市人民政府： 一、加大财政支持。…二、…). Each break is (end of the part before,
/// start of the next). A run of spaces breaks before or after a document number, and
/// before an outline marker (第X章 … 第X条, 一、, （一）) that follows a colon, a full
/// stop, 号 or a title's last word (意见, 通知, 办法 …). Once a line has such a break it is
/// known to be flat, and a full stop followed at once by 一、 or （一） breaks it too.
/// Spaces elsewhere, and lines without such a break, stay whole: a paragraph of a
/// well-formed document that lists （一）…；（二）… after a colon is not parted.
pub fn flat_breaks(line: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    // Only Chinese lines with a space (Han characters take lead bytes E3–E9 in UTF-8): an
    // English line's many spaces are never looked at.
    if !line.contains(' ') || !line.bytes().any(|b| (0xE3..=0xE9).contains(&b)) {
        return out;
    }
    let marker = &flat_patterns().1;
    // Both patterns need a 号 and a bracket: most tokens are passed over without a search.
    let is_number = |t: &str| t.contains('号') && is_doc_number(t);
    fn token(s: &str) -> &str {
        s.split(' ').next().unwrap_or("")
    }
    const TITLE_ENDS: [&str; 10] = [
        "意见", "通知", "办法", "方案", "规定", "细则", "决定", "公告", "通告", "条例",
    ];
    let bytes = line.as_bytes();
    let mut i = 0;
    while let Some(off) = memchr::memchr(b' ', &bytes[i..]) {
        let run = i + off;
        let mut next = run;
        while next < bytes.len() && bytes[next] == b' ' {
            next += 1;
        }
        i = next;
        if run == 0 || next >= bytes.len() {
            continue;
        }
        let before = &line[..run];
        let rest = &line[next..];
        let last = before.rsplit(' ').next().unwrap_or("");
        let closes = before.ends_with([':', '：', '。', '号', ';', '；'])
            || TITLE_ENDS.iter().any(|w| before.ends_with(w));
        if is_number(token(rest)) || is_number(last) || (closes && marker.is_match(rest)) {
            out.push((run, next));
        }
    }
    if out.is_empty() {
        return out;
    }
    // Items run on after a full stop: 。二、 or 。（二）.
    for (k, _) in line.match_indices('。') {
        let at = k + '。'.len_utf8();
        let rest = &line[at..];
        if rest.starts_with(|c: char| c == '(' || c == '（' || "一二三四五六七八九十".contains(c))
            && marker.is_match(rest)
            && !rest.starts_with('第')
        {
            out.push((at, at));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(line: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut at = 0;
        for (end, next) in flat_breaks(line) {
            out.push(&line[at..end]);
            at = next;
        }
        out.push(&line[at..]);
        out
    }

    #[test]
    fn a_flat_line_breaks_at_its_header_parts_and_items() {
        let flat = "河南省人民政府办公厅关于支持返乡创业的意见 豫政办〔2016〕1号 各省辖市人民政府，省人民政府各部门: 一、加大财政支持。对返乡人员给予补贴。二、强化金融服务。(一)发放贷款。";
        assert_eq!(
            parts(flat),
            [
                "河南省人民政府办公厅关于支持返乡创业的意见",
                "豫政办〔2016〕1号",
                "各省辖市人民政府，省人民政府各部门:",
                "一、加大财政支持。对返乡人员给予补贴。",
                "二、强化金融服务。",
                "(一)发放贷款。",
            ]
        );
        // a title followed by its first article
        assert_eq!(
            parts("某市返乡创业扶持办法 第一条 为了支持返乡创业，制定本办法。").len(),
            2
        );
    }

    #[test]
    fn well_formed_lines_stay_whole() {
        for line in [
            // an inline list after a colon, no spaces: a paragraph of a well-formed text
            "第五条 申请补贴应当提交下列材料：(一)申请表；(二)营业执照复印件。",
            // spaces, but no header part or marker after a closing word
            "二、加大 财政扶持 省级财政每年安排专项资金。",
            "一、 总体要求",
            "按照 一、二类标准执行。",
            "",
        ] {
            assert!(flat_breaks(line).is_empty(), "{line}");
        }
    }
}
