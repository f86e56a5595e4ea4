//! Segmentation of a document into units of analysis.
//!
//! The outline is read from numbering: Chinese 第X编/部分, 第X章, 第X节, 一、, （一）, 第X条,
//! 1., （1）, ①; English PART/CHAPTER/SECTION, Article N, 1., (1), (a). Levels are relative:
//! whichever style a document uses first is its top level. A unit's id is
//! `doc-section-item[-clause]`: `section` counts top-level headings (0 = the preamble),
//! `item` counts second-level items within the section (0 = the section's own heading),
//! and `clause` counts the units inside an item when there are several.
//!
//! Addressees, titles, document numbers, signatures, dates, attachment markers and
//! publication notes are kept as units but marked boilerplate, as are headings (their
//! content is coded in the items below them).

pub mod role;

use crate::prepare::lines::{closing, is_addressee, is_date_line};

use crate::util::lang::Lang;
use regex::Regex;
use std::sync::OnceLock;

/// Granularity of units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnitMode {
    /// The smallest numbered item; unnumbered paragraphs split into sentences.
    #[default]
    Auto,
    /// Numbered items and whole paragraphs; nothing split into sentences.
    Article,
    /// Every sentence (clause) is a unit.
    Sentence,
}

impl std::str::FromStr for UnitMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(UnitMode::Auto),
            "article" | "item" | "paragraph" => Ok(UnitMode::Article),
            "sentence" | "clause" => Ok(UnitMode::Sentence),
            _ => Err(format!(
                "unknown unit `{s}` (expected auto, article or sentence)"
            )),
        }
    }
}

/// What a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Policy text: coded and counted.
    Body,
    /// A heading line (一、总体要求).
    Heading,
    /// The document title.
    Title,
    /// A document number line (国办发〔2015〕47号).
    DocNumber,
    /// An addressee line (各省、自治区、直辖市人民政府：).
    Addressee,
    /// An issuer's signature line.
    Signature,
    /// A date line.
    Date,
    /// An attachment marker (附件：…, ANNEX).
    Attachment,
    /// Publication notes, transmittal formulas, distribution lists.
    Note,
    /// Database lines such as 【法宝引证码】 and source links.
    Source,
}

impl Kind {
    /// Lower-case name for output.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Body => "body",
            Kind::Heading => "heading",
            Kind::Title => "title",
            Kind::DocNumber => "doc_number",
            Kind::Addressee => "addressee",
            Kind::Signature => "signature",
            Kind::Date => "date",
            Kind::Attachment => "attachment",
            Kind::Note => "note",
            Kind::Source => "source",
        }
    }

    /// Everything but body text is left out of share denominators.
    pub fn is_boilerplate(self) -> bool {
        self != Kind::Body
    }
}

/// One unit: where it is and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Top-level section number (0 = preamble).
    pub section: u32,
    /// Item within the section (0 = the section's heading or intro).
    pub item: u32,
    /// Unit within the item (0 = the item itself).
    pub clause: u32,
    /// Byte start in the normalised document text.
    pub start: usize,
    /// Byte end in the normalised document text.
    pub end: usize,
    /// What the unit is.
    pub kind: Kind,
    /// Index (in the same list) of the numbered line or heading this unit sits under:
    /// following it upwards gives the unit's heading path.
    pub parent: Option<u32>,
    /// Before the document's first structural heading (第X章, 一、, （一）, 第X条, Article N)
    /// in a document that has one: the preamble or the recitals.
    pub preamble: bool,
}

impl Segment {
    /// `doc-section-item[-clause]`, `doc` the document's key ([`crate::util::docid`]).
    pub fn id(&self, doc: impl std::fmt::Display) -> String {
        use std::fmt::Write as _;
        // Sized once: `format!` would start from the two bytes of its `-` pieces.
        let mut id = String::with_capacity(24);
        let _ = write!(id, "{doc}-{}-{}", self.section, self.item);
        if self.clause > 0 {
            let _ = write!(id, "-{}", self.clause);
        }
        id
    }
}

const NUM: &str = "[一二三四五六七八九十百零〇两]";

/// A numbering style: its pattern, its rank, and the characters a match can start with
/// (the patterns are anchored: a line whose first character is none of them skips them).
type Style = (Regex, u8, fn(char) -> bool);

struct Patterns {
    zh_styles: Vec<Style>,
    en_styles: Vec<Style>,
    chapter_then_article: Regex,
    order_number: Regex,
    signature_with_date: Regex,
    org_suffix: Regex,
    attachment: Regex,
    note: Regex,
    transmittal: Regex,
    en_signature: Regex,
    en_note: Regex,
}

/// Compiles the built-in segmentation patterns now rather than on first use (start-up work
/// that can overlap the dictionary load).
pub fn prepare() {
    let _ = patterns();
    crate::prepare::lines::prepare();
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let r = |s: &str| Regex::new(s).expect("built-in pattern");
        // (pattern, rank): lower ranks are higher outline levels.
        type Starts = fn(char) -> bool;
        let di: Starts = |c| c == '第';
        let num: Starts = |c| "一二三四五六七八九十百零〇两".contains(c);
        let paren: Starts = |c| matches!(c, '(' | '（');
        // `\d` holds for other digits too, but only lines starting with an ASCII digit
        // (or another style's first character) are tried at all.
        let digit: Starts = |c| c.is_ascii_digit();
        let circled: Starts = |c| ('①'..='⑳').contains(&c);
        let p_or_t: Starts = |c| matches!(c, 'P' | 'T');
        let c_: Starts = |c| c == 'C';
        let s_: Starts = |c| c == 'S';
        let a_: Starts = |c| c == 'A';
        let open: Starts = |c| c == '(';
        let zh_styles: Vec<Style> = vec![
            (r(&format!(r"^第{NUM}+(?:部分|编)")), 0, di),
            (r(&format!(r"^第{NUM}+章")), 1, di),
            (r(&format!(r"^第{NUM}+节")), 2, di),
            (r(&format!(r"^{NUM}{{1,3}}\s*[、.]")), 3, num),
            (r(&format!(r"^[(（]\s*{NUM}{{1,3}}\s*[)）]")), 4, paren),
            (r(&format!(r"^第{NUM}+条")), 5, di),
            (r(r"^\d{1,2}\s*[、.]"), 6, digit),
            (r(r"^[(（]\s*\d{1,2}\s*[)）]"), 7, paren),
            (r(r"^[①-⑳]"), 8, circled),
        ];
        let en_styles: Vec<Style> = vec![
            (r(r"^(?:PART|Part|TITLE|Title)\s+[IVXLC\d]+\b"), 0, p_or_t),
            (r(r"^(?:CHAPTER|Chapter)\s+[IVXLC\d]+\b"), 1, c_),
            (r(r"^(?:SECTION|Section)\s+\d+\b"), 2, s_),
            (r(r"^(?:Article|ARTICLE)\s+\d+[a-z]?\b"), 5, a_),
            (r(r"^\d{1,2}\.(?:\s|$)"), 6, digit),
            (r(r"^\(\d{1,3}\)"), 7, open),
            (r(r"^\([a-z]{1,4}\)"), 8, open),
        ];
        Patterns {
            zh_styles,
            en_styles,
            chapter_then_article: r(&format!(r"^第{NUM}+[章节]\s*\S{{1,30}}?\s+(第{NUM}+条)")),
            order_number: r(r"^\S{2,20}令\s*(?:\(|（)?\s*第\s*\d+\s*号\s*(?:\)|）)?$"),
            signature_with_date: r(r"^\S{2,40}?(?:政府|办公厅|办公室|委员会|局|厅|部|署|院|会|中心|小组)\s+(?:\d{4}|[〇零○一二三四五六七八九]{4})\s*年.{1,3}月.{1,3}日$"),
            org_suffix: r(r"^[^。;:,!?，；：！？]{2,40}(?:政府|办公厅|办公室|委员会|局|厅|部|署|院|会|中心|小组|办)$"),
            attachment: r(r"^(?:附件\s*\d*\s*[:：]?|附\s*[:：]|ANNEX\b|Annex\s+[IVXLC\d]+$)"),
            note: r(r"^(?:[(（]\s*此件[^)）]{0,12}[)）]|抄送\s*[:：]|.{0,30}\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*印发$|(?:联系人|联系电话)\s*[:：])"),
            transmittal: r(r"^(?:现将)?.{0,150}?(?:印发|转发)给你们"),
            en_signature: r(r"(?i)^(?:for the (?:european parliament|council|commission)\b.{0,40}|the president,?)$"),
            en_note: r(r"(?i)^(?:this directive is addressed to the member states\.?|have adopted this (?:directive|regulation|decision):?|whereas:)$"),
        }
    })
}

/// The style ranks of a Chinese （一） and of an article (第X条, Article N).
const PAREN_STYLE: u8 = 4;
const ARTICLE_STYLE: u8 = 5;
/// The outline level of an article: its style's rank doubled.
const ARTICLE: u8 = ARTICLE_STYLE * 2;
/// The outline level of a Chinese （一） item inside an open article.
const ARTICLE_ITEM: u8 = ARTICLE + 1;

/// The outline level of a line numbered in a style of rank `style_rank`, given the open
/// levels: the style's rank doubled, so that a level can sit between two styles. A Chinese
/// （一） inside an open article (第X条) is the article's item, one level below it, whatever
/// its rank among styles (which puts （一） above 第X条 for opinions whose parts hold
/// articles): in a regulation, 第五条 …下列支出：（一）…（六）… 第六条 keeps the items in
/// their article, and the last item is not taken for a heading of the articles after it.
/// A document that has already put articles under a （一） keeps its （一） above them
/// (`parts_hold_articles`).
fn outline_rank(style_rank: u8, open: &[(u8, u32)], lang: Lang, parts_hold_articles: bool) -> u8 {
    if lang == Lang::Zh
        && style_rank == PAREN_STYLE
        && !parts_hold_articles
        && open.iter().any(|&(r, _)| r == ARTICLE)
    {
        ARTICLE_ITEM
    } else {
        style_rank * 2
    }
}

/// A numbered style found at the start of a line: (style index, rank, marker end).
fn numbering(line: &str, lang: Lang) -> Option<(usize, u8, usize)> {
    // Every style begins with one of these characters: other lines skip the regexes.
    let first = line.chars().next()?;
    let may_be_numbered = first.is_ascii_digit()
        || match lang {
            Lang::Zh => {
                matches!(first, '第' | '(' | '（' | '①'..='⑳')
                    || "一二三四五六七八九十百零〇两".contains(first)
            }
            Lang::En => matches!(first, '(' | 'P' | 'T' | 'C' | 'S' | 'A'),
        };
    if !may_be_numbered {
        return None;
    }
    let styles = match lang {
        Lang::Zh => &patterns().zh_styles,
        Lang::En => &patterns().en_styles,
    };
    for (i, (re, rank, starts)) in styles.iter().enumerate() {
        if !starts(first) {
            continue;
        }
        if let Some(m) = re.find(line) {
            // "1.5万元" is a number, not an item.
            if *rank == 6 && line[m.end()..].starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            return Some((i, *rank, m.end()));
        }
    }
    None
}

fn has_sentence_punct(s: &str) -> bool {
    s.contains(['。', ';', '!', '?', '；', '！', '？'])
}

fn is_short(s: &str, lang: Lang) -> bool {
    match lang {
        Lang::Zh => s.chars().count() <= 30,
        Lang::En => s.split_whitespace().count() <= 12 && !s.ends_with('.'),
    }
}

/// Looks like a heading: short, no sentence punctuation inside, not introducing a list.
fn heading_like(s: &str, lang: Lang) -> bool {
    is_short(s, lang)
        && !has_sentence_punct(s.trim_end_matches('。'))
        && !s.ends_with(':')
        && !s.ends_with('：')
        && !continues(s)
}

/// A line ending in a comma runs on into the next: no title or heading ends so (THE
/// EUROPEAN PARLIAMENT AND THE COUNCIL OF THE EUROPEAN UNION, / Having regard to …,).
fn continues(s: &str) -> bool {
    s.ends_with([',', '，'])
}

/// A row of a table as the readers write it: at least two non-empty cells joined by tabs.
fn is_table_row(line: &str) -> bool {
    line.contains('\t')
        && line
            .split('\t')
            .filter(|c| !c.trim().is_empty())
            .nth(1)
            .is_some()
}

/// A table row that heads its columns: every cell a short label without a figure.
fn is_header_row(line: &str) -> bool {
    line.split('\t')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .all(|c| {
            c.chars().count() <= 12
                && !c
                    .chars()
                    .any(|ch| ch.is_ascii_digit() || ch.is_ascii_punctuation() && ch != '/')
                && !has_sentence_punct(c)
        })
}

/// A logical line: a trimmed byte range, maybe two physical lines when a marker stands alone.
#[derive(Debug, Clone)]
struct Line {
    start: usize,
    end: usize,
    num: Option<(usize, u8, usize)>,
    /// For unnumbered lines: the boilerplate kind, if any.
    boiler: Option<Kind>,
}

fn physical_lines(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    for raw in text.split('\n') {
        let lead = raw.len() - raw.trim_start().len();
        let trimmed = raw.trim();
        if !trimmed.is_empty() {
            let s = pos + lead;
            let line = &text[s..s + trimmed.len()];
            // PKU Law exports put a chapter heading and its first article on one line.
            // (The pattern starts with 第: other lines skip the regex and its allocation.)
            let split = line.starts_with('第').then(|| {
                patterns()
                    .chapter_then_article
                    .captures(line)
                    .and_then(|c| c.get(1))
            });
            let parts = match split.flatten() {
                Some(m) => {
                    let head = line[..m.start()].trim_end();
                    [Some((0, head.len())), Some((m.start(), trimmed.len()))]
                }
                None => [Some((0, trimmed.len())), None],
            };
            for (a, b) in parts.into_iter().flatten() {
                // A line scraped flat is parted where its header parts and first items
                // meet (each part's spaces trimmed).
                let mut from = a;
                for (end, next) in crate::prepare::lines::flat_breaks(&line[a..b]) {
                    out.push((s + from, s + a + end));
                    from = a + next;
                }
                out.push((s + from, s + b));
            }
        }
        pos += raw.len() + 1;
    }
    out
}

fn logical_lines(text: &str, lang: Lang) -> Vec<Line> {
    let phys = physical_lines(text);
    let mut out: Vec<Line> = Vec::with_capacity(phys.len());
    let mut i = 0;
    while i < phys.len() {
        let (s, e) = phys[i];
        let line = &text[s..e];
        let num = numbering(line, lang);
        let mut end = e;
        // A marker alone on its line ("(1)", "Article 6") takes the next line as its text.
        if let Some((_, _, mend)) = num {
            if line[mend..].trim().is_empty()
                && i + 1 < phys.len()
                && numbering(&text[phys[i + 1].0..phys[i + 1].1], lang).is_none()
            {
                end = phys[i + 1].1;
                i += 1;
            }
        }
        out.push(Line {
            start: s,
            end,
            num,
            boiler: None,
        });
        i += 1;
    }
    let dates: Vec<bool> = out
        .iter()
        .map(|l| is_date_line(&text[l.start..l.end]))
        .collect();
    for i in 0..out.len() {
        if out[i].num.is_none() {
            let near_date = (i > 0 && dates[i - 1]) || dates.get(i + 1).copied().unwrap_or(false);
            out[i].boiler = boilerplate_kind(&text[out[i].start..out[i].end], lang, near_date);
        }
    }
    out
}

fn boilerplate_kind(line: &str, lang: Lang, near_date: bool) -> Option<Kind> {
    let p = patterns();
    if [
        "【法宝",
        "原文链接",
        "http://",
        "https://",
        "来源:",
        "来源：",
    ]
    .iter()
    .any(|s| line.starts_with(s))
    {
        return Some(Kind::Source);
    }
    // Cheap literal checks first: most lines are body text, and these patterns are long.
    // Each check is implied by its pattern (they all end in `$`).
    let short = line.len() <= 240;
    if short
        && closing(line).ends_with('号')
        && (crate::prepare::lines::is_doc_number(line) || p.order_number.is_match(line))
    {
        return Some(Kind::DocNumber);
    }
    if short && is_date_line(line) {
        return Some(Kind::Date);
    }
    // A database export's （2020年） or （第19号） line under the title.
    if line.len() <= 24 && line.starts_with(['(', '（']) && line.ends_with([')', '）']) {
        let inner = line.trim_matches(['(', ')', '（', '）', ' ']);
        let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        if inner
            .strip_suffix('年')
            .is_some_and(|y| y.len() == 4 && digits(y))
        {
            return Some(Kind::Date);
        }
        if inner
            .strip_prefix('第')
            .and_then(|s| s.strip_suffix('号'))
            .is_some_and(|n| digits(n.trim()))
        {
            return Some(Kind::DocNumber);
        }
    }
    if short
        && ((line.ends_with('日') && p.signature_with_date.is_match(line))
            || (near_date && p.org_suffix.is_match(line)))
    {
        return Some(Kind::Signature);
    }
    if (line.starts_with('附') || line.starts_with('A'))
        && p.attachment.is_match(line)
        && line.chars().count() <= 80
    {
        return Some(Kind::Attachment);
    }
    if short
        && (line.starts_with(['(', '（'])
            || line.starts_with("抄送")
            || line.starts_with("联系")
            || line.ends_with("印发"))
        && p.note.is_match(line)
    {
        return Some(Kind::Note);
    }
    if line.contains("给你们") && p.transmittal.is_match(line) && line.chars().count() <= 160 {
        return Some(Kind::Note);
    }
    if lang == Lang::En {
        if p.en_signature.is_match(line)
            || (near_date && line.split_whitespace().count() <= 6 && !line.ends_with('.'))
        {
            return Some(Kind::Signature);
        }
        if p.en_note.is_match(line) {
            return Some(Kind::Note);
        }
    }
    if is_addressee(line) {
        return Some(Kind::Addressee);
    }
    None
}

/// Kind of a standalone line or pre-segmented unit: its boilerplate kind, else body.
pub fn classify_line(line: &str, lang: Lang) -> Kind {
    boilerplate_kind(line, lang, false).unwrap_or(Kind::Body)
}

/// Running outline counters.
#[derive(Default)]
struct Counters {
    section: u32,
    item: u32,
    clause: u32,
    /// True inside a second-level item: further units are its clauses.
    item_active: bool,
}

impl Counters {
    fn bump(&mut self) {
        if self.item_active {
            self.clause += 1;
        } else {
            self.item += 1;
        }
    }

    fn unit(&self, start: usize, end: usize, kind: Kind) -> Segment {
        Segment {
            section: self.section,
            item: self.item,
            clause: self.clause,
            start,
            end,
            kind,
            parent: None,
            preamble: false,
        }
    }
}

/// Splits a document's normalised text into units.
pub fn segment(text: &str, lang: Lang, mode: UnitMode) -> Vec<Segment> {
    let lines = logical_lines(text, lang);
    let mut out: Vec<Segment> = Vec::new();
    // Open outline levels: (rank, index of the unit that opened it).
    let mut stack: Vec<(u8, u32)> = Vec::new();
    // An unnumbered heading (a part title, a label line): the parent of the lines after
    // it until the next numbered line, and of a top-level numbered line that follows.
    let mut loose: Option<u32> = None;
    let mut c = Counters::default();
    let mut seen_body = false;
    // First unit of the first line numbered in a structural style (rank <= 5).
    let mut first_structural: Option<usize> = None;
    // A （一） has held articles (第X条) in this document: see `outline_rank`.
    let mut parts_hold_articles = false;
    // The numbered line just before, when it ends with a colon: (its rank, its first unit).
    let mut lead_in: Option<(u8, u32)> = None;
    // The list a lead-in opened in a style above its own: (the items' style, their rank,
    // the lead-in's first unit).
    let mut list: Option<(usize, u8, u32)> = None;

    for (li, line) in lines.iter().enumerate() {
        let s = &text[line.start..line.end];
        let first_new = out.len();
        match line.num {
            Some((style, style_rank, mend)) => {
                let mut rank = outline_rank(style_rank, &stack, lang, parts_hold_articles);
                // A lead-in ending with a colon followed by items numbered in a style above
                // its own (6．申请人应当提交以下材料： （一）…（二）… 7．…) opens a list: the
                // items sit one level below the lead-in, so that the last one is no heading
                // over the lead-in's next sibling, as an article's items are (`outline_rank`).
                list = list.filter(|&(_, _, lead)| stack.iter().any(|&(_, i)| i == lead));
                match (list, lead_in) {
                    (Some((items, item_rank, _)), _) if items == style => rank = item_rank,
                    (_, Some((lead_rank, lead)))
                        if rank < lead_rank && stack.last() == Some(&(lead_rank, lead)) =>
                    {
                        rank = lead_rank + 1;
                        list = Some((style, rank, lead));
                    }
                    _ => {}
                }
                lead_in = None;
                while stack.last().is_some_and(|&(r, _)| r >= rank) {
                    stack.pop();
                }
                if style_rank == ARTICLE_STYLE && stack.iter().any(|&(r, _)| r == PAREN_STYLE * 2) {
                    parts_hold_articles = true;
                }
                let parent = stack.last().map(|&(_, i)| i).or(loose);
                loose = None;
                if style_rank <= 5 && first_structural.is_none() {
                    first_structural = Some(first_new);
                }
                stack.push((rank, first_new as u32));
                match stack.len() - 1 {
                    0 => {
                        c.section += 1;
                        c.item = 0;
                        c.clause = 0;
                        c.item_active = false;
                    }
                    1 => {
                        c.item += 1;
                        c.clause = 0;
                        c.item_active = true;
                    }
                    _ => c.bump(),
                }
                // A heading introduces deeper items or a body paragraph.
                let deeper_follows = lines.get(li + 1).is_some_and(|next| match next.num {
                    Some((_, r, _)) => outline_rank(r, &stack, lang, parts_hold_articles) > rank,
                    None => {
                        next.boiler.is_none() && !heading_like(&text[next.start..next.end], lang)
                    }
                });
                let rest = s[mend..].trim();
                seen_body = true;
                // An item of an article's list is never a heading: a paragraph after the
                // list is the article's (see `outline_rank`).
                let article_item = rank == ARTICLE_ITEM;
                // An article whose first paragraph is one short sentence (第十七条 符合条件的
                // 项目，依法享受税收优惠。 followed by a second paragraph) is the article's
                // text, not a title over its paragraphs: an article's title has no full stop.
                let article_sentence =
                    lang == Lang::Zh && style_rank == ARTICLE_STYLE && rest.ends_with('。');
                if deeper_follows && !article_item && !article_sentence && heading_like(rest, lang)
                {
                    out.push(c.unit(line.start, line.end, Kind::Heading));
                } else if mode == UnitMode::Sentence {
                    push_sentences(text, line.start, line.end, lang, true, &mut c, &mut out);
                } else {
                    out.push(c.unit(line.start, line.end, Kind::Body));
                }
                for u in &mut out[first_new..] {
                    u.parent = parent;
                }
                if s.trim_end().ends_with([':', '：']) {
                    lead_in = Some((rank, first_new as u32));
                }
            }
            None => {
                lead_in = None;
                // An unnumbered line after an article's list of items, or after the items
                // of a lead-in's list, closes the list: it is the article's (or the
                // lead-in's) next paragraph.
                while stack.last().is_some_and(|&(r, _)| {
                    r == ARTICLE_ITEM || list.is_some_and(|(_, item_rank, _)| r == item_rank)
                }) {
                    stack.pop();
                }
                list = None;
                // A table row (cells joined by tabs, as the docx and html readers join
                // them) holds content, however short: 一次性创业补贴\t5000元 is a measure,
                // not a heading. Only a table's first row of short labels without figures
                // (扶持项目\t标准) heads it.
                let row = is_table_row(s);
                let kind = line.boiler.or_else(|| {
                    if row {
                        let first =
                            li == 0 || !is_table_row(&text[lines[li - 1].start..lines[li - 1].end]);
                        (first && is_header_row(s)).then_some(Kind::Heading)
                    } else if !seen_body
                        && !has_sentence_punct(s)
                        && !continues(s)
                        && s.chars().count() <= 150
                    {
                        Some(Kind::Title)
                    } else if heading_like(s, lang) && !has_sentence_punct(s) {
                        Some(Kind::Heading)
                    } else {
                        None
                    }
                });
                let parent = loose.or(stack.last().map(|&(_, i)| i));
                match kind {
                    Some(kind) => {
                        c.bump();
                        out.push(c.unit(line.start, line.end, kind));
                    }
                    None => {
                        seen_body = true;
                        if mode == UnitMode::Article {
                            c.bump();
                            out.push(c.unit(line.start, line.end, Kind::Body));
                        } else {
                            push_sentences(
                                text, line.start, line.end, lang, false, &mut c, &mut out,
                            );
                        }
                    }
                }
                for u in &mut out[first_new..] {
                    u.parent = parent;
                }
                if kind == Some(Kind::Heading) {
                    loose = Some(first_new as u32);
                }
            }
        }
    }
    if let Some(first) = first_structural {
        for u in &mut out[..first] {
            u.preamble = true;
        }
    }
    out
}

/// The heading path of unit `i`: the titles of the numbered lines and headings it sits
/// under, outermost first (a long numbered line contributes its first clause).
pub fn heading_path<'t>(text: &'t str, segments: &[Segment], i: usize) -> Vec<&'t str> {
    let mut path = Vec::new();
    let mut next = segments.get(i).and_then(|s| s.parent);
    // Parents always come before their children, so the walk ends; the bound guards
    // against a malformed list all the same.
    while let Some(p) = next.filter(|_| path.len() < 16) {
        let Some(seg) = segments.get(p as usize) else {
            break;
        };
        path.push(heading_title(&text[seg.start..seg.end]));
        next = seg.parent.filter(|&q| q < p);
    }
    path.reverse();
    path
}

/// The heading path of every unit (`一、总体要求 > （二）基本原则`), each path built once and
/// shared by the units under the same heading.
pub fn section_paths(text: &str, segments: &[Segment]) -> Vec<std::sync::Arc<str>> {
    use std::sync::Arc;
    let empty: Arc<str> = Arc::from("");
    // Per unit: the path of the units whose parent it is (its own path plus its title).
    let mut below: Vec<Option<Arc<str>>> = vec![None; segments.len()];
    let mut out: Vec<Arc<str>> = Vec::with_capacity(segments.len());
    for (i, seg) in segments.iter().enumerate() {
        let path = match seg.parent {
            Some(p) if (p as usize) < i => {
                let p = p as usize;
                if below[p].is_none() {
                    let parent_path: &str = out[p].as_ref();
                    let title = heading_title(&text[segments[p].start..segments[p].end]);
                    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
                    below[p] = Some(Arc::from(if parent_path.is_empty() {
                        title
                    } else {
                        format!("{parent_path} > {title}")
                    }));
                }
                below[p].clone().unwrap_or_else(|| empty.clone())
            }
            _ => empty.clone(),
        };
        out.push(path);
    }
    out
}

/// A heading's title: up to the first sentence or clause mark, at most 40 characters.
pub fn heading_title(line: &str) -> &str {
    // Up to the first of those marks, at most 40 characters: the scan stops at either.
    // Bytes are scanned without decoding characters: a character starts at every byte
    // that is no continuation byte, and the marks are ; : and the UTF-8 of 。(E3 80 82)
    // and ；：！？ (EF BC 9B, 9A, 81, 9F).
    let bytes = line.as_bytes();
    let mut n = 0;
    let mut end = line.len();
    for (i, &b) in bytes.iter().enumerate() {
        if b & 0xC0 == 0x80 {
            continue;
        }
        let mark = match b {
            b';' | b':' => true,
            0xE3 => bytes.get(i + 1..i + 3) == Some(&[0x80, 0x82][..]),
            0xEF => {
                bytes.get(i + 1) == Some(&0xBC)
                    && matches!(bytes.get(i + 2), Some(0x9B | 0x9A | 0x81 | 0x9F))
            }
            _ => false,
        };
        if n == 40 || mark {
            end = i;
            break;
        }
        n += 1;
    }
    line[..end].trim()
}

/// [`heading_title`] of `line` when it is not empty and has at most `max` characters: a
/// longer title is told after `max` + 1 characters, without reading on to a mark.
pub fn short_heading_title(line: &str, max: usize) -> Option<&str> {
    // Characters from the first one that is no white space: all in the title (the
    // title ends at a mark or after 40 characters, then white space is trimmed).
    let mut seen = 0;
    for (n, c) in line.chars().enumerate() {
        if n == 40 || matches!(c, '。' | '；' | ';' | '：' | ':' | '！' | '？') {
            break;
        }
        if seen > 0 || !c.is_whitespace() {
            seen += 1;
        }
        if seen > max && !c.is_whitespace() {
            return None;
        }
    }
    Some(heading_title(line)).filter(|h| !h.is_empty() && h.chars().count() <= max)
}

/// Pushes the sentences of `text[start..end]` as body units. When `first_keeps`, the
/// first sentence takes the id the numbered line already received.
fn push_sentences(
    text: &str,
    start: usize,
    end: usize,
    lang: Lang,
    first_keeps: bool,
    c: &mut Counters,
    out: &mut Vec<Segment>,
) {
    let pieces = sentences(&text[start..end], lang);
    if pieces.is_empty() {
        if !first_keeps {
            c.bump();
        }
        out.push(c.unit(start, end, Kind::Body));
        return;
    }
    for (n, (s, e)) in pieces.into_iter().enumerate() {
        if n > 0 || !first_keeps {
            c.bump();
        }
        out.push(c.unit(start + s, start + e, Kind::Body));
    }
}

const EN_ABBREV: &[&str] = &[
    "no", "nos", "art", "arts", "e.g", "i.e", "etc", "para", "mr", "mrs", "dr", "st", "co", "ltd",
    "inc", "vol", "p", "pp", "cf", "vs", "ibid",
];

/// Byte ranges of the sentences (clauses) of one paragraph. Chinese ends clauses at
/// 。！？； (and their half-width forms after normalisation); English at . ! ? before a
/// capital, digit or bracket, except after common abbreviations.
pub fn sentences(para: &str, lang: Lang) -> Vec<(usize, usize)> {
    let mut cuts = Vec::new();
    let chars: Vec<(usize, char)> = para.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (_, c) = chars[i];
        let is_end = match lang {
            Lang::Zh => matches!(c, '。' | '!' | '?' | ';' | '！' | '？' | '；'),
            Lang::En => matches!(c, '.' | '!' | '?'),
        };
        if !is_end {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < chars.len()
            && matches!(
                chars[j].1,
                '”' | '’' | '」' | '』' | ')' | '"' | '\'' | '）'
            )
        {
            j += 1;
        }
        let ok = lang == Lang::Zh || c != '.' || {
            let spaced = chars.get(j).is_none_or(|x| x.1.is_whitespace());
            let next_ok = chars[j..]
                .iter()
                .find(|x| !x.1.is_whitespace())
                .is_none_or(|x| {
                    x.1.is_uppercase()
                        || x.1.is_ascii_digit()
                        || matches!(x.1, '(' | '"' | '‘' | '“')
                });
            let word = para[..chars[i].0]
                .rsplit(|ch: char| ch.is_whitespace() || ch == '(')
                .next()
                .unwrap_or("")
                .to_lowercase();
            let initial = word.chars().count() == 1 && word.chars().all(char::is_alphabetic);
            spaced && next_ok && !EN_ABBREV.contains(&word.as_str()) && !initial
        };
        if ok {
            cuts.push(chars.get(j).map(|x| x.0).unwrap_or(para.len()));
        }
        i = j;
    }
    cuts.push(para.len());
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut prev = 0;
    for cut in cuts {
        if cut <= prev {
            continue;
        }
        let piece = &para[prev..cut];
        let lead = piece.len() - piece.trim_start().len();
        let trimmed = piece.trim();
        if trimmed.chars().any(char::is_alphanumeric) {
            out.push((prev + lead, prev + lead + trimmed.len()));
        } else if let Some(last) = out.last_mut() {
            // punctuation left over belongs to the sentence before it
            last.1 = prev + lead + trimmed.len();
        }
        prev = cut;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_titles_stop_at_a_mark_or_forty_characters() {
        // The title as a scan of the whole line gives it.
        fn whole(line: &str) -> &str {
            let cut = line
                .char_indices()
                .find(|&(_, c)| matches!(c, '。' | '；' | ';' | '：' | ':' | '！' | '？'))
                .map(|(b, _)| b)
                .unwrap_or(line.len());
            let s = &line[..cut];
            match s.char_indices().nth(40) {
                Some((b, _)) => &s[..b],
                None => s,
            }
            .trim()
        }
        let long = "一二三四五六七八九十".repeat(5);
        let lines = [
            String::new(),
            "基本原则。坚持".into(),
            "  总则：  ".into(),
            long.clone(),
            format!("{}。后", &long[..39 * 3]),
            format!("{}。后", &long[..40 * 3]),
            format!("{}。后", &long[..41 * 3]),
            format!("{}{}：", &long[..30 * 3], " ".repeat(15)),
            "Article 5: scope".into(),
            "甲；乙".into(),
            "甲！乙".into(),
            "甲？乙".into(),
            "甲,乙，丙、丁〈戊〉（己）𠀀庚;辛".into(),
            format!("{}。", "𠀀、，（".repeat(12)),
        ];
        for l in &lines {
            assert_eq!(heading_title(l), whole(l), "{l:?}");
        }
        let mut more: Vec<String> = lines.to_vec();
        for n in [0, 1, 19, 20, 21, 22, 39, 40, 41] {
            let head = "一".repeat(n);
            more.push(format!("{head}。"));
            more.push(format!("{head}    。"));
            more.push(format!("  {head} {head}：后"));
            more.push(format!("{head}{}：后", " ".repeat(25)));
            more.push(format!("{head}{}", " ".repeat(25)));
        }
        for l in &more {
            for max in [0, 1, 20, 40] {
                assert_eq!(
                    short_heading_title(l, max),
                    Some(heading_title(l)).filter(|h| !h.is_empty() && h.chars().count() <= max),
                    "{l:?} {max}"
                );
            }
        }
    }
    use crate::prepare::normalize::normalize;

    fn seg(text: &str, lang: Lang, mode: UnitMode) -> Vec<(String, &'static str, String)> {
        let n = normalize(text).text;
        segment(&n, lang, mode)
            .into_iter()
            .map(|s| (s.id(1), s.kind.as_str(), n[s.start..s.end].to_string()))
            .collect()
    }

    const NOTICE: &str = "国务院办公厅关于支持返乡创业的意见\n国办发〔2015〕47号\n各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n　　支持返乡创业意义重大。现提出以下意见。\n一、总体要求\n（一）指导思想。坚持市场导向，强化政策扶持。\n（二）基本原则。政府引导，市场主导。\n二、主要任务\n（一）加大财政支持。对返乡创业给予补贴。\n1.落实税费减免。\n2.加强金融服务。\n国务院办公厅\n2015年6月17日\n（此件公开发布）\n";

    #[test]
    fn units_know_their_heading_path_and_the_preamble() {
        let n = normalize(NOTICE).text;
        let segs = segment(&n, Lang::Zh, UnitMode::Auto);
        let paths = section_paths(&n, &segs);
        let find = |t: &str| {
            segs.iter()
                .position(|s| n[s.start..s.end].contains(t))
                .unwrap()
        };
        assert_eq!(&*paths[find("强化政策扶持")], "一、总体要求");
        assert_eq!(
            &*paths[find("落实税费减免")],
            "二、主要任务 > (一)加大财政支持"
        );
        assert_eq!(
            heading_path(&n, &segs, find("加强金融服务")),
            ["二、主要任务", "(一)加大财政支持"]
        );
        assert!(segs[find("意义重大")].preamble);
        assert!(!segs[find("落实税费减免")].preamble);
        // the table of roles reads these paths: principles under 一、 > （二）
        let roles = crate::segment::role::RoleTable::new(&[], true).assign_all(Lang::Zh, &n, &segs);
        assert_eq!(roles[find("市场主导")].as_str(), "principles");
        assert_eq!(roles[find("意义重大")].as_str(), "preamble");
        assert_eq!(roles[find("落实税费减免")].as_str(), "measure");
    }

    /// The kind and heading path of the unit of Chinese `doc` holding `t`.
    fn kind_and_path(doc: &str) -> impl Fn(&str) -> (Kind, String) {
        let n = normalize(doc).text;
        let segs = segment(&n, Lang::Zh, UnitMode::Auto);
        let paths = section_paths(&n, &segs);
        move |t: &str| {
            let i = segs
                .iter()
                .position(|s| n[s.start..s.end].contains(t))
                .unwrap_or_else(|| panic!("no unit {t}"));
            (segs[i].kind, paths[i].to_string())
        }
    }

    /// A regulation's article lists items （一）…（六）: they are the article's, the last one is
    /// no heading of the articles after it, and a paragraph after the list is the article's.
    /// A document whose （一） parts hold articles keeps its parts above them.
    #[test]
    fn items_of_an_article_stay_in_it() {
        let unit = kind_and_path("某市专项资金管理办法\n第一章　总则\n第一条　为了规范资金管理，制定本办法。\n第五条　专项资金用于下列支出：\n（一）职业培训补贴；\n（二）公共就业服务能力建设补助。\n市财政局负责资金拨付。\n第六条　对参加培训的劳动者给予补贴。\n");
        let article = "第一章 总则 > 第五条 专项资金用于下列支出";
        assert_eq!(
            unit("公共就业服务能力建设补助"),
            (Kind::Body, article.into())
        );
        assert_eq!(unit("市财政局负责"), (Kind::Body, article.into()));
        assert_eq!(unit("对参加培训"), (Kind::Body, "第一章 总则".into()));

        let unit = kind_and_path("某市实施细则\n（一）总体要求\n第一条　为了支持创业，制定本细则。\n（二）扶持措施\n第二条　给予创业补贴。\n");
        assert_eq!(unit("给予创业补贴"), (Kind::Body, "(二)扶持措施".into()));
    }

    /// Items under a lead-in ending with a colon, numbered in a style above the lead-in's
    /// own (6．…以下材料： （一）… （二）… 7．…), are the lead-in's list: the last item is no
    /// heading over the lead-in's next sibling, and a paragraph after the list is the
    /// lead-in's item's again.
    #[test]
    fn items_under_a_lead_in_stay_below_it() {
        let doc = "某市创业补贴申领细则\n一、主要规定\n6．申请人应当提交以下材料：\n（一）经营场地租赁合同。\n（二）营业执照复印件。\n7．对首次创业并正常经营6个月以上的返乡创业人员，给予一次性创业补贴5000元。\n8．申请人应当提交以下材料：\n（一）身份证复印件。\n以上材料一式两份，由街道（乡镇）公共就业服务机构受理。\n9．加强创业补贴政策宣传。\n";
        let unit = kind_and_path(doc);
        assert_eq!(
            unit("营业执照复印件"),
            (Kind::Body, "一、主要规定 > 6.申请人应当提交以下材料".into())
        );
        assert_eq!(unit("对首次创业"), (Kind::Body, "一、主要规定".into()));
        assert_eq!(
            unit("以上材料一式两份"),
            (Kind::Body, "一、主要规定 > 8.申请人应当提交以下材料".into())
        );
        assert_eq!(unit("加强创业补贴"), (Kind::Body, "一、主要规定".into()));
    }

    /// An article whose first paragraph is one short sentence is text to code, not a title
    /// over its second paragraph; an article's title (no full stop) still heads it.
    #[test]
    fn a_short_first_paragraph_of_an_article_is_no_heading() {
        let unit = kind_and_path("某市建筑节能条例\n第二章　新建建筑\n第十七条　符合条件的项目，依法享受税收优惠。\n鼓励金融机构对建筑节能改造和可再生能源建筑应用项目提供信贷支持，创新绿色信贷产品。\n第十八条　资金支持\n对获得二星级以上绿色建筑评价标识的项目给予资金奖励，奖励标准由市财政部门另行制定。\n");
        assert_eq!(unit("依法享受税收优惠").0, Kind::Body);
        assert_eq!(
            unit("鼓励金融机构"),
            (
                Kind::Body,
                "第二章 新建建筑 > 第十七条 符合条件的项目,依法享受税收优惠".into()
            )
        );
        assert_eq!(unit("第十八条").0, Kind::Heading);
        assert_eq!(
            unit("对获得二星级"),
            (Kind::Body, "第二章 新建建筑 > 第十八条 资金支持".into())
        );
    }

    /// The built-in roles of the units of `doc`, looked up by a piece of a unit's text.
    fn roles_of(doc: &str, lang: Lang) -> impl Fn(&str) -> &'static str {
        let n = normalize(doc).text;
        let segs = segment(&n, lang, UnitMode::Auto);
        let roles = crate::segment::role::RoleTable::new(&[], true).assign_all(lang, &n, &segs);
        move |t: &str| {
            let i = segs
                .iter()
                .position(|s| n[s.start..s.end].contains(t))
                .unwrap_or_else(|| panic!("no unit {t}"));
            roles[i].as_str()
        }
    }

    #[test]
    fn an_attached_form_holds_no_measure_a_substantive_attachment_does() {
        let doc = "关于做好宣传工作的通知\n一、工作要求\n（一）加强宣传报道，开展政策宣传周活动。\n附件：1.宣传联络员登记表\n2.若干扶持措施\n某某局\n2012年4月1日\n附件1：\n宣传联络员登记表\n邀请媒体类型（请打√）：\n为制作宣传节目，请协助完成采访工作。\n附件2：\n若干扶持措施\n一、对返乡创业给予一次性创业补贴。\n";
        let role = roles_of(doc, Lang::Zh);
        assert_eq!(role("政策宣传周"), "measure");
        // the form: its fields and notes, from its marker to the next marker
        assert_eq!(role("邀请媒体类型"), "form");
        assert_eq!(role("请协助完成采访"), "form");
        // an attachment of measures keeps the roles of its own text, none from above it
        assert_eq!(role("一次性创业补贴"), "measure");
    }

    #[test]
    fn items_under_an_information_lead_in_name_subjects_not_instruments() {
        let doc = "Article 18\nEnergy services\n1. Member States shall promote the energy services market by:\n(a)\ndisseminating clear information on:\n(i)\navailable energy service contracts;\n(ii)\nfinancial instruments, grants and loans;\n(b)\nproviding grants to small firms;\n2. Member States shall grant loans.\n";
        let role = roles_of(doc, Lang::En);
        // the lead-in carries the duty and stays a measure; its items are subjects (R46)
        assert_eq!(role("disseminating clear information on:"), "measure");
        assert_eq!(role("available energy service contracts"), "information");
        assert_eq!(
            role("financial instruments, grants and loans"),
            "information"
        );
        // a sibling of the lead-in, and what follows, are measures again
        assert_eq!(role("providing grants to small firms"), "measure");
        assert_eq!(role("shall grant loans"), "measure");
        let zh = "关于加强政策宣传的通知\n一、工作措施\n（一）宣传内容包括：\n1．创业担保贷款政策；\n2．一次性创业补贴政策。\n（二）对返乡创业人员给予一次性创业补贴。\n";
        let role = roles_of(zh, Lang::Zh);
        assert_eq!(role("创业担保贷款政策"), "information");
        assert_eq!(role("一次性创业补贴政策"), "information");
        assert_eq!(role("对返乡创业人员给予"), "measure");
    }

    #[test]
    fn chinese_outline_gives_section_item_clause_ids() {
        let units = seg(NOTICE, Lang::Zh, UnitMode::Auto);
        let ids: Vec<(&str, &str)> = units.iter().map(|u| (u.0.as_str(), u.1)).collect();
        assert_eq!(
            ids,
            [
                ("1-0-1", "title"),
                ("1-0-2", "doc_number"),
                ("1-0-3", "addressee"),
                ("1-0-4", "body"),
                ("1-0-5", "body"),
                ("1-1-0", "heading"),
                ("1-1-1", "body"),
                ("1-1-2", "body"),
                ("1-2-0", "heading"),
                ("1-2-1", "body"),
                ("1-2-1-1", "body"),
                ("1-2-1-2", "body"),
                ("1-2-1-3", "signature"),
                ("1-2-1-4", "date"),
                ("1-2-1-5", "note"),
            ]
        );
        assert_eq!(units[9].2, "(一)加大财政支持。对返乡创业给予补贴。");
    }

    #[test]
    fn wrapped_numbers_and_transmittal_formulas_are_boilerplate() {
        let units = seg("关于印发X办法的通知\n（皖开放办〔2022〕6号）\n省有关单位：\n《X办法》现印发给你们，请认真贯彻执行。\n", Lang::Zh, UnitMode::Auto);
        let kinds: Vec<&str> = units.iter().map(|u| u.1).collect();
        assert_eq!(kinds, ["title", "doc_number", "addressee", "note"]);
    }

    #[test]
    fn literal_checks_let_every_boilerplate_form_through() {
        // Each line ends or starts the way its pattern demands, with the spaces and
        // brackets the patterns allow.
        for (line, kind) in [
            ("国办发〔2015〕47号", Kind::DocNumber),
            ("(皖开放办〔2022〕6号)", Kind::DocNumber),
            ("国务院令 第588号 )", Kind::DocNumber),
            ("中华人民共和国国务院令(第 5 号)", Kind::DocNumber),
            ("(2015年6月17日 )", Kind::Date),
            ("2015-6-17 ", Kind::Date),
            ("17 June 2015.", Kind::Date),
            ("XX省人民政府 2015年6月17日", Kind::Signature),
            ("(此件公开发布)", Kind::Note),
            ("抄送:省委办公厅。", Kind::Note),
            ("XX省人民政府办公厅 2015年6月17日印发", Kind::Note),
            ("联系电话: 0551-1234567", Kind::Note),
            ("联系人:张三", Kind::Note),
        ] {
            assert_eq!(classify_line(line, Lang::Zh), kind, "{line}");
        }
        for line in [
            "本办法自2021年1月1日起施行。",
            "对返乡创业人员给予一次性补贴(每人5000元)。",
        ] {
            assert_eq!(classify_line(line, Lang::Zh), Kind::Body, "{line}");
        }
    }

    #[test]
    fn addressee_lines_of_every_length_and_database_number_lines() {
        for line in [
            "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
            "中国人民银行上海总部，各分行、营业管理部，各省会（首府）城市中心支行，各副省级城市中心支行：",
            // A list of provincial departments by kind, longer than 120 characters.
            "各省、自治区、直辖市及新疆生产建设兵团发展改革委、财政厅（局）、人力资源社会保障厅（局）、农业农村（农牧）厅（局、委）、商务厅（局）、文化和旅游厅（局）、市场监管局（厅、委）、乡村振兴局，国家税务总局各省、自治区、直辖市和计划单列市税务局：",
            "To the people's governments of all provinces, autonomous regions and municipalities directly under the Central Government:",
        ] {
            assert!(line.chars().count() <= 300);
            assert_eq!(classify_line(line, Lang::Zh), Kind::Addressee, "{line}");
        }
        assert_eq!(classify_line("(2020年)", Lang::Zh), Kind::Date);
        assert_eq!(classify_line("（第19号）", Lang::Zh), Kind::DocNumber);
        for line in [
            "To the extent possible, the following shall apply:",
            "（三）工作要求",
            "(2021—2023年)",
        ] {
            assert_ne!(classify_line(line, Lang::Zh), Kind::Addressee, "{line}");
            assert_ne!(classify_line(line, Lang::Zh), Kind::Date, "{line}");
        }
    }

    #[test]
    fn date_lines_in_every_form() {
        for l in [
            "2015年6月17日",
            "二〇一五年六月十七日",
            "(成文日期:2015年6月17日)",
            "2015-06-17",
            "17 June 2015",
            "Done at Brussels, 11 December 2018.",
        ] {
            assert!(is_date_line(l), "{l}");
        }
        assert!(!is_date_line("本办法自2021年1月1日起施行。"));
    }

    #[test]
    fn sentence_mode_splits_items() {
        let units = seg(
            "一、任务\n（一）加大财政支持。对返乡创业给予补贴；落实税费减免。\n",
            Lang::Zh,
            UnitMode::Sentence,
        );
        let texts: Vec<&str> = units
            .iter()
            .filter(|u| u.1 == "body")
            .map(|u| u.2.as_str())
            .collect();
        assert_eq!(
            texts,
            [
                "(一)加大财政支持。",
                "对返乡创业给予补贴;",
                "落实税费减免。"
            ]
        );
        let ids: Vec<&str> = units.iter().map(|u| u.0.as_str()).collect();
        assert_eq!(ids, ["1-1-0", "1-1-1", "1-1-1-1", "1-1-1-2"]);
    }

    #[test]
    fn table_rows_are_content_and_only_a_label_row_heads_them() {
        let kinds = |text: &str| -> Vec<(&'static str, String)> {
            seg(text, Lang::Zh, UnitMode::Auto)
                .into_iter()
                .map(|u| (u.1, u.2))
                .collect()
        };
        let units = kinds(
            "二、强化要素保障\n（一）可申请创业担保贷款。\n扶持项目\t标准\n一次性创业补贴\t5000元\n创业担保贷款\t最高20万元\n",
        );
        let of = |t: &str| units.iter().find(|u| u.1 == t).map(|u| u.0);
        assert_eq!(of("扶持项目\t标准"), Some("heading"), "{units:?}");
        assert_eq!(of("一次性创业补贴\t5000元"), Some("body"), "{units:?}");
        assert_eq!(of("创业担保贷款\t最高20万元"), Some("body"), "{units:?}");
        // a table without a label row: its first row is content too
        let units = kinds("二、措施\n（一）给予补贴。\n一次性创业补贴\t5000元\n");
        assert_eq!(units.last().map(|u| u.0), Some("body"), "{units:?}");
        // a short line without a tab is still a heading
        let units = kinds("二、措施\n扶持项目\n（一）给予补贴。\n");
        assert_eq!(units[1], ("heading", "扶持项目".to_string()), "{units:?}");
        // a short row is no label heading either (R36): its role is the measure's
        let role = roles_of(
            "二、措施\n（一）给予补贴。\n扶持项目\t标准\n创业担保贷款贴息\t全额\n",
            Lang::Zh,
        );
        assert_eq!(role("创业担保贷款贴息"), "measure");
    }

    #[test]
    fn a_document_scraped_onto_one_line_is_parted_into_its_header_and_items() {
        let units = seg(
            "河南省人民政府办公厅关于支持返乡创业的意见 豫政办〔2016〕1号 各省辖市人民政府，省人民政府各部门： 一、加大财政支持。对返乡人员给予补贴。二、强化金融服务。发放创业担保贷款。\n",
            Lang::Zh,
            UnitMode::Auto,
        );
        let kinds: Vec<(&str, &str)> = units.iter().map(|u| (u.1, u.2.as_str())).collect();
        assert_eq!(
            kinds,
            [
                ("title", "河南省人民政府办公厅关于支持返乡创业的意见"),
                ("doc_number", "豫政办〔2016〕1号"),
                ("addressee", "各省辖市人民政府,省人民政府各部门:"),
                ("body", "一、加大财政支持。对返乡人员给予补贴。"),
                ("body", "二、强化金融服务。发放创业担保贷款。"),
            ]
        );
    }

    #[test]
    fn lines_ending_in_a_comma_are_no_titles_or_headings() {
        let units = seg(
            "DIRECTIVE 2099/1/EU OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL\nTHE EUROPEAN PARLIAMENT AND THE COUNCIL OF THE EUROPEAN UNION,\nHaving regard to the Treaty on the Functioning of the European Union,\nWhereas:\n(1) Start-ups create jobs.\nArticle 1\nSupport\nMember States shall report on:\nbuildings having a certificate,\nHeat pumps\n",
            Lang::En,
            UnitMode::Auto,
        );
        let kind = |t: &str| units.iter().find(|u| u.2.starts_with(t)).map(|u| u.1);
        assert_eq!(kind("DIRECTIVE 2099"), Some("title"), "{units:?}");
        assert_eq!(kind("THE EUROPEAN PARLIAMENT"), Some("body"), "{units:?}");
        assert_eq!(kind("Having regard"), Some("body"), "{units:?}");
        assert_eq!(kind("buildings having"), Some("body"), "{units:?}");
        assert_eq!(kind("Heat pumps"), Some("heading"), "{units:?}");
    }

    #[test]
    fn article_mode_keeps_paragraphs_whole() {
        let units = seg("支持返乡创业。给予补贴。\n", Lang::Zh, UnitMode::Article);
        assert_eq!(units.len(), 1);
        let units = seg("支持返乡创业。给予补贴。\n", Lang::Zh, UnitMode::Auto);
        assert_eq!(units.len(), 2);
    }

    #[test]
    fn chapters_and_articles_on_one_line_are_split() {
        let units = seg("第一章　总则　　第一条 　为规范管理，制定本办法。\n　　第二条 　本办法适用于全州。\n第二章 规划\n第三条 编制规划。\n", Lang::Zh, UnitMode::Auto);
        let ids: Vec<(&str, &str)> = units.iter().map(|u| (u.0.as_str(), u.1)).collect();
        assert_eq!(
            ids,
            [
                ("1-1-0", "heading"),
                ("1-1-1", "body"),
                ("1-1-2", "body"),
                ("1-2-0", "heading"),
                ("1-2-1", "body")
            ]
        );
    }

    #[test]
    fn english_articles_and_paragraphs() {
        let text = "Whereas:\n(1)\nBuildings account for 40 % of energy use. The sector is expanding.\nArticle 6\nNew buildings\n1.   Member States shall take measures. They shall report.\n2.   The analysis may be carried out, e.g. for groups.\nDone at Strasbourg, 19 May 2010.\n";
        let units = seg(text, Lang::En, UnitMode::Auto);
        let got: Vec<(&str, &str)> = units.iter().map(|u| (u.0.as_str(), u.1)).collect();
        assert_eq!(
            got,
            [
                ("1-0-1", "note"),
                ("1-1-0", "body"),
                ("1-2-0", "heading"),
                ("1-2-1", "body"),
                ("1-2-2", "body"),
                ("1-2-2-1", "date")
            ]
        );
        assert_eq!(
            units[1].2,
            "(1)\nBuildings account for 40 % of energy use. The sector is expanding."
        );
    }

    #[test]
    fn sentences_respect_abbreviations_and_quotes() {
        let p = "See Art. 4 of Directive No. 2010/31. It applies. “Done.” Next";
        let s: Vec<&str> = sentences(p, Lang::En)
            .into_iter()
            .map(|(a, b)| &p[a..b])
            .collect();
        assert_eq!(
            s,
            [
                "See Art. 4 of Directive No. 2010/31.",
                "It applies.",
                "“Done.”",
                "Next"
            ]
        );
        let z = "推广“创业培训+实训”模式。提高实效;加强服务!";
        let s: Vec<&str> = sentences(z, Lang::Zh)
            .into_iter()
            .map(|(a, b)| &z[a..b])
            .collect();
        assert_eq!(s, ["推广“创业培训+实训”模式。", "提高实效;", "加强服务!"]);
    }
}
