//! Dates as written in policy documents (`2015-08-20`, `2019年5月10日`,
//! `二〇一五年六月十七日`, `17 March 2016`, `March 17, 2016`) to ISO 8601: `YYYY-MM-DD`, or
//! `YYYY-MM` / `YYYY` when the day or month is not given.

use regex::Regex;
use std::sync::OnceLock;

struct Patterns {
    numeric: Regex,
    zh: Regex,
    day_month: Regex,
    month_day: Regex,
    month_year: Regex,
    year: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let r = |s: &str| Regex::new(s).expect("date pattern");
        let month = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?";
        Patterns {
            numeric: r(r"^(\d{4})\s*[-/.]\s*(\d{1,2})(?:\s*[-/.]\s*(\d{1,2}))?$"),
            zh: r(r"^([0-9〇零○一二三四五六七八九]{4})\s*年(?:\s*([0-9〇零一二三四五六七八九十]{1,3})\s*月(?:\s*([0-9〇零一二三四五六七八九十]{1,3})\s*日)?)?$"),
            day_month: r(&format!(r"(?i)^(\d{{1,2}})(?:st|nd|rd|th)?\s+{month}\s*,?\s+(\d{{4}})$")),
            month_day: r(&format!(r"(?i)^{month}\s+(\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s+(\d{{4}})$")),
            month_year: r(&format!(r"(?i)^{month}\s*,?\s+(\d{{4}})$")),
            year: r(r"^(\d{4})$"),
        }
    })
}

/// A digit written in Chinese (〇 一 … 九, also 零 and ○) or Arabic.
pub(crate) fn zh_digit(c: char) -> Option<u32> {
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

/// A number in Arabic or Chinese digits (`17`, `一七`, `十七`, `二十`, `三十一`, `〇六`).
fn number(s: &str) -> Option<u32> {
    if s.chars().all(|c| c.is_ascii_digit()) {
        return s.parse().ok();
    }
    if let Some((tens, ones)) = s.split_once('十') {
        let t = if tens.is_empty() { 1 } else { number(tens)? };
        let o = if ones.is_empty() { 0 } else { number(ones)? };
        return (t < 10 && o < 10).then_some(t * 10 + o);
    }
    s.chars()
        .try_fold(0u32, |acc, c| zh_digit(c).map(|d| acc * 10 + d))
}

fn month_number(name: &str) -> Option<u32> {
    let m = name.to_lowercase();
    let names = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    names
        .iter()
        .position(|n| m.starts_with(n))
        .map(|i| i as u32 + 1)
}

fn days_in(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn format(year: u32, month: Option<u32>, day: Option<u32>) -> Option<String> {
    if !(1000..=2999).contains(&year) {
        return None;
    }
    match (month, day) {
        (None, _) => Some(format!("{year:04}")),
        (Some(m), _) if !(1..=12).contains(&m) => None,
        (Some(m), None) => Some(format!("{year:04}-{m:02}")),
        (Some(m), Some(d)) if (1..=days_in(year, m)).contains(&d) => {
            Some(format!("{year:04}-{m:02}-{d:02}"))
        }
        _ => None,
    }
}

/// The date in ISO 8601 (`YYYY-MM-DD`, or `YYYY-MM` / `YYYY` when partial); `None` when
/// the text is not a date this reads (it is then kept only as written).
pub fn iso_date(s: &str) -> Option<String> {
    let s = s.trim();
    let p = patterns();
    let num = |m: Option<regex::Match>| m.map(|m| number(m.as_str()));
    if let Some(c) = p.numeric.captures(s).or_else(|| p.zh.captures(s)) {
        let year = number(&c[1])?;
        let month = num(c.get(2)).map_or(Ok(None), |m| m.map(Some).ok_or(()));
        let day = num(c.get(3)).map_or(Ok(None), |d| d.map(Some).ok_or(()));
        return format(year, month.ok()?, day.ok()?);
    }
    if let Some(c) = p.day_month.captures(s) {
        return format(c[3].parse().ok()?, month_number(&c[2]), c[1].parse().ok());
    }
    if let Some(c) = p.month_day.captures(s) {
        return format(c[3].parse().ok()?, month_number(&c[1]), c[2].parse().ok());
    }
    if let Some(c) = p.month_year.captures(s) {
        return format(c[2].parse().ok()?, month_number(&c[1]), None);
    }
    if let Some(c) = p.year.captures(s) {
        return format(c[1].parse().ok()?, None, None);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_written_become_iso() {
        for (written, iso) in [
            ("2015-08-20", "2015-08-20"),
            ("2015/8/2", "2015-08-02"),
            ("2019年5月10日", "2019-05-10"),
            ("2019 年 5 月 10 日", "2019-05-10"),
            ("二〇一五年六月十七日", "2015-06-17"),
            ("二〇二〇年十二月三十一日", "2020-12-31"),
            ("2018年3月", "2018-03"),
            ("2018年", "2018"),
            ("17 March 2016", "2016-03-17"),
            ("1st Sept. 2016", "2016-09-01"),
            ("March 17, 2016", "2016-03-17"),
            ("June 2021", "2021-06"),
            ("2016", "2016"),
            ("2016-07", "2016-07"),
            ("2024-02-29", "2024-02-29"),
        ] {
            assert_eq!(iso_date(written).as_deref(), Some(iso), "{written}");
        }
    }

    #[test]
    fn impossible_or_unknown_dates_are_none() {
        for s in [
            "",
            "2015-13-01",
            "2015-02-30",
            "2023-02-29",
            "2019年5月40日",
            "soon",
            "17 Smarch 2016",
            "第2015号",
        ] {
            assert_eq!(iso_date(s), None, "{s}");
        }
    }
}
