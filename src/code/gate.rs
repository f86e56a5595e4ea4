//! The role gate: what a unit's role (and the role of the clause around each match) lets
//! it code. Units in roles that hold no instrument keep only the matches in a quantified
//! commitment to create one (R2); inside measures, matches in clauses that set a
//! deadline, a procedure or a ban, or name what an assessment covers, are withheld (R16,
//! R18), except the categories the clause's role keeps. The withheld matches are returned,
//! to be shown as such.

use crate::code::coder::{Coder, Hit, UnitCodes};
use crate::codebook::roles::Role;
use crate::segment::role::ClauseRule;
use crate::segment::Kind;
use crate::util::lang::Lang;

/// Splits a unit's codes by its role: units in roles that hold no instrument keep only
/// the hits in a quantified commitment to create one (R2, where the role allows it); the
/// other hits are returned, to be shown as withheld. Boilerplate is coded for the record.
pub fn gate_by_role(
    coder: &Coder,
    codes: UnitCodes,
    (role, kind): (Role, Kind),
    lang: Lang,
    text: &str,
) -> (UnitCodes, Vec<Hit>) {
    if kind.is_boilerplate() || codes.hits.is_empty() {
        return (codes, Vec::new());
    }
    let (kept, withheld): (Vec<_>, Vec<_>) = if role.codes_instruments() {
        // Most units hold none of the clause rules' literals: then no sentence of theirs
        // withholds anything, and they are not split into sentences.
        if !coder.roles.clause_may_match(lang, text) {
            return (codes, Vec::new());
        }
        // A match in a clause that sets a deadline, a procedure or a ban is withheld
        // even inside a measure (R16), unless a clause rule of role `measure` comes first
        // (agencies negotiating a dispute, R19); each sentence is judged once.
        // Sentence ends are found once and each sentence judged once, so that a long
        // unit with many matches takes linear, not quadratic, time.
        // Within a Chinese sentence that such a rule matches, only the matches in the
        // clauses (between commas) the rule's own match touches are withheld: in "推行商事登记
        // 确认制，申请材料齐全的，当场予以登记" the procedure is the second half, not the reform.
        let ends = crate::segment::role::Ends::sentences(text, lang);
        // Per sentence (its byte bounds): the stretches it withholds, each with the role of
        // the rule that withholds it, if any rule matched.
        type Withheld = Option<Vec<(usize, usize, ClauseRule)>>;
        let mut judged: std::collections::HashMap<(usize, usize), Withheld> = Default::default();
        codes.hits.iter().partition(|h| {
            let b = ends.around(text, h.start);
            let withheld = judged.entry(b).or_insert_with(|| {
                let sentence = &text[b.0..b.1];
                let spans = coder.roles.withholding_spans(lang, sentence)?;
                // English commas set off phrases of one predicate ("By 31 December 2021,
                // the Commission shall …"): there the whole sentence is the rule's.
                if lang == Lang::En {
                    return Some(
                        spans
                            .into_iter()
                            .map(|(_, rule)| (b.0, b.1, rule))
                            .collect(),
                    );
                }
                let clauses = crate::segment::role::Ends::clauses(sentence);
                let clause_of = |at: usize| clauses.around(sentence, at);
                let stretches = spans
                    .into_iter()
                    .map(|(m, rule)| {
                        // A conditional ("…的，应当…", "…时，须…") governs the rest of the
                        // sentence; a ban or a deadline, its own clauses.
                        let end = if sentence[m.clone()].contains([',', '，']) {
                            sentence.len()
                        } else {
                            clause_of(m.end.saturating_sub(1).max(m.start)).1
                        };
                        (b.0 + clause_of(m.start).0, b.0 + end, rule)
                    })
                    .collect();
                Some(stretches)
            });
            match withheld {
                None => true,
                Some(spans) => !spans
                    .iter()
                    .any(|&(s, e, rule)| s <= h.start && h.start < e && !keeps(coder, rule, h)),
            }
        })
    } else if role.keeps_commitments() && crate::segment::role::may_hold_commitment(text) {
        let clauses = crate::segment::role::Ends::clauses(text);
        let mut judged: std::collections::HashMap<(usize, usize), bool> = Default::default();
        codes.hits.iter().partition(|h| {
            let b = clauses.around(text, h.start);
            *judged
                .entry(b)
                .or_insert_with(|| crate::segment::role::is_commitment_at(text, &clauses, h.start))
        })
    } else {
        (Vec::new(), codes.hits.clone())
    };
    if withheld.is_empty() {
        return (codes, Vec::new());
    }
    let mut all = kept;
    all.extend(codes.dimension_hits.iter().map(|h| Hit {
        concept: h.concept + coder.codebook.concepts.len(),
        ..*h
    }));
    (coder.summarize(all), withheld)
}

/// True when the clause rule `rule` leaves `hit` coded: its concept's category is one its
/// `[[role]]` table keeps (an assessment clause keeps the assessing, R18).
fn keeps(coder: &Coder, rule: ClauseRule, hit: &Hit) -> bool {
    let concepts = &coder.codebook.concepts;
    concepts.get(hit.concept).is_some_and(|c| {
        coder
            .codebook
            .categories
            .get(c.category)
            .is_some_and(|cat| coder.roles.keeps(rule, &cat.id))
    })
}
