//! The columns of the files the tool writes and reads back (`units.csv`), in one place: the
//! writers write these names and the readers look them up, and a codebook may not name a
//! dimension after one of them.

/// The fixed columns of `units.csv`, in order.
pub const UNIT_COLUMNS: [&str; 20] = [
    "doc_id",
    "unit_id",
    "file",
    "level",
    "province",
    "region",
    "year",
    "lang",
    "boilerplate",
    "text",
    "concepts",
    "categories",
    "cores",
    "evidence",
    "kind",
    "role",
    "section",
    "start",
    "end",
    "withheld",
];
