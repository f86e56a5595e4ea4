//! The columns of the files the tool writes and reads back (`units.csv`, `documents.csv`), in one place: the
//! writers write these names and the readers look them up, and a codebook may not name a
//! dimension after one of them.

/// The fixed columns of `units.csv`, in order (the codebook's dimensions and carried input
/// columns follow them).
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

/// A fixed column of `units.csv`: readers of the file name columns by these, so that a
/// renamed column is renamed for writer and readers at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum UnitCol {
    DocId,
    UnitId,
    File,
    Level,
    Province,
    Region,
    Year,
    Lang,
    Boilerplate,
    Text,
    Concepts,
    Categories,
    Cores,
    Evidence,
    Kind,
    Role,
    Section,
    Start,
    End,
    Withheld,
}

impl UnitCol {
    /// The column's name in the header.
    pub const fn name(self) -> &'static str {
        UNIT_COLUMNS[self as usize]
    }
}

/// The columns of `documents.csv`, in order: the fields of the writer's
/// `write::tabular::DocRecord` (a test there checks that they agree).
pub const DOC_COLUMNS: [&str; 23] = [
    "file",
    "status",
    "reason",
    "encoding",
    "lang",
    "title",
    "level",
    "province",
    "region",
    "year",
    "units",
    "coded_units",
    "doc_id",
    "province_zh",
    "issuer",
    "doc_number",
    "date",
    "date_original",
    "metadata_sources",
    "metadata_confidence",
    "metadata_candidates",
    "source_url",
    "pkulaw_id",
];

/// A column of `documents.csv`: its readers name columns by these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum DocCol {
    File,
    Status,
    Reason,
    Encoding,
    Lang,
    Title,
    Level,
    Province,
    Region,
    Year,
    Units,
    CodedUnits,
    DocId,
    ProvinceZh,
    Issuer,
    DocNumber,
    Date,
    DateOriginal,
    MetadataSources,
    MetadataConfidence,
    MetadataCandidates,
    SourceUrl,
    PkulawId,
}

impl DocCol {
    /// The column's name in the header.
    pub const fn name(self) -> &'static str {
        DOC_COLUMNS[self as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_enum_follows_the_column_order() {
        assert_eq!(UnitCol::DocId.name(), "doc_id");
        assert_eq!(UnitCol::Categories.name(), "categories");
        assert_eq!(UnitCol::Withheld.name(), "withheld");
        assert_eq!(UnitCol::Withheld as usize + 1, UNIT_COLUMNS.len());
        assert_eq!(DocCol::CodedUnits.name(), "coded_units");
        assert_eq!(DocCol::PkulawId as usize + 1, DOC_COLUMNS.len());
    }
}
