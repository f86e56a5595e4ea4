//! Government portal pages (`.html`, `.htm`): the article body, without scripts, styles
//! and navigation; `<meta>` title and publish date as metadata hints.

use super::html_flat::{BLOCK, SKIP};
use super::{Extracted, Reader, Skip};
use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node, Selector};

/// HTML pages.
#[derive(Debug, Clone, Copy, Default)]
pub struct HtmlReader;

/// Containers that portals use for the article body, tried before the largest text block.
const BODY_SELECTORS: &str = "#zoom, .zoom, .TRS_Editor, .TRS_UEDITOR, #UCAP-CONTENT, .pages_content, .article-content, #article, .article, article, #content, .content, #con, .con";

impl Reader for HtmlReader {
    fn extensions(&self) -> &'static [&'static str] {
        &["html", "htm", "shtml", "xhtml"]
    }

    fn read(&self, bytes: &[u8]) -> Result<Extracted, Skip> {
        let decoded = crate::util::decode::decode(bytes)?;
        // The tree builder's work grows with the square of the nesting: a page nested past
        // the budget is read as flat text by the tokenizer's linear pass.
        let scan = super::html_flat::scan(&decoded.text);
        if scan.cost > super::html_flat::TREE_BUDGET {
            return flat(scan, decoded.encoding);
        }
        let doc = Html::parse_document(&decoded.text);
        let sel = |s: &str| {
            Selector::parse(s).map_err(|e| Skip::Other(format!("internal selector error: {e}")))
        };
        let meta = |names: &[&str]| -> Option<String> {
            let s = sel("meta").ok()?;
            doc.select(&s).find_map(|m| {
                let v = m.value();
                let name = v
                    .attr("name")
                    .or_else(|| v.attr("property"))
                    .unwrap_or("")
                    .to_lowercase();
                names
                    .contains(&name.as_str())
                    .then(|| v.attr("content").unwrap_or("").trim().to_string())
                    .filter(|c| !c.is_empty())
            })
        };
        let title = meta(&["articletitle", "og:title", "title"]).or_else(|| {
            let s = sel("title").ok()?;
            doc.select(&s)
                .next()
                .map(|t| t.text().collect::<String>().trim().to_string())
                .filter(|t| !t.is_empty())
        });
        let date = meta(&[
            "pubdate",
            "publishdate",
            "firstpublishedtime",
            "article:published_time",
            "date",
        ]);
        let candidates = sel(BODY_SELECTORS)?;
        let body = doc
            .select(&candidates)
            .map(|e| block_text(e))
            .max_by_key(|t| t.chars().filter(|c| !c.is_whitespace()).count())
            .filter(|t| t.chars().filter(|c| !c.is_whitespace()).count() >= 20)
            .or_else(|| doc.select(&sel("body").ok()?).next().map(block_text))
            .unwrap_or_default();
        let text = tidy(&body);
        if text.is_empty() {
            return Err(Skip::NoText("no text in the page"));
        }
        let mut hints = std::collections::BTreeMap::new();
        if let Some(t) = title {
            hints.insert("title".to_string(), t);
        }
        if let Some(d) = date {
            hints.insert("date".to_string(), d);
        }
        Ok(Extracted {
            text,
            encoding: format!("html ({})", decoded.encoding),
            hints,
            incomplete: None,
        })
    }
}

/// A page too deeply nested for the tree, from its flat scan: all the text outside
/// scripts, navigation and the head (no article container is looked for), and the same
/// `<meta>` hints; `documents.csv`'s `encoding` says how it was read.
fn flat(scan: super::html_flat::Scan, encoding: &str) -> Result<Extracted, Skip> {
    let text = tidy(&scan.text);
    if text.is_empty() {
        return Err(Skip::NoText("no text in the page"));
    }
    let meta = |names: &[&str]| {
        scan.meta.iter().find_map(|(n, c)| {
            names
                .contains(&n.as_str())
                .then(|| c.trim().to_string())
                .filter(|c| !c.is_empty())
        })
    };
    let mut hints = std::collections::BTreeMap::new();
    let title = meta(&["articletitle", "og:title", "title"])
        .or_else(|| scan.title.clone().filter(|t| !t.is_empty()));
    if let Some(t) = title {
        hints.insert("title".to_string(), t);
    }
    if let Some(d) = meta(&[
        "pubdate",
        "publishdate",
        "firstpublishedtime",
        "article:published_time",
        "date",
    ]) {
        hints.insert("date".to_string(), d);
    }
    Ok(Extracted {
        text,
        encoding: format!(
            "html ({encoding}; nested {} deep, read as flat text)",
            scan.max_depth
        ),
        hints,
        incomplete: None,
    })
}

/// Text of an element with line breaks at block elements, skipping scripts and navigation.
/// A loop over open and close events, not recursion: a page nested a hundred thousand
/// deep would overflow a worker thread's stack.
fn block_text(root: ElementRef) -> String {
    let mut out = String::new();
    // The skipped element being walked through, if any.
    let mut skipping = None;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) if skipping.is_none() && node.id() != root.id() => {
                match node.value() {
                    Node::Text(t) => out.push_str(t),
                    Node::Element(e) if SKIP.contains(&e.name()) => skipping = Some(node.id()),
                    Node::Element(e) if BLOCK.contains(&e.name()) => out.push('\n'),
                    _ => {}
                }
            }
            Edge::Close(node) if skipping.is_none() && node.id() != root.id() => {
                if let Node::Element(e) = node.value() {
                    let name = e.name();
                    if BLOCK.contains(&name) {
                        out.push('\n');
                    } else if name == "td" || name == "th" {
                        out.push('\t');
                    }
                }
            }
            Edge::Close(node) if skipping == Some(node.id()) => skipping = None,
            _ => {}
        }
    }
    out
}

/// One line per paragraph: collapses runs of spaces, drops empty lines.
fn tidy(s: &str) -> String {
    let mut out = String::new();
    for line in s.lines() {
        let l: String = line
            .split([' ', '\u{a0}'])
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let l = l.trim_matches(|c: char| c.is_whitespace());
        if !l.is_empty() {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<html><head><title>门户网站</title><meta name="ArticleTitle" content="关于支持返乡创业的通知"><meta name="PubDate" content="2016-04-06 10:00"><script>var x = "不要";</script></head>
<body><div class="nav">首页 &gt; 政策文件</div><nav>导航栏</nav>
<div id="zoom"><p>各市（州）人民政府：</p><p>一、加大财政支持，对返乡创业给予补贴。</p><table><tr><td>项目</td><td>金额</td></tr></table><style>p{}</style></div>
<footer>版权所有</footer></body></html>"#;

    #[test]
    fn article_body_and_meta() {
        let x = HtmlReader.read(PAGE.as_bytes()).unwrap();
        assert_eq!(
            x.text,
            "各市（州）人民政府：\n一、加大财政支持，对返乡创业给予补贴。\n项目\t金额\n"
        );
        assert_eq!(x.hints["title"], "关于支持返乡创业的通知");
        assert_eq!(x.hints["date"], "2016-04-06 10:00");
        assert!(x.encoding.starts_with("html"));
    }

    #[test]
    fn pages_without_a_known_container_use_the_body() {
        let x = HtmlReader
            .read(
                "<html><body><p>落实税费减免政策。</p><script>x</script></body></html>".as_bytes(),
            )
            .unwrap();
        assert_eq!(x.text, "落实税费减免政策。\n");
        assert!(HtmlReader
            .read(b"<html><body><script>x</script></body></html>")
            .is_err());
    }

    #[test]
    fn deeply_nested_pages_do_not_overflow_the_stack() {
        // A recursive walk aborted the whole run on a page nested 100,000 deep; here a
        // smaller page on a thread with a small stack, to keep the test fast.
        let depth = 20_000;
        let page = format!(
            "<html><body>{}落实税费减免政策。<script>不要</script>{}</body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let x = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || HtmlReader.read(page.as_bytes()))
            .unwrap()
            .join()
            .unwrap()
            .unwrap();
        assert_eq!(x.text, "落实税费减免政策。\n");
    }

    #[test]
    fn pages_nested_past_the_budget_are_read_flat_in_linear_time() {
        // 200,000 deep took minutes in the tree builder; the flat pass reads it at once.
        let depth = 200_000;
        let page = format!(
            "<html><head><meta name=\"ArticleTitle\" content=\"关于减税的通知\"></head><body><nav>导航</nav>{}落实税费减免政策。<script>不要</script>{}</body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let t = std::time::Instant::now();
        let x = HtmlReader.read(page.as_bytes()).unwrap();
        assert!(t.elapsed().as_secs() < 10, "{:?}", t.elapsed());
        assert_eq!(x.text, "落实税费减免政策。\n");
        assert_eq!(x.hints["title"], "关于减税的通知");
        assert!(x.encoding.contains("read as flat text"), "{}", x.encoding);
        // The ordinary page stays under the budget and is read through the tree.
        let cost = crate::read::html_flat::scan(PAGE).cost;
        assert!(cost < 100, "{cost}");
        assert!(!HtmlReader
            .read(PAGE.as_bytes())
            .unwrap()
            .encoding
            .contains("flat"));
    }
}
