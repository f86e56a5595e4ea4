use super::*;
use std::path::PathBuf;

fn sheet(name: &str, bytes: impl Into<Vec<u8>>) -> Result<SheetReader> {
    SheetReader::from_reader(&PathBuf::from(name), std::io::Cursor::new(bytes.into()))
}

fn rows(r: SheetReader) -> Result<Vec<(usize, Vec<String>)>> {
    r.map(|row| row.map(|r| (r.line, r.cells.iter().map(String::from).collect())))
        .collect()
}

#[test]
fn ragged_rows_name_file_and_line() {
    for text in [
        "id,text\n1,ok\n2,bad,extra\n",
        "id,text\r\n1,ok\r\n2,bad,extra\r\n",
    ] {
        let e = rows(sheet("u.csv", text).unwrap()).unwrap_err().to_string();
        assert_eq!(e, "u.csv:3: row has 3 fields, the header has 2");
    }
    // After a quoted field over two lines, the line an editor shows.
    let e = rows(sheet("u.csv", "id,text\n1,\"a\nb\"\n2\n").unwrap())
        .unwrap_err()
        .to_string();
    assert_eq!(e, "u.csv:4: row has 1 fields, the header has 2");
}

#[test]
fn quoted_multi_line_tsv() {
    let text = "id\ttext\tnote\n1\t\"first line\nsecond\tline, \"\"quoted\"\"\"\tx\n2\tplain \"5\" inch\ty\r\n3\t\"\"\t\n";
    let r = sheet("s.tsv", text).unwrap();
    assert_eq!(r.delimiter(), b'\t');
    assert_eq!(
        rows(r).unwrap(),
        vec![
            (
                2,
                vec![
                    "1".into(),
                    "first line\nsecond\tline, \"quoted\"".into(),
                    "x".into()
                ]
            ),
            (4, vec!["2".into(), "plain \"5\" inch".into(), "y".into()]),
            (5, vec!["3".into(), String::new(), String::new()]),
        ]
    );
    // A tab in the header makes a `.txt` or `.csv` file TSV as well.
    assert_eq!(sheet("s.txt", "a\tb\n1\t2\n").unwrap().delimiter(), b'\t');
    assert_eq!(sheet("s.csv", "a,b\n1,2\n").unwrap().delimiter(), b',');
}

#[test]
fn encodings_utf8_bom_gb18030_utf16() {
    let text = "编号,内容\n1,加大财政支持力度，落实税费减免政策。\n";
    let want = vec![(
        2,
        vec![
            "1".to_string(),
            "加大财政支持力度，落实税费减免政策。".into(),
        ],
    )];
    let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    let gb = encoding_rs::GB18030.encode(text).0.into_owned();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    for (bytes, enc) in [
        (text.as_bytes().to_vec(), "UTF-8"),
        (bom, "UTF-8 (BOM)"),
        (gb, "GB18030"),
        (utf16, "UTF-16LE"),
    ] {
        let r = sheet("z.csv", bytes).unwrap();
        assert_eq!(r.encoding(), enc);
        assert_eq!(r.headers(), ["编号", "内容"], "{enc}");
        assert_eq!(rows(r).unwrap(), want, "{enc}");
    }
}

#[test]
fn a_bad_byte_past_the_head_names_its_line() {
    let mut text = String::from("id,text\n");
    let mut line = 1;
    while text.len() < HEAD + 1000 {
        text.push_str("1,plain ascii text of a row\n");
        line += 1;
    }
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"2,bad \xFF byte\n");
    let e = rows(sheet("big.csv", bytes).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(&format!(
            "big.csv:{}: bytes that are not valid UTF-8",
            line + 1
        )),
        "{e}"
    );
}

#[test]
fn headers_match_by_case_spacing_and_alias() {
    let r = sheet("h.csv", "\u{FEFF} Unit ID ,TEXT,Province\n1,x,henan\n").unwrap();
    assert_eq!(r.headers(), ["Unit ID", "TEXT", "Province"]);
    assert_eq!(r.col(&["unit_id"]), Some(0));
    assert_eq!(r.col(&["id", "unit id"]), Some(0));
    assert_eq!(r.col(&["Text"]), Some(1));
    assert_eq!(r.col(&["level"]), None);
    let whole = r.read_all().unwrap();
    assert_eq!(whole.headers, ["unit id", "text", "province"]);
    assert_eq!(whole.col(&["unit_id"]), Some(0));
}

#[test]
fn missing_columns_and_bad_fields_name_file_line_and_field() {
    let r = sheet("m.csv", "id,body\n1,x\n").unwrap();
    let e = r.require(&["text"], "; choose one with --text-column");
    assert_eq!(
        e.unwrap_err().to_string(),
        "m.csv:1: text: no `text` column (columns: id, body); choose one with --text-column"
    );
    assert_eq!(r.require(&["unit_id", "id"], "").ok(), Some(0));
    let e = r.require(&["unit_id", "key"], "").unwrap_err();
    assert_eq!(
        e.to_string(),
        "m.csv:1: unit_id: no `unit_id` column (or `key`) (columns: id, body)"
    );
    assert_eq!(
        r.field_error(2, 1, "too long").to_string(),
        "m.csv:2: body: too long"
    );
}

#[test]
fn unterminated_quotes_and_empty_files_are_errors() {
    let e = rows(sheet("q.csv", "id,text\n1,ok\n2,\"open\n3,x\n").unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("q.csv:3: a quoted field opens here"), "{e}");
    let e = sheet("q.tsv", "\"id\ttext\n1\tx\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("q.tsv:1: a quoted field opens here"), "{e}");
    let e = sheet("e.csv", "").unwrap_err().to_string();
    assert_eq!(e, "e.csv: empty file");
}

#[test]
fn cr_only_line_ends_are_lines() {
    let r = sheet("cr.csv", "a,b\r1,2\r3,4,5\r").unwrap();
    let e = rows(r).unwrap_err().to_string();
    assert_eq!(e, "cr.csv:3: row has 3 fields, the header has 2");
}

use proptest::prelude::*;

proptest! {
    /// Read in pieces of any size, the source finds the lines and the unclosed quote that
    /// a scan of the whole text finds.
    #[test]
    fn streamed_scan_matches_whole_text(
        text in "[a,\t\"\r\n]{0,40}",
        piece in 4usize..9,
        tab in any::<bool>(),
    ) {
        let delimiter = if tab { b'\t' } else { b',' };
        let bytes = text.as_bytes().to_vec();
        let mut src = Source::new(
            Box::new(std::io::Cursor::new(bytes.clone())),
            encoding_rs::UTF_8,
            "UTF-8",
            delimiter,
        );
        let mut out = Vec::new();
        let mut buf = vec![0u8; piece];
        loop {
            let n = src.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        prop_assert_eq!(&out, &bytes);
        // The whole-text scan counts LF only; a lone CR is a line here (as LineIndex has it).
        let whole = crate::util::csv::unterminated_quote(&bytes, delimiter);
        prop_assert_eq!(src.unterminated.is_some(), whole.is_some());
        if !bytes.contains(&b'\r') {
            prop_assert_eq!(src.unterminated, whole);
        }
        let lines = crate::util::csv::LineIndex::new(&bytes);
        for b in 0..=bytes.len() as u64 {
            prop_assert_eq!(src.line_at(b), lines.line(b));
        }
    }
}
