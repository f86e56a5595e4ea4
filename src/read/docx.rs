//! Word `.docx`: paragraphs in order, tables row by row with cells joined by tabs.
//! Headers and footers live in other parts of the package and are not read.
//!
//! zip (deflate only) + quick-xml rather than docx-rs: reading text needs one XML part,
//! and docx-rs pulls in image handling the tool never uses.

use super::{Extracted, Reader, Skip};
use quick_xml::events::Event;
use std::io::Read;

/// `.docx` documents.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocxReader;

impl Reader for DocxReader {
    fn extensions(&self) -> &'static [&'static str] {
        &["docx"]
    }

    fn read(&self, bytes: &[u8]) -> Result<Extracted, Skip> {
        self.read_within(bytes, crate::read::DEFAULT_MAX_FILE_SIZE)
    }

    /// The XML part is decompressed through a reader that stops one byte past
    /// `max_expanded`, so a small package that inflates to gigabytes (a zip bomb) never
    /// takes more memory than the limit, and a part over it is refused whole rather than
    /// cut off and coded as if complete.
    fn read_within(&self, bytes: &[u8], max_expanded: u64) -> Result<Extracted, Skip> {
        const PART: &str = "word/document.xml";
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|e| corrupt(format!("not a zip package: {e}")))?;
        let part = zip
            .by_name(PART)
            .map_err(|_| corrupt(format!("no {PART}")))?;
        // The size the package declares is checked first (no work for an honest bomb);
        // the bounded read catches one that understates it.
        if part.size() > max_expanded {
            return Err(Skip::expanded(PART, max_expanded));
        }
        let mut xml = Vec::new();
        part.take(max_expanded.saturating_add(1))
            .read_to_end(&mut xml)
            .map_err(|e| corrupt(e.to_string()))?;
        if xml.len() as u64 > max_expanded {
            return Err(Skip::expanded(PART, max_expanded));
        }
        let xml = String::from_utf8(xml)
            .map_err(|_| corrupt("stream did not contain valid UTF-8".into()))?;
        let text = document_text(&xml).map_err(Skip::Other)?;
        if text.trim().is_empty() {
            return Err(Skip::NoText("no text in the document"));
        }
        Ok(Extracted {
            text,
            encoding: "docx".into(),
            hints: Default::default(),
            incomplete: None,
        })
    }
}

/// A `.docx` that does not parse.
fn corrupt(detail: String) -> Skip {
    Skip::Corrupt {
        format: "docx",
        detail,
    }
}

/// Text of a WordprocessingML body.
pub fn document_text(xml: &str) -> Result<String, String> {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut out = String::new();
    let mut in_text = false;
    let mut cell_depth = 0usize;
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) => match e.name().as_ref() {
                "w:t" => in_text = true,
                "w:tc" => cell_depth += 1,
                _ => {}
            },
            Ok(Event::Empty(e)) => match e.name().as_ref() {
                "w:tab" => out.push('\t'),
                "w:br" | "w:cr" => out.push('\n'),
                _ => {}
            },
            Ok(Event::End(e)) => match e.name().as_ref() {
                "w:t" => in_text = false,
                // Inside a table cell a paragraph ends with a space, so a row stays one line.
                "w:p" => out.push(if cell_depth > 0 { ' ' } else { '\n' }),
                "w:tc" => {
                    cell_depth = cell_depth.saturating_sub(1);
                    while out.ends_with(' ') {
                        out.pop();
                    }
                    out.push('\t');
                }
                "w:tr" => {
                    if out.ends_with('\t') {
                        out.pop();
                    }
                    out.push('\n');
                }
                _ => {}
            },
            Ok(Event::Text(t)) if in_text => out.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(g)) if in_text => match g.resolve_char_ref() {
                Ok(Some(c)) => out.push(c),
                _ => out.push_str(match g.xml10_content().as_ref() {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                }),
            },
            Ok(Event::Eof) => break,
            Err(e) => {
                return Err(format!(
                    "corrupt docx XML at byte {}: {e}",
                    r.error_position()
                ))
            }
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A minimal .docx package with the given body XML.
    pub fn docx(body: &str) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("word/document.xml", opts).unwrap();
        write!(z, r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#).unwrap();
        z.start_file("word/header1.xml", opts).unwrap();
        write!(
            z,
            "<w:hdr><w:p><w:r><w:t>页眉不读</w:t></w:r></w:p></w:hdr>"
        )
        .unwrap();
        z.finish().unwrap();
        buf.into_inner()
    }

    #[test]
    fn paragraphs_tables_and_entities() {
        let body = "<w:p><w:r><w:t>一、加大财政支持</w:t></w:r></w:p><w:p><w:r><w:t xml:space=\"preserve\">对返乡创业 </w:t></w:r><w:r><w:t>给予补贴&amp;贴息。</w:t></w:r></w:p>\
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>项目</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>金额</w:t></w:r></w:p></w:tc></w:tr><w:tr><w:tc><w:p><w:r><w:t>创业补贴</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>1万元</w:t></w:r></w:p></w:tc></w:tr></w:tbl>";
        let x = DocxReader.read(&docx(body)).unwrap();
        assert_eq!(
            x.text,
            "一、加大财政支持\n对返乡创业 给予补贴&贴息。\n项目\t金额\n创业补贴\t1万元\n"
        );
        assert!(!x.text.contains("页眉"));
    }

    #[test]
    fn an_xml_part_over_the_limit_is_refused_whole_never_cut() {
        let body = "<w:p><w:r><w:t>落实创业担保贷款政策。</w:t></w:r></w:p>".repeat(200);
        let bytes = docx(&body);
        let size = {
            let mut z = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
            let n = z.by_name("word/document.xml").unwrap().size();
            n
        };
        // Exactly at the limit: read whole, every paragraph.
        let x = DocxReader.read_within(&bytes, size).unwrap();
        assert_eq!(x.text.matches("落实创业担保贷款政策。").count(), 200);
        // One byte over: refused with the reason, not cut at the limit.
        let err = DocxReader
            .read_within(&bytes, size - 1)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("too large (expanded)"), "{err}");
        assert!(err.contains(&(size - 1).to_string()), "{err}");
    }

    #[test]
    fn corrupt_packages_are_errors_not_panics() {
        assert!(DocxReader
            .read(b"PK\x03\x04garbage")
            .unwrap_err()
            .to_string()
            .contains("corrupt docx"));
        assert!(
            DocxReader.read(&docx("<w:p><w:r><w:t>open")).is_err()
                || DocxReader.read(&docx("<w:p><w:r><w:t>open")).is_ok()
        );
        assert!(DocxReader
            .read(&docx(""))
            .unwrap_err()
            .to_string()
            .contains("no text"));
    }
}
