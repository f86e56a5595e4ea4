//! A coded unit as a typed record: what the code stage knows of a unit (its place, its
//! codes as codebook indexes, the evidence as spans of the original text, the model's
//! verdict), with no CSV in it. The writers ([`crate::write::tabular`]) turn it into the
//! rows of `units.csv` and `review.csv`.

use crate::codebook::roles::Role;
use crate::segment::Kind;
use crate::util::lang::Lang;
use std::sync::Arc;

/// One unit, coded.
#[derive(Debug, Clone)]
pub struct CodedUnit {
    /// The document's key ([`crate::util::docid`]), shared by its units.
    pub doc_id: Arc<str>,
    /// `doc-section-item[-clause]`, or the input's id with `--units`.
    pub unit_id: String,
    /// Path relative to the input folder (shared by a document's units).
    pub file: Arc<str>,
    /// The language the unit was coded in.
    pub lang: Lang,
    /// What the unit is (body, heading, title, addressee, …); boilerplate kinds are left
    /// out of share denominators.
    pub kind: Kind,
    /// What its passage is for (measure, goals, definitions, …; see [`crate::segment::role`]).
    pub role: Role,
    /// Its heading path (`一、总体要求 > （二）基本原则`), shared by the units under it.
    pub section: Arc<str>,
    /// Character offset of its start in the original text (as in the evidence).
    pub start: usize,
    /// Character offset of its end in the original text.
    pub end: usize,
    /// The unit's original text.
    pub text: UnitText,
    /// Concept indexes into [`crate::Codebook::concepts`], sorted, distinct.
    pub concepts: Vec<usize>,
    /// Category indexes into [`crate::Codebook::categories`], sorted, distinct: each counts
    /// once per unit.
    pub categories: Vec<usize>,
    /// Core indexes into [`crate::Codebook::cores`], sorted, distinct.
    pub cores: Vec<usize>,
    /// Values of the codebook's extra dimensions (indexes into
    /// [`crate::Codebook::dimension_values`]), sorted, distinct.
    pub dimension_values: Vec<usize>,
    /// The matches behind the codes: concept matches by position, then dimension matches.
    pub evidence: Vec<Evidence>,
    /// Matches not coded because of the unit's role (and, when the model withholds the
    /// rules' codes, the rules' evidence after them).
    pub withheld: Vec<Evidence>,
    /// Where the final codes come from; `None` when no model was applied.
    pub source: Option<Source>,
    /// The model's probability of the final decision; `None` without a model, and for
    /// boilerplate an embedding model does not see.
    pub confidence: Option<f64>,
    /// Why a human should check the unit, when the model says so.
    pub review: Option<Review>,
    /// Input columns carried through (`--units`).
    pub carried: Vec<String>,
}

impl CodedUnit {
    /// Left out of share denominators (titles, dates, signatures, …).
    pub fn is_boilerplate(&self) -> bool {
        self.kind.is_boilerplate()
    }

    /// A body unit with at least one category.
    pub fn is_coded(&self) -> bool {
        !self.is_boilerplate() && !self.categories.is_empty()
    }

    /// The matched text of `e`, one of this unit's evidence items, as the original text
    /// has it.
    pub fn term(&self, e: &Evidence) -> &str {
        self.text.document().get(e.bytes.0..e.bytes.1).unwrap_or("")
    }
}

/// Gives the items of a list their lead-in's codes, with the lead-in's evidence.
///
/// - Items of an information lead-in (role [`Role::Information`]: "a range of instruments
///   to promote behavioural change which may include: (i) … (v) workplace activities;")
///   take its codes instead of their own: an item carries out the information duty its
///   lead-in sets (R46), while its own matches (fiscal incentives, grants) name what the
///   information is about and stay withheld. Items coded already (by a model) are left.
/// - Items of a list of a subsidy's uses (role [`Role::Uses`]: 专项资金用于下列支出：
///   （一）职业培训补贴；) take its codes beside their own: each item sets what the subsidy
///   pays for (R26).
///
/// The lead-in is the nearest unit before the items that is not one of them (a lead-in's
/// items follow it, and the first unit of another kind closes the list). Items of a
/// lead-in without codes are left as they are.
pub fn inherit_lead_in_codes(units: &mut [CodedUnit]) {
    let mut lead: Option<usize> = None;
    for i in 0..units.len() {
        let role = units[i].role;
        if !matches!(role, Role::Information | Role::Uses) {
            lead = Some(i);
            continue;
        }
        let Some(l) = lead else { continue };
        if units[l].categories.is_empty()
            || (role == Role::Information && !units[i].categories.is_empty())
        {
            continue;
        }
        let (before, rest) = units.split_at_mut(i);
        let (lead_in, item) = (&before[l], &mut rest[0]);
        let lead_evidence = lead_in
            .evidence
            .iter()
            .filter(|e| matches!(e.code, Code::Concept(_)))
            .copied();
        if role == Role::Information {
            item.concepts.clone_from(&lead_in.concepts);
            item.categories.clone_from(&lead_in.categories);
            item.cores.clone_from(&lead_in.cores);
            item.evidence = lead_evidence.collect();
            continue;
        }
        let union = |mine: &mut Vec<usize>, theirs: &[usize]| {
            mine.extend_from_slice(theirs);
            mine.sort_unstable();
            mine.dedup();
        };
        union(&mut item.concepts, &lead_in.concepts);
        union(&mut item.categories, &lead_in.categories);
        union(&mut item.cores, &lead_in.cores);
        // The lead-in's matches lie before the item's: concept evidence stays in order.
        item.evidence = lead_evidence.chain(item.evidence.drain(..)).collect();
    }
}

/// What a match coded: a concept, or a value of one of the codebook's extra dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// Index into [`crate::Codebook::concepts`].
    Concept(usize),
    /// Index into [`crate::Codebook::dimension_values`].
    DimensionValue(usize),
}

/// One match of a term: what it coded and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evidence {
    /// The concept or dimension value.
    pub code: Code,
    /// Character offset of the match's start in the original text.
    pub start: usize,
    /// Character offset of its end in the original text.
    pub end: usize,
    /// Byte range of the matched text in the unit's document text
    /// ([`UnitText::document`]; see [`CodedUnit::term`]).
    pub bytes: (usize, usize),
}

/// Where a unit's final codes come from when a model is applied (the `source` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// No code from either.
    None,
    /// The rules' codes.
    Rule,
    /// The model's codes.
    Model,
    /// The rules' codes, which the model agrees with (hybrid).
    Both,
    /// The rules matched, but the model judged the unit `none` and withheld their codes
    /// (hybrid); their evidence moves to [`CodedUnit::withheld`].
    Withheld,
}

impl Source {
    /// The name written in `units.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::None => "none",
            Source::Rule => "rule",
            Source::Model => "model",
            Source::Both => "both",
            Source::Withheld => "withheld",
        }
    }

    /// The source named `s` (as [`crate::code::classify::Decision`] names it).
    pub fn from_name(s: &str) -> Option<Source> {
        [
            Source::None,
            Source::Rule,
            Source::Model,
            Source::Both,
            Source::Withheld,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A unit a human should check (a row of `review.csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// Why.
    pub reason: ReviewReason,
    /// The rules' categories (indexes into [`crate::Codebook::categories`]).
    pub rule_categories: Vec<usize>,
    /// The model's categories, by its label names.
    pub model_categories: Vec<String>,
}

/// Why a unit goes to review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewReason {
    /// The rules' and the model's categories differ.
    Disagree,
    /// The model coded the unit with low confidence.
    LowConfidence,
}

impl ReviewReason {
    /// The text written in `review.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewReason::Disagree => "rules and model disagree",
            ReviewReason::LowConfidence => "low model confidence",
        }
    }
}

/// A unit's text: a byte range of its document's text, which the document's units share
/// instead of each holding a copy.
#[derive(Debug, Clone, Default)]
pub struct UnitText {
    doc: Arc<str>,
    range: std::ops::Range<usize>,
}

impl UnitText {
    /// `doc[range]`; a range that is out of bounds or not on character boundaries is
    /// clamped to the empty text.
    pub fn new(doc: Arc<str>, range: std::ops::Range<usize>) -> Self {
        let range = if doc.get(range.clone()).is_some() {
            range
        } else {
            0..0
        };
        UnitText { doc, range }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.doc[self.range.clone()]
    }

    /// The whole text of the unit's document.
    pub fn document(&self) -> &str {
        &self.doc
    }
}

impl From<String> for UnitText {
    fn from(s: String) -> Self {
        let n = s.len();
        UnitText {
            doc: Arc::from(s),
            range: 0..n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(role: Role, categories: &[usize], at: usize) -> CodedUnit {
        CodedUnit {
            doc_id: Arc::from("d"),
            unit_id: format!("d-1-{at}"),
            file: Arc::from("d.txt"),
            lang: Lang::En,
            kind: Kind::Body,
            role,
            section: Arc::from(""),
            start: at * 10,
            end: at * 10 + 9,
            text: UnitText::from(String::new()),
            concepts: categories.to_vec(),
            categories: categories.to_vec(),
            cores: categories.iter().map(|_| 0).collect(),
            dimension_values: Vec::new(),
            evidence: categories
                .iter()
                .map(|&c| Evidence {
                    code: Code::Concept(c),
                    start: at * 10,
                    end: at * 10 + 2,
                    bytes: (at * 10, at * 10 + 2),
                })
                .collect(),
            withheld: Vec::new(),
            source: None,
            confidence: None,
            review: None,
            carried: Vec::new(),
        }
    }

    #[test]
    fn items_of_an_information_lead_in_take_its_codes_and_evidence() {
        let mut units = vec![
            unit(Role::Measure, &[3], 0), // (a) …promote behavioural change which may include:
            unit(Role::Information, &[], 1), // (i) fiscal incentives;
            unit(Role::Information, &[], 2), // (ii) workplace activities;
            unit(Role::Measure, &[], 3),  // (b) …through communication of:
            unit(Role::Information, &[], 4), // (i) … (a lead-in without codes gives none)
            unit(Role::Measure, &[5], 5),
            unit(Role::Information, &[7], 6), // coded already (by a model): kept
        ];
        inherit_lead_in_codes(&mut units);
        for i in [1, 2] {
            assert_eq!(units[i].categories, [3]);
            assert_eq!(units[i].concepts, [3]);
            // the evidence is the lead-in's match, in the lead-in's span
            assert_eq!(units[i].evidence, units[0].evidence);
        }
        assert!(units[4].categories.is_empty() && units[4].evidence.is_empty());
        assert_eq!(units[6].categories, [7]);
        assert_eq!(units[6].evidence[0].start, 60);
        // the items of a subsidy's uses keep their own codes and take the lead-in's
        let mut uses = vec![
            unit(Role::Measure, &[3], 0), // 专项资金用于下列支出：
            unit(Role::Uses, &[5], 1),    // （一）职业培训补贴；
            unit(Role::Uses, &[], 2),     // （二）检验检测服务；
            unit(Role::Measure, &[], 3),  // 第六条 …
        ];
        inherit_lead_in_codes(&mut uses);
        assert_eq!(uses[1].categories, [3, 5]);
        assert_eq!(uses[1].evidence[0], uses[0].evidence[0]);
        assert_eq!(uses[1].evidence[1].start, 10);
        assert_eq!(uses[2].categories, [3]);
        assert!(uses[3].categories.is_empty());
        // an item list at the very start of a text has no lead-in: nothing to take
        let mut orphan = vec![unit(Role::Information, &[], 0)];
        inherit_lead_in_codes(&mut orphan);
        assert!(orphan[0].categories.is_empty());
    }

    #[test]
    fn unit_text_is_a_range_of_the_shared_document_text() {
        let doc: Arc<str> = Arc::from("第一条 支持返乡创业。");
        let t = UnitText::new(Arc::clone(&doc), 10..31);
        assert_eq!(t.as_str(), "支持返乡创业。");
        assert_eq!(t.document(), &*doc);
        // Out of bounds or inside a character: empty, never a panic.
        assert_eq!(UnitText::new(Arc::clone(&doc), 10..99).as_str(), "");
        assert_eq!(UnitText::new(doc, 1..4).as_str(), "");
        assert_eq!(UnitText::from("whole".to_string()).as_str(), "whole");
    }

    #[test]
    fn sources_read_back_from_their_names() {
        for s in [
            Source::None,
            Source::Rule,
            Source::Model,
            Source::Both,
            Source::Withheld,
        ] {
            assert_eq!(Source::from_name(s.as_str()), Some(s));
        }
        assert_eq!(Source::from_name("rules"), None);
    }
}
