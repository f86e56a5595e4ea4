//! PDF text layers (lopdf), with page numbers and running headers/footers dropped and
//! sentences broken across pages joined. A PDF without a text layer is skipped.
//!
//! Text is taken from the content stream by [`page_text`], which follows the text position:
//! lopdf's own `extract_text` breaks lines only at `ET`/`T*`, so lines placed with `Td`/`Tm`
//! inside one text object run together, and it puts a space after every `TJ` array and at
//! every kerning gap, which splits Chinese words (`就 业`) that jieba then cannot match.

use super::{Extracted, Reader, Skip};
use lopdf::content::Content;
use lopdf::{Document, Encoding, Object, ObjectId};
use std::collections::{BTreeMap, HashMap};

/// `.pdf` documents.
#[derive(Debug, Clone, Copy, Default)]
pub struct PdfReader;

impl Reader for PdfReader {
    fn extensions(&self) -> &'static [&'static str] {
        &["pdf"]
    }

    fn read(&self, bytes: &[u8]) -> Result<Extracted, Skip> {
        self.read_within(bytes, crate::read::DEFAULT_MAX_FILE_SIZE)
    }

    /// Every stream is decompressed against `max_expanded` (object streams while the
    /// file loads; page contents against what is left of it, so many pages cannot add
    /// up past it). A file that fails to parse, a stream over the limit and a file whose
    /// every page fails each say so; pages that fail among pages that read are left out
    /// and named in [`Extracted::incomplete`] (the rest is coded, not lost). `no text
    /// layer` is only for a PDF read whole and empty.
    fn read_within(&self, bytes: &[u8], max_expanded: u64) -> Result<Extracted, Skip> {
        let limit = usize::try_from(max_expanded).unwrap_or(usize::MAX);
        // A malformed PDF must not take the batch down, even if the parser panics.
        let (pages, failed) = std::panic::catch_unwind(|| pages_text(bytes, limit))
            .map_err(|_| Skip::Corrupt {
                format: "pdf",
                detail: "the parser failed".into(),
            })?
            .map_err(|e| match e {
                PdfError::TooLarge(what) => Skip::expanded(&what, max_expanded),
                PdfError::Corrupt(why) => Skip::Corrupt {
                    format: "pdf",
                    detail: why,
                },
                PdfError::Encrypted => Skip::Encrypted,
            })?;
        let text = clean_pages(&pages);
        if text.trim().is_empty() {
            return Err(Skip::NoText("no text layer (scanned PDF?)"));
        }
        let incomplete = (!failed.is_empty()).then(|| failed_pages_note(&failed, pages.len()));
        Ok(Extracted {
            text,
            encoding: "pdf".into(),
            hints: Default::default(),
            incomplete,
        })
    }
}

/// Why a PDF gave no text.
enum PdfError {
    /// A stream (named) decompresses past the limit.
    TooLarge(String),
    /// It does not parse: the parser's message, with the page when one page failed.
    Corrupt(String),
    Encrypted,
}

fn is_over_limit(e: &lopdf::Error) -> bool {
    matches!(
        e,
        lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })
    )
}

/// What the reader says of the pages it could not read: `failed` holds (page number,
/// the parser's message), `pages` is the number of pages in the file.
fn failed_pages_note(failed: &[(u32, String)], pages: usize) -> String {
    let shown: Vec<String> = failed
        .iter()
        .take(5)
        .map(|(n, e)| format!("page {n}: {e}"))
        .collect();
    let more = match failed.len() {
        n if n > 5 => format!("; and {} more", n - 5),
        _ => String::new(),
    };
    format!(
        "{} of {pages} PDF pages not read, coded without them ({}{more})",
        failed.len(),
        shown.join("; ")
    )
}

/// The text of every page, every stream decompressed within `limit` bytes in all, and
/// the pages that failed to parse (their number and the parser's message; their text is
/// empty). A page over the limit fails the file, as do failures on every page.
type PagesText = (Vec<String>, Vec<(u32, String)>);

fn pages_text(bytes: &[u8], limit: usize) -> Result<PagesText, PdfError> {
    let opts = lopdf::LoadOptions::with_max_decompressed_size(limit);
    let doc = Document::load_mem_with_options(bytes, opts).map_err(|e| {
        if is_over_limit(&e) {
            PdfError::TooLarge("a stream".into())
        } else {
            PdfError::Corrupt(e.to_string())
        }
    })?;
    if doc.is_encrypted() {
        return Err(PdfError::Encrypted);
    }
    let ids = doc.get_pages();
    if ids.is_empty() {
        return Err(PdfError::Corrupt("no pages found".into()));
    }
    let mut left = limit;
    let mut pages = Vec::with_capacity(ids.len());
    let mut failed = Vec::new();
    for (n, id) in ids {
        match page_text_within(&doc, id, left) {
            Ok((text, used)) => {
                left = left.saturating_sub(used);
                pages.push(text);
            }
            Err(e) if is_over_limit(&e) => {
                return Err(PdfError::TooLarge(format!("the content up to page {n}")))
            }
            // A page that fails is left out and named: the pages that read are coded
            // (the document says it is incomplete), rather than the whole file lost.
            Err(e) => {
                failed.push((n, e.to_string()));
                pages.push(String::new());
            }
        }
    }
    if failed.len() == pages.len() {
        let (n, e) = &failed[0];
        return Err(PdfError::Corrupt(format!("page {n}: {e}")));
    }
    Ok((pages, failed))
}

/// An affine matrix `[a b c d e f]` as PDF writes it.
type Matrix = [f32; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `m × n` (apply `m`, then `n`).
fn mul(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

fn numbers<const N: usize>(operands: &[Object]) -> Option<[f32; N]> {
    let mut out = [0.0; N];
    for (o, v) in out.iter_mut().zip(operands) {
        *o = v.as_float().ok()?;
    }
    (operands.len() >= N).then_some(out)
}

fn is_cjk_or_space(c: char) -> bool {
    c.is_whitespace() || c as u32 >= 0x2E80
}

/// `Td`: moves to the start of the next line, offset from the start of this one.
fn next_line(tx: f32, ty: f32, tm: &mut Matrix, tlm: &mut Matrix) {
    *tlm = mul(&[1.0, 0.0, 0.0, 1.0, tx, ty], tlm);
    *tm = *tlm;
}

/// Accumulates shown text, starting a new line when the baseline moves.
struct PageText {
    out: String,
    /// Baseline of the last text shown, in page space.
    last_y: Option<f32>,
    /// A horizontal gap (kerning or a move) was seen since the last text.
    gap: bool,
}

impl PageText {
    fn show(&mut self, y: f32, text: &str) {
        if text.is_empty() {
            return;
        }
        match self.last_y {
            Some(last) if (last - y).abs() > 1.0 && !self.out.ends_with('\n') => {
                self.out.push('\n');
            }
            Some(_) if self.gap => {
                // A word gap in Latin text; Chinese has none to keep.
                let before = self.out.chars().last().is_some_and(|c| !is_cjk_or_space(c));
                let after = text.chars().next().is_some_and(|c| !is_cjk_or_space(c));
                if before && after {
                    self.out.push(' ');
                }
            }
            _ => {}
        }
        self.out.push_str(text);
        self.last_y = Some(y);
        self.gap = false;
    }
}

/// The text of one page in reading order of the content stream, one line per baseline
/// (its streams decompressed within the default `--max-file-size`).
#[cfg(test)]
pub fn page_text(doc: &Document, page: ObjectId) -> Result<String, lopdf::Error> {
    let limit = usize::try_from(crate::read::DEFAULT_MAX_FILE_SIZE).unwrap_or(usize::MAX);
    page_text_within(doc, page, limit).map(|(text, _)| text)
}

/// [`page_text`] with the page's content and font maps decompressed within `limit`
/// bytes (a stream over it is an error, never cut), and the content's size.
fn page_text_within(
    doc: &Document,
    page: ObjectId,
    limit: usize,
) -> Result<(String, usize), lopdf::Error> {
    let mut encodings: BTreeMap<Vec<u8>, Encoding> = BTreeMap::new();
    for (name, font) in doc.get_page_fonts(page)? {
        match font.get_font_encoding_with_limit(doc, limit) {
            Ok(e) => {
                encodings.insert(name, e);
            }
            Err(e) if is_over_limit(&e) => return Err(e),
            // A font whose encoding cannot be read shows no text, as before.
            Err(_) => {}
        }
    }
    let raw = doc.get_page_content_with_limit(page, limit)?;
    let used = raw.len();
    let content = Content::decode(&raw)?;
    let mut text = PageText {
        out: String::new(),
        last_y: None,
        gap: false,
    };
    let (mut ctm, mut stack) = (IDENTITY, Vec::new());
    let (mut tm, mut tlm, mut leading) = (IDENTITY, IDENTITY, 0.0f32);
    let mut encoding = None;
    let decode = |e: Option<&Encoding>, o: &Object| -> String {
        match (e, o) {
            (Some(e), Object::String(bytes, _)) => e.bytes_to_string(bytes).unwrap_or_default(),
            _ => String::new(),
        }
    };
    for op in &content.operations {
        let y = |tm: &Matrix| mul(tm, &ctm)[5];
        match op.operator.as_str() {
            "q" => stack.push(ctm),
            "Q" => ctm = stack.pop().unwrap_or(IDENTITY),
            "cm" => {
                if let Some(m) = numbers::<6>(&op.operands) {
                    ctm = mul(&m, &ctm);
                }
            }
            "BT" => (tm, tlm) = (IDENTITY, IDENTITY),
            "Tf" => {
                encoding = op.operands.first().and_then(|n| n.as_name().ok());
                encoding = encoding.filter(|n| encodings.contains_key(*n));
            }
            "TL" => leading = numbers::<1>(&op.operands).map_or(leading, |[l]| l),
            "Td" | "TD" => {
                if let Some([tx, ty]) = numbers::<2>(&op.operands) {
                    if op.operator == "TD" {
                        leading = -ty;
                    }
                    next_line(tx, ty, &mut tm, &mut tlm);
                    text.gap |= tx != 0.0;
                }
            }
            "Tm" => {
                if let Some(m) = numbers::<6>(&op.operands) {
                    (tm, tlm) = (m, m);
                    text.gap = true;
                }
            }
            "T*" => next_line(0.0, -leading, &mut tm, &mut tlm),
            "Tj" | "'" | "\"" => {
                if op.operator != "Tj" {
                    next_line(0.0, -leading, &mut tm, &mut tlm);
                }
                let i = if op.operator == "\"" { 2 } else { 0 };
                let e = encoding.and_then(|n| encodings.get(n));
                if let Some(s) = op.operands.get(i) {
                    text.show(y(&tm), &decode(e, s));
                }
            }
            "TJ" => {
                let e = encoding.and_then(|n| encodings.get(n));
                for item in op
                    .operands
                    .iter()
                    .flat_map(|a| a.as_array().into_iter().flatten())
                {
                    match item {
                        Object::String(..) => text.show(y(&tm), &decode(e, item)),
                        // A shift of more than a quarter em is a word gap, not kerning.
                        _ => text.gap |= item.as_float().is_ok_and(|k| k < -250.0),
                    }
                }
            }
            _ => {}
        }
    }
    Ok((text.out, used))
}

fn is_page_number(line: &str) -> bool {
    let t: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    let core = t.trim_matches(|c: char| matches!(c, '—' | '-' | '–' | '－' | '·'));
    (!core.is_empty() && core.chars().all(|c| c.is_ascii_digit()))
        || (t.starts_with('第') && t.contains('页') && t.chars().count() <= 12)
        || (t.to_lowercase().starts_with("page")
            && t.chars().count() <= 14
            && t.chars().any(|c| c.is_ascii_digit()))
}

/// Width of a line in half-width cells: CJK and full-width characters take two.
fn display_width(l: &str) -> usize {
    l.chars()
        .map(|c| if c as u32 >= 0x1100 { 2 } else { 1 })
        .sum()
}

/// Joins pages: drops page numbers and lines repeated at the top or bottom of most pages,
/// and joins a sentence that runs over a page break.
pub fn clean_pages(pages: &[String]) -> String {
    // (text, indented): an indented line starts a paragraph, as Chinese documents indent
    // the first line by two characters.
    let mut lines: Vec<Vec<(&str, bool)>> = pages
        .iter()
        .map(|p| {
            p.lines()
                .map(|l| (l.trim(), l.starts_with(char::is_whitespace)))
                .filter(|(l, _)| !l.is_empty() && !is_page_number(l))
                .collect()
        })
        .collect();
    // No sentence runs over a page without text (one that failed to parse, or a blank
    // page): the page after it starts a paragraph.
    for i in 1..lines.len() {
        if lines[i - 1].is_empty() {
            if let Some(first) = lines[i].first_mut() {
                first.1 = true;
            }
        }
    }
    // Lines among the first or last two of a page, counted once per page.
    let mut edge_counts: HashMap<&str, usize> = HashMap::new();
    for p in &lines {
        let edges: std::collections::BTreeSet<&str> = p
            .iter()
            .take(2)
            .chain(p.iter().rev().take(2))
            .map(|l| l.0)
            .collect();
        for l in edges {
            *edge_counts.entry(l).or_default() += 1;
        }
    }
    let running =
        |l: &str| lines.len() >= 3 && edge_counts.get(l).copied().unwrap_or(0) * 2 > lines.len();
    let kept: Vec<(&str, bool)> = lines
        .iter()
        .flatten()
        .copied()
        .filter(|l| !running(l.0))
        .collect();
    // A line that reaches (nearly) the right margin and does not end a sentence was wrapped
    // by the layout, within a page or across a page break: join it to the next. The margin
    // is the 90th percentile of widths, so one long URL or table row does not set it.
    let mut widths: Vec<usize> = kept.iter().map(|l| display_width(l.0)).collect();
    widths.sort_unstable();
    let full = widths.get(widths.len() * 9 / 10).copied().unwrap_or(0);
    let mut out = String::new();
    for (i, &(l, _)) in kept.iter().enumerate() {
        out.push_str(l);
        let ends_sentence = l.chars().last().is_some_and(|c| {
            matches!(
                c,
                '。' | '；' | '：' | '！' | '？' | '.' | ';' | ':' | '!' | '?' | '）' | ')' | '”'
            )
        });
        let next_starts_paragraph = kept.get(i + 1).is_none_or(|n| n.1);
        let wrapped = !ends_sentence && !next_starts_paragraph && display_width(l) * 10 >= full * 8;
        if wrapped {
            if l.is_ascii() {
                out.push(' ');
            }
        } else {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Document, Object, Stream};

    /// Saves `doc` with one page per operation list, all using `font_id` as `/F1`.
    fn assemble(
        mut doc: Document,
        font_id: lopdf::ObjectId,
        pages: Vec<Vec<Operation>>,
    ) -> Vec<u8> {
        let pages_id = doc.new_object_id();
        let resources_id =
            doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
        let mut kids = Vec::new();
        for ops in pages {
            let content = Content { operations: ops };
            let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
            let page_id = doc.add_object(
                dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content_id },
            );
            kids.push(page_id.into());
        }
        let count = kids.len() as i64;
        doc.objects.insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count, "Resources" => resources_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()] }));
        let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog_id);
        let mut buf = Vec::new();
        doc.save_to(&mut buf).unwrap();
        buf
    }

    /// A PDF with one page per entry, each a list of lines in Helvetica (ASCII text).
    pub fn pdf(pages: &[&[&str]]) -> Vec<u8> {
        let mut doc = Document::with_version("1.5");
        let font_id = doc.add_object(
            dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
        );
        let pages = pages
            .iter()
            .map(|lines| {
                // One text object per line, as many PDF writers do.
                let mut ops = Vec::new();
                for (i, l) in lines.iter().enumerate() {
                    ops.push(Operation::new("BT", vec![]));
                    ops.push(Operation::new("Tf", vec!["F1".into(), 12.into()]));
                    ops.push(Operation::new(
                        "Td",
                        vec![72.into(), (720 - 14 * i as i64).into()],
                    ));
                    ops.push(Operation::new("Tj", vec![Object::string_literal(*l)]));
                    ops.push(Operation::new("ET", vec![]));
                }
                ops
            })
            .collect();
        assemble(doc, font_id, pages)
    }

    /// A PDF written the way word processors write Chinese: a Type0 font with Identity-H
    /// glyph ids and a ToUnicode map, one text object per page, lines placed by `Td` and
    /// shown as `TJ` arrays with kerning between the glyphs.
    pub fn cjk_pdf(pages: &[&[&str]]) -> Vec<u8> {
        let mut chars: Vec<char> = pages
            .iter()
            .flat_map(|p| p.iter())
            .flat_map(|l| l.chars())
            .collect();
        chars.sort_unstable();
        chars.dedup();
        let cid = |c: char| chars.binary_search(&c).unwrap() as u16 + 1;
        let mut cmap = String::from("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
        for block in chars.chunks(100) {
            cmap += &format!("{} beginbfchar\n", block.len());
            for &c in block {
                cmap += &format!("<{:04X}> <{:04X}>\n", cid(c), c as u32);
            }
            cmap += "endbfchar\n";
        }
        cmap += "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";
        let mut doc = Document::with_version("1.5");
        let to_unicode = doc.add_object(Stream::new(dictionary! {}, cmap.into_bytes()));
        let descendant = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "SimSun",
            "CIDSystemInfo" => dictionary! { "Registry" => Object::string_literal("Adobe"), "Ordering" => Object::string_literal("Identity"), "Supplement" => 0 },
        });
        let font_id = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "SimSun", "Encoding" => "Identity-H",
            "DescendantFonts" => vec![descendant.into()], "ToUnicode" => to_unicode,
        });
        let pages = pages
            .iter()
            .map(|lines| {
                let mut ops = vec![
                    Operation::new("BT", vec![]),
                    Operation::new("Tf", vec!["F1".into(), 16.into()]),
                    Operation::new("Td", vec![72.into(), 760.into()]),
                ];
                for (i, l) in lines.iter().enumerate() {
                    if i > 0 {
                        ops.push(Operation::new("Td", vec![0.into(), (-24).into()]));
                    }
                    let mut array = Vec::new();
                    for c in l.chars() {
                        let id = cid(c).to_be_bytes().to_vec();
                        array.push(Object::String(id, lopdf::StringFormat::Hexadecimal));
                        array.push(Object::Integer(-120));
                    }
                    ops.push(Operation::new("TJ", vec![Object::Array(array)]));
                }
                ops.push(Operation::new("ET", vec![]));
                ops
            })
            .collect();
        assemble(doc, font_id, pages)
    }

    #[test]
    fn chinese_lines_placed_by_td_with_kerned_glyphs() {
        let bytes = cjk_pdf(&[
            &[
                "关于支持返乡人员创业的通知",
                "一、加强返乡人员创业培训，全面落实创业",
                "担保贷款政策。",
                "— 1 —",
            ],
            &[
                "（二）对首次创办小微企业的返乡人员给予",
                "一次性创业补贴。",
                "— 2 —",
            ],
        ]);
        let x = PdfReader.read(&bytes).unwrap();
        assert_eq!(
            x.text,
            "关于支持返乡人员创业的通知\n一、加强返乡人员创业培训，全面落实创业担保贷款政策。\n\
             （二）对首次创办小微企业的返乡人员给予一次性创业补贴。\n"
        );
    }

    #[test]
    fn latin_words_split_by_kerning_gaps_keep_their_spaces() {
        let mut doc = Document::load_mem(&pdf(&[&["x"]])).unwrap();
        let page = *doc.get_pages().values().next().unwrap();
        let ops = vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new(
                "Tm",
                vec![
                    1.into(),
                    0.into(),
                    0.into(),
                    1.into(),
                    72.into(),
                    700.into(),
                ],
            ),
            Operation::new(
                "TJ",
                vec![Object::Array(vec![
                    Object::string_literal("Start"),
                    (-30).into(),
                    Object::string_literal("-up"),
                    (-400).into(),
                    Object::string_literal("grants"),
                ])],
            ),
            Operation::new(
                "Tm",
                vec![
                    1.into(),
                    0.into(),
                    0.into(),
                    1.into(),
                    140.into(),
                    700.into(),
                ],
            ),
            Operation::new("Tj", vec![Object::string_literal("for")]),
            Operation::new("T*", vec![]),
            Operation::new("TL", vec![14.into()]),
            Operation::new("T*", vec![]),
            Operation::new("Tj", vec![Object::string_literal("returnees")]),
            Operation::new("ET", vec![]),
        ];
        let content = doc.add_object(Stream::new(
            dictionary! {},
            Content { operations: ops }.encode().unwrap(),
        ));
        doc.get_object_mut(page)
            .unwrap()
            .as_dict_mut()
            .unwrap()
            .set("Contents", content);
        assert_eq!(
            page_text(&doc, page).unwrap(),
            "Start-up grants for\nreturnees"
        );
    }

    #[test]
    fn text_layer_with_headers_and_page_numbers_dropped() {
        let bytes = pdf(&[
            &[
                "Official Gazette",
                "Article 1",
                "Member States shall provide start-up grants",
                "- 1 -",
            ],
            &[
                "Official Gazette",
                "to eligible returnees.",
                "Article 2",
                "- 2 -",
            ],
            &["Official Gazette", "Loans will be guaranteed.", "Page 3"],
        ]);
        let x = PdfReader.read(&bytes).unwrap();
        assert!(
            !x.text.contains("Gazette") && !x.text.contains("- 1 -") && !x.text.contains("Page 3"),
            "{}",
            x.text
        );
        assert!(
            x.text.contains("start-up grants to eligible returnees."),
            "{}",
            x.text
        );
        assert!(x.text.contains("\nArticle 2\n"), "{}", x.text);
    }

    #[test]
    fn scanned_and_corrupt_pdfs_are_skipped_with_reasons() {
        assert_eq!(
            PdfReader.read(&pdf(&[&[], &[]])).unwrap_err(),
            Skip::NoText("no text layer (scanned PDF?)")
        );
        assert!(matches!(
            PdfReader.read(b"%PDF-1.4\ngarbage").unwrap_err(),
            Skip::Corrupt { format: "pdf", .. }
        ));
        assert!(PdfReader
            .read(b"%PDF-1.4\ngarbage")
            .unwrap_err()
            .to_string()
            .starts_with("corrupt pdf"));
    }

    /// `bytes` (a PDF of [`pdf`]) with page `n` (1-based) naming a parent the file does
    /// not hold, so that its resources cannot be looked up.
    fn with_broken_page(bytes: &[u8], n: u32) -> Vec<u8> {
        let mut doc = Document::load_mem(bytes).unwrap();
        let page = doc.get_pages()[&n];
        doc.get_dictionary_mut(page)
            .unwrap()
            .set("Parent", Object::Reference((99_999, 0)));
        let mut buf = Vec::new();
        doc.save_to(&mut buf).unwrap();
        buf
    }

    #[test]
    fn a_page_that_fails_is_left_out_and_named_the_rest_is_read() {
        let whole = pdf(&[
            &["Article 1", "Member States shall provide grants to small"],
            &["Article 2", "Second page text."],
            &["firms and loans.", "Article 3", "Third page text."],
        ]);
        let x = PdfReader.read(&with_broken_page(&whole, 2)).unwrap();
        assert!(x.text.contains("Article 1") && x.text.contains("Third page text."));
        assert!(!x.text.contains("Second page"), "{}", x.text);
        // the sentence cut by the missing page is not joined across it
        assert!(x.text.contains("small\nfirms"), "{}", x.text);
        let note = x.incomplete.unwrap();
        assert!(
            note.starts_with("1 of 3 PDF pages not read, coded without them (page 2: "),
            "{note}"
        );
        assert_eq!(PdfReader.read(&whole).unwrap().incomplete, None);
        // every page failing: the file is corrupt, not coded empty
        let one = with_broken_page(&pdf(&[&["Only page."]]), 1);
        let err = PdfReader.read(&one).unwrap_err().to_string();
        assert!(
            err.starts_with("corrupt pdf") && err.contains("page 1"),
            "{err}"
        );
        let notes: Vec<(u32, String)> = (1..=7).map(|n| (n, "bad".to_string())).collect();
        assert_eq!(
            failed_pages_note(&notes, 9),
            "7 of 9 PDF pages not read, coded without them (page 1: bad; page 2: bad; page 3: bad; page 4: bad; page 5: bad; and 2 more)"
        );
    }

    #[test]
    fn page_numbers() {
        for l in [
            "— 3 —",
            "- 12 -",
            "第3页",
            "第 3 页 共 10 页",
            "7",
            "Page 4",
        ] {
            assert!(is_page_number(l), "{l}");
        }
        assert!(!is_page_number("第三条 为规范管理"));
    }
}
