//! Plain text and Markdown.

use super::{Extracted, Reader, Skip};
use crate::util::decode::decode;

/// `.txt` and `.md` files in UTF-8, UTF-16 (with BOM), GB18030/GBK or Big5.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextReader;

impl Reader for TextReader {
    fn extensions(&self) -> &'static [&'static str] {
        &["txt", "md", "markdown", "text"]
    }

    fn read(&self, bytes: &[u8]) -> Result<Extracted, Skip> {
        let d = decode(bytes)?;
        if d.text.trim().is_empty() {
            return Err(Skip::NoText("no text (only whitespace)"));
        }
        Ok(Extracted {
            text: d.text,
            encoding: d.encoding.to_string(),
            hints: Default::default(),
            incomplete: None,
        })
    }
}
