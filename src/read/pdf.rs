//! PDF text layers (lopdf), with page numbers and running headers/footers dropped and
//! sentences broken across pages joined. A PDF without a text layer is skipped.

use super::{Extracted, Reader};
use std::collections::HashMap;

/// `.pdf` documents.
#[derive(Debug, Clone, Copy, Default)]
pub struct PdfReader;

impl Reader for PdfReader {
    fn extensions(&self) -> &'static [&'static str] {
        &["pdf"]
    }

    fn read(&self, bytes: &[u8]) -> Result<Extracted, String> {
        // A malformed PDF must not take the batch down, even if the parser panics.
        let pages = std::panic::catch_unwind(|| -> Result<Vec<String>, String> {
            let doc = lopdf::Document::load_mem(bytes).map_err(|e| format!("corrupt pdf ({e})"))?;
            if doc.is_encrypted() {
                return Err("encrypted pdf".into());
            }
            Ok(doc
                .get_pages()
                .keys()
                .map(|&n| doc.extract_text(&[n]).unwrap_or_default())
                .collect())
        })
        .map_err(|_| "corrupt pdf (the parser failed)".to_string())??;
        let text = clean_pages(&pages);
        if text.trim().is_empty() {
            return Err("no text layer (scanned PDF?)".into());
        }
        Ok(Extracted {
            text,
            encoding: "pdf".into(),
            hints: Default::default(),
        })
    }
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

/// Joins pages: drops page numbers and lines repeated at the top or bottom of most pages,
/// and joins a sentence that runs over a page break.
pub fn clean_pages(pages: &[String]) -> String {
    let lines: Vec<Vec<String>> = pages
        .iter()
        .map(|p| {
            p.lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty() && !is_page_number(l))
                .collect()
        })
        .collect();
    // Lines among the first or last two of a page, counted once per page.
    let mut edge_counts: HashMap<&str, usize> = HashMap::new();
    for p in &lines {
        let edges: std::collections::BTreeSet<&str> = p
            .iter()
            .take(2)
            .chain(p.iter().rev().take(2))
            .map(String::as_str)
            .collect();
        for l in edges {
            *edge_counts.entry(l).or_default() += 1;
        }
    }
    let running =
        |l: &str| lines.len() >= 3 && edge_counts.get(l).copied().unwrap_or(0) * 2 > lines.len();
    let kept: Vec<&str> = lines
        .iter()
        .flatten()
        .map(String::as_str)
        .filter(|l| !running(l))
        .collect();
    // A line that reaches (nearly) the right margin and does not end a sentence was wrapped
    // by the layout, within a page or across a page break: join it to the next.
    let widest = kept.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (i, l) in kept.iter().enumerate() {
        out.push_str(l);
        let ends_sentence = l.chars().last().is_some_and(|c| {
            matches!(
                c,
                '。' | '；' | '：' | '！' | '？' | '.' | ';' | ':' | '!' | '?' | '）' | ')' | '”'
            )
        });
        let wrapped = !ends_sentence && l.chars().count() * 4 >= widest * 3 && i + 1 < kept.len();
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

    /// A PDF with one page per entry, each a list of lines in Helvetica (ASCII text).
    pub fn pdf(pages: &[&[&str]]) -> Vec<u8> {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font_id = doc.add_object(
            dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
        );
        let resources_id =
            doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
        let mut kids = Vec::new();
        for lines in pages {
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
            "no text layer (scanned PDF?)"
        );
        assert!(PdfReader
            .read(b"%PDF-1.4\ngarbage")
            .unwrap_err()
            .starts_with("corrupt pdf"));
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
