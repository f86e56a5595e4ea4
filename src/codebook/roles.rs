//! Section roles as a codebook declares them: the roles a passage can have, and the
//! `[[role]]` tables (heading, own-text and clause patterns per language) of the built-in
//! role file and of a codebook, read and checked. Finding a unit's role from these tables
//! is the segment stage's job ([`crate::segment::role`]).

use regex::Regex;
use serde::Deserialize;

/// The built-in role table.
pub const DEFAULT_ROLES_TOML: &str = include_str!("../../data/roles.toml");

/// What a unit's passage is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Role {
    /// Policy measures: coded.
    #[default]
    Measure,
    /// Before the first structural heading: background, purpose, recitals.
    Preamble,
    /// 指导思想, 总体思路.
    GuidingThought,
    /// 基本原则.
    Principles,
    /// 总体要求, 主要目标.
    Goals,
    /// 重要意义, 背景, 形势.
    Background,
    /// 为…制定本办法.
    Purpose,
    /// Definitions (所称, 是指, ‘X’ means).
    Definitions,
    /// Scope (适用于, subject matter and scope).
    Scope,
    /// Application, approval and committee procedures.
    Procedure,
    /// Reporting to and reviews by a higher body (EU: R40).
    Reporting,
    /// Calculation rules, criteria, technical rules (R39).
    Rules,
    /// 法律责任, penalties.
    Liability,
    /// 附则, entry into force, transposition, repeal, addressees.
    FinalProvisions,
    /// Parenthetical notes of who leads and who helps (R3).
    Responsibility,
    /// A short label heading without a verb (智能化制造。, 补助方向。): names no measure (R36).
    Label,
    /// An attached form to fill in (附件1：…登记表, …申报单): its fields and notes are
    /// required materials, no measure (R16).
    Form,
    /// An item of a list of what information is to be given ("disseminating information
    /// on: (i) …; (ii) financial instruments, grants and loans …"): the subject of an
    /// information duty, no instrument of its own (R46); it takes its lead-in's codes
    /// ([`crate::code::unit::inherit_lead_in_codes`]), its own matches are withheld.
    Information,
    /// What an assessment of government work covers (考核内容包括政务服务、市场准入…;
    /// 政务服务方面，重点考核…比例): the areas and indicators a clause names as the object of
    /// assessing are no instruments (R18); the assessing itself stays coded through the
    /// rule's `keep` categories.
    Assessment,
    /// An item of a list of what a fund, a subsidy or a voucher pays for (专项资金用于下列
    /// 支出：（一）职业培训补贴；…): coded as a measure, and it also takes its lead-in's
    /// codes, as the uses set the subsidy (R26;
    /// [`crate::code::unit::inherit_lead_in_codes`]).
    Uses,
    /// An item of a list of conditions a candidate must meet (申报县应当具备以下条件：1．…；
    /// 2．…): a rule of eligibility (R16); its matches are withheld.
    Conditions,
}

/// Every role, in output order.
pub const ALL: [Role; 21] = [
    Role::Measure,
    Role::Preamble,
    Role::GuidingThought,
    Role::Principles,
    Role::Goals,
    Role::Background,
    Role::Purpose,
    Role::Definitions,
    Role::Scope,
    Role::Procedure,
    Role::Reporting,
    Role::Rules,
    Role::Liability,
    Role::FinalProvisions,
    Role::Responsibility,
    Role::Label,
    Role::Form,
    Role::Information,
    Role::Assessment,
    Role::Uses,
    Role::Conditions,
];

impl Role {
    /// The name used in `units.csv` and in role tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Measure => "measure",
            Role::Preamble => "preamble",
            Role::GuidingThought => "guiding_thought",
            Role::Principles => "principles",
            Role::Goals => "goals",
            Role::Background => "background",
            Role::Purpose => "purpose",
            Role::Definitions => "definitions",
            Role::Scope => "scope",
            Role::Procedure => "procedure",
            Role::Reporting => "reporting",
            Role::Rules => "rules",
            Role::Liability => "liability",
            Role::FinalProvisions => "final_provisions",
            Role::Responsibility => "responsibility",
            Role::Label => "label",
            Role::Form => "form",
            Role::Information => "information",
            Role::Assessment => "assessment",
            Role::Uses => "uses",
            Role::Conditions => "conditions",
        }
    }

    /// The role named `name`.
    pub fn parse(name: &str) -> Option<Role> {
        ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// True when units in this role are coded as instruments.
    pub fn codes_instruments(self) -> bool {
        matches!(self, Role::Measure | Role::Uses)
    }

    /// True when quantified commitments to create an instrument are still coded (R2).
    pub fn keeps_commitments(self) -> bool {
        matches!(
            self,
            Role::Measure | Role::Preamble | Role::Goals | Role::GuidingThought
        )
    }
}

/// A `[[role]]` table as written in a role file or codebook.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRole {
    /// The role name.
    pub role: toml::Spanned<String>,
    /// Patterns matched against each heading the unit sits under.
    #[serde(default)]
    pub heading: RawPatterns,
    /// Patterns matched against the unit's own text.
    #[serde(default)]
    pub text: RawPatterns,
    /// Patterns matched against the clause (sentence) of each match in a measure unit: a
    /// match in such a clause is withheld (a deadline or a ban inside an article).
    #[serde(default)]
    pub clause: RawPatterns,
    /// Patterns matched against the own text (numbering removed) of a measure unit that
    /// ends with a colon: the list items right under it (the following units numbered in
    /// another kind than the lead-in, e.g. (i), (ii) … under (a)) take this role.
    #[serde(default)]
    pub lead_in: RawPatterns,
    /// Categories whose matches a clause rule of this role leaves coded: an assessment
    /// clause withholds the areas it assesses, not the assessing (R18).
    #[serde(default)]
    pub keep: Vec<toml::Spanned<String>>,
}

/// Patterns per language.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPatterns {
    /// Chinese patterns.
    #[serde(default)]
    pub zh: Vec<toml::Spanned<String>>,
    /// English patterns.
    #[serde(default)]
    pub en: Vec<toml::Spanned<String>>,
}

/// A validated role rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSpec {
    /// The role.
    pub role: Role,
    /// Heading patterns (zh, en).
    pub heading: (Vec<String>, Vec<String>),
    /// Own-text patterns (zh, en).
    pub text: (Vec<String>, Vec<String>),
    /// Clause patterns (zh, en).
    pub clause: (Vec<String>, Vec<String>),
    /// Lead-in patterns (zh, en): the items of the list a matching unit opens.
    pub lead_in: (Vec<String>, Vec<String>),
    /// Categories (ids) whose matches this table's clause rules leave coded (another
    /// table of the same role keeps its own).
    pub keep: Vec<String>,
}

impl RoleSpec {
    /// The rule of a raw table, its role already parsed.
    fn from_raw(role: Role, r: &RawRole) -> RoleSpec {
        let strings = |v: &[toml::Spanned<String>]| v.iter().map(|s| s.get_ref().clone()).collect();
        RoleSpec {
            role,
            heading: (strings(&r.heading.zh), strings(&r.heading.en)),
            text: (strings(&r.text.zh), strings(&r.text.en)),
            clause: (strings(&r.clause.zh), strings(&r.clause.en)),
            lead_in: (strings(&r.lead_in.zh), strings(&r.lead_in.en)),
            keep: strings(&r.keep),
        }
    }
}

/// A problem in a role table: (byte span in the file, role name, message).
pub type RoleProblem = (std::ops::Range<usize>, String, String);

/// Checks raw role tables: every problem as (byte span, id, message).
pub fn validate(raw: &[RawRole]) -> (Vec<RoleSpec>, Vec<RoleProblem>) {
    let mut specs = Vec::new();
    let mut problems = Vec::new();
    for r in raw {
        let name = r.role.get_ref();
        let Some(role) = Role::parse(name) else {
            problems.push((
                r.role.span(),
                name.clone(),
                format!(
                    "unknown role `{name}` (known: {})",
                    ALL.iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            continue;
        };
        for p in [
            &r.heading.zh,
            &r.heading.en,
            &r.text.zh,
            &r.text.en,
            &r.clause.zh,
            &r.clause.en,
            &r.lead_in.zh,
            &r.lead_in.en,
        ]
        .into_iter()
        .flatten()
        {
            if let Err(e) = Regex::new(p.get_ref()) {
                let detail = e.to_string();
                let first = detail.lines().last().unwrap_or("").trim().to_string();
                problems.push((
                    p.span(),
                    name.clone(),
                    format!("invalid role pattern `{}`: {first}", p.get_ref()),
                ));
            }
        }
        specs.push(RoleSpec::from_raw(role, r));
    }
    (specs, problems)
}

/// The built-in role rules.
pub fn default_specs() -> Vec<RoleSpec> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        role: Vec<RawRole>,
    }
    // The embedded table is checked by the test suite (`the_built_in_table_is_valid`); it
    // is not validated pattern by pattern at every start, which compiled each regex twice.
    let file: File = toml::from_str(DEFAULT_ROLES_TOML).expect("built-in roles parse");
    file.role
        .iter()
        .filter_map(|r| Some(RoleSpec::from_raw(Role::parse(r.role.get_ref())?, r)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_is_valid() {
        #[derive(Deserialize)]
        struct File {
            role: Vec<RawRole>,
        }
        let file: File = toml::from_str(DEFAULT_ROLES_TOML).unwrap();
        let (specs, problems) = validate(&file.role);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(specs, default_specs());
    }
}
