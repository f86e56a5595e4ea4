//! A linear pass over an HTML page with html5ever's tokenizer alone: an estimate of the
//! work its tree builder would do, and the page's text read without the tree.
//!
//! The HTML5 tree builder checks "is there a `<p>` in button scope?" at every start tag
//! by walking the stack of open elements, so a page nested 200,000 deep (`<div>` ×
//! 200,000) takes minutes. The estimate sums, over start tags, how many elements are
//! open at that point; past [`TREE_BUDGET`] the page is read as flat text instead of
//! through the tree, in time linear in its length.

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::TokenizerResult;
use std::cell::RefCell;
use std::collections::HashMap;

/// Elements whose text is never page text.
pub(super) const SKIP: &[&str] = &[
    "script", "style", "nav", "header", "footer", "noscript", "iframe", "form", "select", "button",
];
/// Elements that end a line of text.
pub(super) const BLOCK: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "section",
    "article",
    "blockquote",
    "pre",
];

/// Largest estimated tree-building work (element-stack steps) for which a page is parsed
/// into a tree: about a tenth of a second. A real portal page, nested some tens deep,
/// costs well under a million (the sample page about a thousand); a page nested 10,000
/// deep costs 50 million.
pub const TREE_BUDGET: u64 = 50_000_000;

/// Elements that never hold content.
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr",
];
/// Elements whose end tag may be left out: the tree builder closes them when a sibling
/// opens, so they do not deepen the page (counting them would misjudge pages that never
/// close their `<p>` or `<li>`).
const IMPLIED_END: &[&str] = &[
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "tbody", "thead", "tfoot",
    "colgroup", "caption", "rb", "rt", "rp", "rtc", "html", "head", "body",
];

/// What one pass over a page found.
#[derive(Debug, Default)]
pub struct Scan {
    /// Estimated tree-building work (see [`TREE_BUDGET`]).
    pub cost: u64,
    /// Deepest nesting of elements seen.
    pub max_depth: usize,
    /// The page's text outside scripts, styles, navigation and the head, with a line break
    /// at every block element and a tab after every table cell.
    pub text: String,
    /// `<meta name|property=… content=…>` pairs in page order, names lower-cased.
    pub meta: Vec<(String, String)>,
    /// The first `<title>`'s text.
    pub title: Option<String>,
}

#[derive(Default)]
struct State {
    scan: Scan,
    /// Open elements that deepen the tree, and how many of each name are open.
    open: Vec<String>,
    counts: HashMap<String, usize>,
    /// Open `<svg>`/`<math>`: inside them a self-closing tag opens nothing.
    foreign: usize,
    /// Open skipped elements (scripts, navigation); text inside them is not kept.
    skip: usize,
    in_head: bool,
    in_title: bool,
}

struct Sink(RefCell<State>);

impl State {
    fn start(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        let depth = self.open.len();
        self.scan.cost = self.scan.cost.saturating_add(depth as u64);
        let closed = VOID.contains(&name)
            || IMPLIED_END.contains(&name)
            || (tag.self_closing && self.foreign > 0);
        let opens = !closed;
        if opens {
            self.open.push(name.to_string());
            *self.counts.entry(name.to_string()).or_default() += 1;
            self.scan.max_depth = self.scan.max_depth.max(self.open.len());
            if name == "svg" || name == "math" {
                self.foreign += 1;
            }
        }
        match name {
            "head" => self.in_head = true,
            "body" => self.in_head = false,
            "meta" => self.meta(tag),
            _ => {}
        }
        let skipped = SKIP.contains(&name);
        if skipped && !tag.self_closing {
            self.skip += 1;
        }
        if self.keeps_text() && BLOCK.contains(&name) {
            self.scan.text.push('\n');
        }
        match name {
            "script" => TokenSinkResult::RawData(RawKind::ScriptData),
            "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => {
                TokenSinkResult::RawData(RawKind::Rawtext)
            }
            "title" => {
                self.in_title = self.scan.title.is_none();
                TokenSinkResult::RawData(RawKind::Rcdata)
            }
            "textarea" => TokenSinkResult::RawData(RawKind::Rcdata),
            "plaintext" => TokenSinkResult::Plaintext,
            _ => TokenSinkResult::Continue,
        }
    }

    fn end(&mut self, tag: &Tag) {
        let name: &str = &tag.name;
        if self.counts.get(name).is_some_and(|&n| n > 0) {
            // Closes it and whatever was left open inside it; each element is popped once,
            // so the pass stays linear.
            while let Some(top) = self.open.pop() {
                if let Some(n) = self.counts.get_mut(&top) {
                    *n -= 1;
                }
                if top == "svg" || top == "math" {
                    self.foreign = self.foreign.saturating_sub(1);
                }
                if top == name {
                    break;
                }
            }
        }
        match name {
            "head" => self.in_head = false,
            "title" => {
                if self.in_title {
                    let t = self.scan.title.get_or_insert_with(String::new);
                    *t = t.trim().to_string();
                }
                self.in_title = false;
            }
            _ => {}
        }
        if SKIP.contains(&name) {
            self.skip = self.skip.saturating_sub(1);
            return;
        }
        if self.keeps_text() {
            if BLOCK.contains(&name) {
                self.scan.text.push('\n');
            } else if name == "td" || name == "th" {
                self.scan.text.push('\t');
            }
        }
    }

    fn meta(&mut self, tag: &Tag) {
        let attr = |n: &str| {
            tag.attrs
                .iter()
                .find(|a| &*a.name.local == n)
                .map(|a| a.value.to_string())
        };
        let name = attr("name")
            .or_else(|| attr("property"))
            .unwrap_or_default();
        self.scan
            .meta
            .push((name.to_lowercase(), attr("content").unwrap_or_default()));
    }

    fn keeps_text(&self) -> bool {
        self.skip == 0 && !self.in_head
    }

    fn chars(&mut self, s: &str) {
        if self.in_title {
            self.scan.title.get_or_insert_with(String::new).push_str(s);
        } else if self.keeps_text() {
            self.scan.text.push_str(s);
        }
    }
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut st = self.0.borrow_mut();
        match token {
            Token::TagToken(tag) => match tag.kind {
                TagKind::StartTag => return st.start(&tag),
                TagKind::EndTag => st.end(&tag),
            },
            Token::CharacterTokens(t) => st.chars(&t),
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// One pass over `page` with the tokenizer: linear in its length whatever its nesting.
pub fn scan(page: &str) -> Scan {
    let tok = Tokenizer::new(Sink(RefCell::default()), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(page));
    while let TokenizerResult::Script(()) = tok.feed(&input) {}
    tok.end();
    let state = tok.sink.0.take();
    state.scan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_is_estimated_as_the_tree_builder_would_see_it() {
        let flat = scan("<p>一<p>二<ul><li>三<li>四</ul><br><img src=x><div>五</div>");
        assert_eq!(flat.max_depth, 1);
        let n = 1_000;
        let deep = scan(&format!("{}x{}", "<div>".repeat(n), "</div>".repeat(n)));
        assert_eq!(deep.max_depth, n);
        assert_eq!(deep.cost, (n * (n - 1) / 2) as u64);
        // Self-closing tags inside inline SVG open nothing; elsewhere `<div/>` is `<div>`.
        let svg = scan(&format!("<svg>{}</svg>", "<path d=\"M0\"/>".repeat(n)));
        assert_eq!(svg.max_depth, 1);
        assert_eq!(scan(&"<div/>".repeat(10)).max_depth, 10);
        // An end tag closes what was left open inside it.
        let unclosed = scan(&format!("<div>{}</div><div></div>", "<span>".repeat(50)));
        assert_eq!(unclosed.max_depth, 51);
        assert_eq!(unclosed.cost, (0..51).sum::<u64>());
    }

    #[test]
    fn flat_text_skips_scripts_navigation_and_the_head() {
        let s = scan(
            "<html><head><title> 标题 </title><meta name=\"PubDate\" content=\"2016-04-06\"><style>p{}</style></head>\
             <body><nav>导航</nav><script>if (a<b) { x = '</div>'; }</script><p>一、加大支持。<table><tr><td>项目</td><td>金额</td></tr></table></body></html>",
        );
        assert_eq!(s.title.as_deref(), Some("标题"));
        assert_eq!(s.meta, vec![("pubdate".into(), "2016-04-06".into())]);
        let lines: Vec<&str> = s.text.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines, vec!["一、加大支持。", "项目\t金额\t"]);
    }
}
