//! The clause classifier: multinomial logistic regression (linfa-logistic) over TF-IDF
//! features, trained on hand-coded clauses, with cross-validation and a hybrid mode that
//! combines it with the codebook.
//!
//! Multi-label clauses are duplicated once per label, so that one multinomial model is
//! fitted (one matrix product per prediction, and the classes compete as coders' codes
//! do); a clause then gets every category whose probability reaches the threshold, or
//! its most probable category when none does. Classes below the median class size are
//! oversampled to it (seeded), standing in for class weights, which linfa-logistic lacks.
//! The threshold, and the feature kind unless given, are chosen by out-of-fold micro-F1;
//! so is top-1 decoding (the single most probable class, `none` included) against the
//! threshold unless `--decode` fixes it. A model can instead be trained on sentence
//! embeddings ([`embed`], [`Classifier::train_embedded`]): it records the embedder's identity
//! and predicts only with that embedder attached.

pub mod embed;
mod evaluate;
mod features;

pub use evaluate::{evaluate, render_eval, EvalOptions, EvalReport, Scores};
pub use features::{FeatureKind, Subword, Vocabulary};

use crate::code::coder::Coder;
use crate::error::{Error, Result};
use crate::util::rng::SplitMix64;
use features::Counts;
use linfa::traits::Fit;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Version of the model file format.
pub const MODEL_VERSION: u32 = 1;
/// Probability per class label.
type ClassProbs = BTreeMap<String, f32>;

/// The label of clauses without an instrument.
pub const NONE: &str = "none";

/// What the model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Instrument categories.
    Category,
    /// Core categories.
    Core,
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "category" | "categories" => Ok(Target::Category),
            "core" | "cores" => Ok(Target::Core),
            _ => Err(format!("unknown target `{s}` (category, core)")),
        }
    }
}

/// A hand-coded clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labeled {
    /// The text.
    pub text: String,
    /// Its labels (category ids); empty = `none`.
    pub labels: BTreeSet<String>,
}

/// Reads labelled clauses from CSV/TSV files with a `text` column and a `categories` or
/// `label` column (`;`-separated ids, `none` for no instrument). Labels are checked
/// against the codebook.
pub fn read_labeled(paths: &[PathBuf], coder: &Coder) -> Result<Vec<Labeled>> {
    let known: BTreeSet<&str> = coder
        .codebook
        .categories
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    let mut out = Vec::new();
    for path in paths {
        let sheet = crate::util::sheet::read_sheet(path)?;
        let text_col = sheet
            .col(&["text"])
            .ok_or_else(|| Error::csv(&sheet.path, 1, "text", "no `text` column"))?;
        let label_col = sheet
            .col(&["categories", "label", "labels", "code", "codes"])
            .ok_or_else(|| {
                Error::csv(
                    &sheet.path,
                    1,
                    "categories",
                    "no `categories` or `label` column",
                )
            })?;
        for (line, row) in &sheet.rows {
            let raw = row[label_col].trim();
            if raw.is_empty() {
                continue; // an uncoded row is not a training example
            }
            let labels = parse_labels(raw, |l| known.contains(l), &sheet.path, *line)?;
            out.push(Labeled {
                text: row[text_col].clone(),
                labels,
            });
        }
    }
    if out.is_empty() {
        return Err(Error::Data(
            "the training set is empty: no labelled rows".into(),
        ));
    }
    Ok(out)
}

/// The document of each clause [`read_labeled`] reads from `paths` (same rows, same
/// order): a `document` (or `doc`, `doc_id`, `stem`) column, else the file stem of ids
/// `<file stem>#<unit id>` in an `id` column. `None` when some labelled row has neither: then
/// training tunes on folds by clause.
pub fn labeled_documents(paths: &[PathBuf]) -> Result<Option<Vec<String>>> {
    let mut out = Vec::new();
    for path in paths {
        let sheet = crate::util::sheet::read_sheet(path)?;
        let Some(label_col) = sheet.col(&["categories", "label", "labels", "code", "codes"]) else {
            return Ok(None);
        };
        let doc_col = sheet.col(&["document", "doc", "doc_id", "stem"]);
        let id_col = sheet.col(&["id", "unit_id", "unit"]);
        for (_, row) in &sheet.rows {
            if row[label_col].trim().is_empty() {
                continue; // as read_labeled: not a training example
            }
            let doc = doc_col
                .map(|c| row[c].trim())
                .filter(|d| !d.is_empty())
                .or_else(|| {
                    id_col
                        .and_then(|c| row[c].trim().split_once('#'))
                        .map(|(stem, _)| stem.trim())
                        .filter(|d| !d.is_empty())
                });
            match doc {
                Some(d) => out.push(d.to_string()),
                None => return Ok(None),
            }
        }
    }
    Ok(Some(out))
}

/// The category ids of a label cell (`;`-separated; `none` and empty pieces dropped);
/// ids that `known` rejects are an error naming the file and line.
pub(crate) fn parse_labels(
    raw: &str,
    known: impl Fn(&str) -> bool,
    path: &str,
    line: usize,
) -> Result<BTreeSet<String>> {
    let labels: BTreeSet<String> = raw
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != NONE)
        .map(String::from)
        .collect();
    let unknown: Vec<&str> = labels
        .iter()
        .map(String::as_str)
        .filter(|l| !known(l))
        .collect();
    if unknown.is_empty() {
        Ok(labels)
    } else {
        Err(Error::csv(
            path,
            line,
            "categories",
            format!("labels not in the codebook: {}", unknown.join(", ")),
        ))
    }
}

/// Labels of a clause at the target level (`none` when empty).
fn target_labels(l: &Labeled, target: Target, coder: &Coder) -> Vec<String> {
    let labels: BTreeSet<String> = match target {
        Target::Category => l.labels.clone(),
        Target::Core => l
            .labels
            .iter()
            .filter_map(|c| coder.codebook.category_index(c))
            .map(|k| coder.codebook.core_of(k).to_string())
            .collect(),
    };
    if labels.is_empty() {
        vec![NONE.to_string()]
    } else {
        labels.into_iter().collect()
    }
}

/// Training settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainSettings {
    /// L2 penalty.
    pub l2: f32,
    /// Solver iterations.
    pub max_iterations: u64,
    /// Minimum document frequency of a feature.
    pub min_df: usize,
    /// Most features per block.
    pub max_features: usize,
    /// Subword vocabulary size.
    pub subword_vocab: usize,
    /// Seed (oversampling, folds).
    pub seed: u64,
    /// Folds of the inner cross-validation that picks threshold and features.
    pub tuning_folds: usize,
    /// Add the codebook's category and concept matches as features.
    #[serde(default = "yes")]
    pub rule_features: bool,
    /// How probabilities become codes; `None` = whichever cross-validates better.
    #[serde(default)]
    pub decode: Option<Decode>,
    /// L2 penalty of the model on sentence embeddings (standardised dimensions).
    #[serde(default = "embed_l2")]
    pub embed_l2: f32,
    /// A second code under top-1 decoding (`None`: never, the default; not written then,
    /// so that model files stay as they were).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_code: Option<SecondCode>,
    /// Choose the embedding model's L2 penalty from [`EMBED_L2_GRID`] by the inner
    /// cross-validation (by document when documents are known); `embed_l2` is then ignored
    /// and the choice is recorded in the model's `tuning` as `embed_l2`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub embed_l2_tuned: bool,
    /// Shift of the `none` class's log-odds in the embedding model (a class weight for
    /// `none` against the instruments, folded into its intercept); `None`: chosen from
    /// [`NONE_BIAS_GRID`] by the inner cross-validation under top-1 decoding (recorded in
    /// `tuning` as `none_bias`).
    #[serde(default = "no_bias", skip_serializing_if = "is_no_bias")]
    pub none_bias: Option<f32>,
    /// How much the hybrid's inner out-of-fold micro-F1 must exceed the rules' own before
    /// the model may withhold or add codes (and no inner fold may do worse than the rules);
    /// otherwise the hybrid is the rules.
    #[serde(default = "hybrid_margin", skip_serializing_if = "is_default_margin")]
    pub hybrid_margin: f32,
}

/// L2 penalties tried for the embedding model when it is tuned.
pub const EMBED_L2_GRID: [f32; 4] = [100.0, 10.0, 1.0, 0.1];
/// Shifts of the `none` log-odds tried (0 first: ties keep it).
pub const NONE_BIAS_GRID: [f32; 13] = [
    0.0, -0.5, 0.5, -1.0, 1.0, -1.5, 1.5, -2.0, 2.0, -3.0, 3.0, -4.0, 4.0,
];

fn hybrid_margin() -> f32 {
    0.02
}

fn is_default_margin(m: &f32) -> bool {
    *m == hybrid_margin()
}

fn no_bias() -> Option<f32> {
    Some(0.0)
}

fn is_no_bias(b: &Option<f32>) -> bool {
    *b == no_bias()
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// When top-1 decoding also assigns the second most probable class: when it is a category
/// (the most probable being a category too) and its probability is at least `ratio` times
/// the first's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecondCode {
    /// The ratio chosen by the out-of-fold micro-F1 of the inner cross-validation (or no
    /// second code, when none does better).
    Tuned,
    /// A given ratio in (0, 1].
    Ratio(f32),
}

impl std::str::FromStr for SecondCode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "auto" | "tuned" => Ok(SecondCode::Tuned),
            _ => match s.parse::<f32>() {
                Ok(r) if r > 0.0 && r <= 1.0 => Ok(SecondCode::Ratio(r)),
                _ => Err(format!(
                    "--second-code `{s}`: expected `auto` or a ratio of the second class's probability to the first's in (0, 1]"
                )),
            },
        }
    }
}

/// Ratios tried when the second code is tuned (1.01: no second code).
const SECOND_GRID: [f32; 8] = [1.01, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3];

fn embed_l2() -> f32 {
    1.0
}

/// How a model's class probabilities become a clause's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decode {
    /// Every category at or above the threshold; else the most probable class.
    #[default]
    Threshold,
    /// The most probable class only: one category, or none when `none` is most probable.
    Top1,
}

impl std::str::FromStr for Decode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "threshold" => Ok(Decode::Threshold),
            "top1" | "top-1" => Ok(Decode::Top1),
            _ => Err(format!("unknown decoding `{s}` (threshold, top1)")),
        }
    }
}

fn yes() -> bool {
    true
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            l2: 0.1,
            max_iterations: 100,
            min_df: 1,
            max_features: 3000,
            subword_vocab: 2000,
            seed: 7,
            tuning_folds: 3,
            rule_features: true,
            decode: None,
            embed_l2: embed_l2(),
            second_code: None,
            embed_l2_tuned: false,
            none_bias: no_bias(),
            hybrid_margin: hybrid_margin(),
        }
    }
}

/// What to train.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Target level.
    pub target: Target,
    /// Features; `None` = whichever cross-validates better.
    pub features: Option<FeatureKind>,
    /// Threshold; `None` = tuned by cross-validation.
    pub threshold: Option<f32>,
    /// Gap-filling threshold of the hybrid; `None` = tuned by cross-validation. When
    /// features and all three thresholds are given, no cross-validation runs.
    pub gap_threshold: Option<f32>,
    /// Probability of `none` from which the hybrid withholds rule codes; `None` = tuned by
    /// cross-validation together with the gap threshold.
    pub withhold_threshold: Option<f32>,
    /// Settings.
    pub settings: TrainSettings,
}

/// A trained model, as saved to JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    /// Always `policy-coder-model`.
    pub format: String,
    /// [`MODEL_VERSION`].
    pub version: u32,
    /// Tool version that wrote it.
    pub tool: String,
    /// Codebook id.
    pub codebook_id: String,
    /// Codebook hash: loading with another codebook fails.
    pub codebook_hash: String,
    /// Target level.
    pub target: Target,
    /// Feature kind.
    pub features: FeatureKind,
    /// Settings.
    pub settings: TrainSettings,
    /// Out-of-fold micro-F1 per feature kind tried (empty when both were given).
    pub tuning: BTreeMap<String, f32>,
    /// Assignment threshold.
    pub threshold: f32,
    /// Threshold for filling units the rules leave uncoded (hybrid mode), tuned by the
    /// out-of-fold micro-F1 of the hybrid; above 1 means the model never fills gaps.
    pub gap_threshold: f32,
    /// Probability of `none` from which the hybrid withholds the rules' codes of a unit
    /// (the evidence stays, marked); above 1 means never (models written before it).
    #[serde(default = "never")]
    pub withhold_threshold: f32,
    /// How probabilities become codes.
    #[serde(default)]
    pub decode: Decode,
    /// Top-1 decoding also assigns the second most probable class when it is a category
    /// with at least this share of the first's probability; above 1 means never (the
    /// default, and models written before it; not written then).
    #[serde(default = "never", skip_serializing_if = "is_never")]
    pub second_ratio: f32,
    /// The sentence embedder whose vectors are the features (`None`: TF-IDF features).
    #[serde(default)]
    pub embedder: Option<embed::EmbedderId>,
    /// Class labels (including `none`).
    pub labels: Vec<String>,
    /// Word block vocabulary.
    pub words: Vocabulary,
    /// Subword block vocabulary.
    pub subwords: Vocabulary,
    /// The trained subword tokenizer (JSON), if used.
    pub subword_tokenizer: Option<String>,
    /// Rule feature names.
    pub rules: Vec<String>,
    /// Weights, `[feature][class]`.
    pub weights: Vec<Vec<f32>>,
    /// Intercepts per class.
    pub intercept: Vec<f32>,
    /// Training clauses.
    pub n_train: usize,
}

fn never() -> f32 {
    1.01
}

fn is_never(ratio: &f32) -> bool {
    *ratio > 1.0
}

/// How `code` uses a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Codebook only.
    #[default]
    Rules,
    /// Model only.
    Model,
    /// Rules kept; the model codes what the rules leave uncoded; disagreements flagged.
    Hybrid,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "rules" | "rule" => Ok(Mode::Rules),
            "model" => Ok(Mode::Model),
            "hybrid" => Ok(Mode::Hybrid),
            _ => Err(format!("unknown mode `{s}` (rules, model, hybrid)")),
        }
    }
}

/// A model ready to predict.
pub struct Classifier {
    /// The model.
    pub model: Model,
    embedder: Option<std::sync::Arc<embed::Embedder>>,
    word_index: HashMap<String, usize>,
    sub_index: HashMap<String, usize>,
    rule_index: HashMap<String, usize>,
    subword: Option<Subword>,
}

/// A prediction for one clause.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Probability per class, in model label order.
    pub probs: Vec<f32>,
    /// Assigned categories with probabilities (empty = none).
    pub categories: Vec<(String, f32)>,
    /// Probability of `none`.
    pub none: f32,
    /// Categories confident enough to fill a unit the rules leave uncoded.
    pub gap: Vec<(String, f32)>,
    /// `none` is probable enough to withhold the rules' codes (hybrid).
    pub withhold: bool,
}

fn rule_names(coder: &Coder) -> Vec<String> {
    let cb = &coder.codebook;
    cb.categories
        .iter()
        .map(|c| format!("r:cat:{}", c.id))
        .chain(cb.concepts.iter().map(|c| format!("r:concept:{}", c.id)))
        .collect()
}

impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Classifier({:?}, {} labels)",
            self.model.features,
            self.model.labels.len()
        )
    }
}

impl Classifier {
    fn new(model: Model) -> Result<Classifier> {
        let subword = match &model.subword_tokenizer {
            Some(json) => Some(Subword::from_json(json).map_err(Error::Model)?),
            None => None,
        };
        let idx = |v: &[String]| {
            v.iter()
                .enumerate()
                .map(|(i, t)| (t.clone(), i))
                .collect::<HashMap<_, _>>()
        };
        Ok(Classifier {
            embedder: None,
            word_index: idx(&model.words.terms),
            sub_index: idx(&model.subwords.terms),
            rule_index: idx(&model.rules),
            subword,
            model,
        })
    }

    /// Trains a model.
    pub fn train(data: &[Labeled], coder: &Coder, opts: &TrainOptions) -> Result<Classifier> {
        Self::train_in_groups(data, None, coder, opts)
    }

    /// [`Classifier::train`] with each clause's document (`groups`, one per clause): the
    /// inner cross-validation that picks features, decoding, threshold and the hybrid's
    /// thresholds then holds out whole documents (and needs no class in every fold).
    pub fn train_in_groups(
        data: &[Labeled],
        groups: Option<&[String]>,
        coder: &Coder,
        opts: &TrainOptions,
    ) -> Result<Classifier> {
        if data.is_empty() {
            return Err(Error::Data("the training set is empty".into()));
        }
        let labels: Vec<Vec<String>> = data
            .iter()
            .map(|l| target_labels(l, opts.target, coder))
            .collect();
        let mut tuning = BTreeMap::new();
        let kinds: Vec<FeatureKind> = match opts.features {
            Some(k) => vec![k],
            None => vec![FeatureKind::Words, FeatureKind::Subword, FeatureKind::Both],
        };
        // (out-of-fold micro-F1, feature kind, threshold, decoding, out-of-fold probabilities)
        let mut best: Option<(f32, FeatureKind, f32, Decode, Vec<ClassProbs>)> = None;
        let fixed = opts.features.is_some()
            && opts.threshold.is_some()
            && opts.gap_threshold.is_some()
            && opts.withhold_threshold.is_some();
        let inner = if fixed {
            None
        } else {
            inner_folds(groups, &labels, &opts.settings)?
        };
        if let Some(assignment) = &inner {
            for &kind in &kinds {
                let oof = out_of_fold(
                    data,
                    &labels,
                    coder,
                    kind,
                    opts.target,
                    &opts.settings,
                    assignment,
                )?;
                let (decode, thr, f1) =
                    tune_decode(&oof, &labels, opts.threshold, opts.settings.decode);
                tuning.insert(format!("{kind:?}").to_lowercase(), f1);
                if best.as_ref().is_none_or(|b| f1 > b.0) {
                    best = Some((f1, kind, thr, decode, oof));
                }
            }
        }
        let (kind, threshold, decode, gap_threshold, withhold_threshold, second) =
            match (best, &inner) {
                (Some((_, kind, thr, decode, oof)), Some(assignment)) => {
                    // The hybrid's thresholds must hold document by document: they are
                    // checked on folds of one document each when the documents are known.
                    let (gap, withhold) = match document_folds(groups, data.len(), usize::MAX) {
                        Some(each) if each != *assignment => {
                            let per_doc = out_of_fold(
                                data,
                                &labels,
                                coder,
                                kind,
                                opts.target,
                                &opts.settings,
                                &each,
                            )?;
                            tuned_hybrid(data, coder, opts, &per_doc, &labels, &each)
                        }
                        _ => tuned_hybrid(data, coder, opts, &oof, &labels, assignment),
                    };
                    let second = tune_second(&oof, &labels, thr, decode, opts.settings.second_code);
                    (kind, thr, decode, gap, withhold, second)
                }
                _ => (
                    kinds[0],
                    opts.threshold.unwrap_or(0.35),
                    opts.settings.decode.unwrap_or_default(),
                    opts.gap_threshold.unwrap_or(1.01),
                    opts.withhold_threshold.unwrap_or(1.01),
                    fixed_second(opts.settings.second_code),
                ),
            };
        let mut model = fit(data, &labels, coder, kind, opts.target, &opts.settings)?;
        model.threshold = threshold;
        model.decode = decode;
        model.gap_threshold = gap_threshold;
        model.withhold_threshold = withhold_threshold;
        model.second_ratio = second;
        model.tuning = tuning;
        Classifier::new(model)
    }

    /// Trains a model on sentence embeddings of the clauses (normalised text, `embedder`'s
    /// prompt), plus the codebook's category and concept matches as 0/1 features unless
    /// `rule_features` is off: multinomial logistic regression on standardised dimensions,
    /// `none` a class.
    /// The decoding (top-1 unless given) and the hybrid's thresholds are chosen by
    /// stratified cross-validation, as for TF-IDF; the model records the embedder's identity.
    pub fn train_embedded(
        data: &[Labeled],
        coder: &Coder,
        opts: &TrainOptions,
        embedder: std::sync::Arc<embed::Embedder>,
    ) -> Result<Classifier> {
        Self::train_embedded_in_groups(data, None, coder, opts, embedder)
    }

    /// [`Classifier::train_embedded`] with each clause's document (`groups`, one per
    /// clause): the inner cross-validation that tunes the decoding, the second code and the
    /// hybrid's thresholds then holds out whole documents, as `evaluate --cv` does.
    pub fn train_embedded_in_groups(
        data: &[Labeled],
        groups: Option<&[String]>,
        coder: &Coder,
        opts: &TrainOptions,
        embedder: std::sync::Arc<embed::Embedder>,
    ) -> Result<Classifier> {
        if data.is_empty() {
            return Err(Error::Data("the training set is empty".into()));
        }
        let texts: Vec<String> = data
            .iter()
            .map(|l| crate::prepare::normalize::normalize(&l.text).text)
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let rules = if opts.settings.rule_features {
            rule_names(coder)
        } else {
            Vec::new()
        };
        let rule_index: HashMap<String, usize> = rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.clone(), i))
            .collect();
        let mut buf = crate::code::tokenize::TokenStream::default();
        let vectors: Vec<Vec<f32>> = embedder
            .embed(&refs)?
            .into_iter()
            .zip(&texts)
            .map(|(v, t)| {
                let mut x = v.to_vec();
                if !rules.is_empty() {
                    let lang = crate::util::lang::detect(t);
                    let matched = features::rule_features(coder, t, lang, &mut buf);
                    x.extend(rule_indicators(&rule_index, rules.len(), &matched));
                }
                x
            })
            .collect();
        let labels: Vec<Vec<String>> = data
            .iter()
            .map(|l| target_labels(l, opts.target, coder))
            .collect();
        let s = &opts.settings;
        // Out-of-fold probabilities for a fold assignment and L2 penalty.
        let out_of_fold = |assignment: &[usize], l2: f32| -> Result<Vec<ClassProbs>> {
            use rayon::prelude::*;
            let folds = assignment.iter().copied().max().map_or(0, |m| m + 1);
            let per_fold: Vec<Vec<(usize, ClassProbs)>> = (0..folds)
                .into_par_iter()
                .map(|f| -> Result<Vec<(usize, ClassProbs)>> {
                    let idx: Vec<usize> = (0..data.len()).filter(|&i| assignment[i] != f).collect();
                    let v: Vec<Vec<f32>> = idx.iter().map(|&i| vectors[i].clone()).collect();
                    let l: Vec<Vec<String>> = idx.iter().map(|&i| labels[i].clone()).collect();
                    let m = fit_dense(&v, &l, l2, s)?;
                    Ok((0..data.len())
                        .filter(|&i| assignment[i] == f)
                        .map(|i| {
                            let p = softmax(&m.0, &m.1, &vectors[i]);
                            (i, m.2.iter().cloned().zip(p).collect())
                        })
                        .collect())
                })
                .collect::<Result<_>>()?;
            let mut oof = vec![BTreeMap::new(); data.len()];
            for (i, p) in per_fold.into_iter().flatten() {
                oof[i] = p;
            }
            Ok(oof)
        };
        let mut tuning = BTreeMap::new();
        let inner = inner_folds(groups, &labels, s)?;
        let decode_setting = s.decode.unwrap_or(Decode::Top1);
        // The `none` shift with the best out-of-fold micro-F1 under the decoding (a given
        // one kept; top-1 only: threshold decoding ignores `none`).
        let best_bias = |oof: &[ClassProbs]| -> (f32, f32) {
            let grid: Vec<f32> = match (s.none_bias, decode_setting) {
                (Some(b), _) => vec![b],
                (None, Decode::Top1) => NONE_BIAS_GRID.to_vec(),
                (None, Decode::Threshold) => vec![0.0],
            };
            let mut best = (0.0f32, -1.0f32);
            for b in grid {
                let shifted = shift_none(oof, b);
                let (_, _, f1) =
                    tune_decode(&shifted, &labels, opts.threshold, Some(decode_setting));
                if f1 > best.1 + 1e-6 {
                    best = (b, f1);
                }
            }
            best
        };
        let (l2, bias, decode, threshold, gap, withhold, second) = match &inner {
            Some(assignment) => {
                let l2_grid: Vec<f32> = if s.embed_l2_tuned {
                    EMBED_L2_GRID.to_vec()
                } else {
                    vec![s.embed_l2]
                };
                // (l2, bias, F1, out-of-fold probabilities); ties go to the stronger penalty.
                let mut best: Option<(f32, f32, f32, Vec<ClassProbs>)> = None;
                for l2 in l2_grid {
                    let oof = out_of_fold(assignment, l2)?;
                    let (bias, f1) = best_bias(&oof);
                    if best.as_ref().is_none_or(|b| f1 > b.2 + 1e-6) {
                        best = Some((l2, bias, f1, oof));
                    }
                }
                let Some((l2, bias, _, oof)) = best else {
                    return Err(Error::Data("no L2 penalty to try".into()));
                };
                let oof = shift_none(&oof, bias);
                let (decode, thr, f1) =
                    tune_decode(&oof, &labels, opts.threshold, Some(decode_setting));
                tuning.insert("embedding".to_string(), f1);
                if s.embed_l2_tuned {
                    tuning.insert("embed_l2".to_string(), l2);
                }
                if s.none_bias.is_none() {
                    tuning.insert("none_bias".to_string(), bias);
                }
                // The hybrid's thresholds must hold document by document: they are checked
                // on folds of one document each when the documents are known.
                let (gap, withhold) = match document_folds(groups, data.len(), usize::MAX) {
                    Some(each) if each != *assignment => {
                        let per_doc = shift_none(&out_of_fold(&each, l2)?, bias);
                        tuned_hybrid(data, coder, opts, &per_doc, &labels, &each)
                    }
                    _ => tuned_hybrid(data, coder, opts, &oof, &labels, assignment),
                };
                let second = tune_second(&oof, &labels, thr, decode, s.second_code);
                (l2, bias, decode, thr, gap, withhold, second)
            }
            None => (
                s.embed_l2,
                s.none_bias.unwrap_or(0.0),
                decode_setting,
                opts.threshold.unwrap_or(0.35),
                opts.gap_threshold.unwrap_or(1.01),
                opts.withhold_threshold.unwrap_or(1.01),
                fixed_second(s.second_code),
            ),
        };
        let (weights, mut intercept, class_labels) = fit_dense(&vectors, &labels, l2, s)?;
        if let Some(k) = class_labels.iter().position(|l| l == NONE) {
            intercept[k] += bias;
        }
        let model = Model {
            format: "policy-coder-model".into(),
            version: MODEL_VERSION,
            tool: format!("policy-coder {}", env!("CARGO_PKG_VERSION")),
            codebook_id: coder.codebook.id.clone(),
            codebook_hash: coder.codebook.hash.clone(),
            target: opts.target,
            features: FeatureKind::Embedding,
            settings: s.clone(),
            tuning,
            threshold,
            gap_threshold: gap,
            withhold_threshold: withhold,
            decode,
            second_ratio: second,
            embedder: Some(embedder.id().clone()),
            labels: class_labels,
            words: Vocabulary::default(),
            subwords: Vocabulary::default(),
            subword_tokenizer: None,
            rules,
            weights,
            intercept,
            n_train: data.len(),
        };
        let mut clf = Classifier::new(model)?;
        clf.embedder = Some(embedder);
        Ok(clf)
    }

    /// Gives an embedding model its embedder, refusing one other than it was trained with
    /// (and any for a TF-IDF model).
    pub fn attach_embedder(&mut self, e: std::sync::Arc<embed::Embedder>) -> Result<()> {
        match &self.model.embedder {
            None => Err(Error::Model(
                "--embedder is for models trained with --embedder; this model uses TF-IDF features"
                    .into(),
            )),
            Some(id) if id != e.id() => Err(Error::Model(format!(
                "the model was trained on the vectors of embedder `{}` (weights SHA-256 {}, tokenizer {}), not of `{}` (SHA-256 {}, tokenizer {}); pass that model folder or retrain",
                id.name, id.sha256, id.tokenizer_sha256, e.id().name, e.id().sha256, e.id().tokenizer_sha256
            ))),
            Some(_) => {
                self.embedder = Some(e);
                Ok(())
            }
        }
    }

    /// The embedder of an embedding model, once attached.
    pub fn embedder(&self) -> Option<&std::sync::Arc<embed::Embedder>> {
        self.embedder.as_ref()
    }

    /// Embeds `texts` (normalised unit texts) ahead of their predictions, in batches; a
    /// no-op for TF-IDF models.
    pub fn prepare(&self, texts: &[&str]) -> Result<()> {
        match &self.embedder {
            Some(e) if !texts.is_empty() => e.embed(texts).map(|_| ()),
            _ => Ok(()),
        }
    }

    /// Predicts from the embedding of a normalised text. Without an embedder (or should
    /// embedding fail) every probability is 0: the hybrid then keeps the rules.
    fn predict_embedded(&self, normalized: &str, rules: &[String]) -> Prediction {
        let v = self
            .embedder
            .as_ref()
            .and_then(|e| e.embed(&[normalized]).ok())
            .and_then(|mut v| v.pop());
        match v {
            Some(v) => {
                let mut x = v.to_vec();
                if !self.model.rules.is_empty() {
                    x.extend(rule_indicators(
                        &self.rule_index,
                        self.model.rules.len(),
                        rules,
                    ));
                }
                self.predict_vector(&x)
            }
            None => Prediction {
                probs: vec![0.0; self.model.labels.len()],
                categories: Vec::new(),
                none: 0.0,
                gap: Vec::new(),
                withhold: false,
            },
        }
    }

    /// Saves the model as JSON.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_string(&self.model).map_err(|e| Error::io(path, e.into()))?;
        std::fs::write(path, json).map_err(|e| Error::io(path, e))
    }

    /// Loads a model, refusing another format version or a model trained with another codebook.
    pub fn load(path: &Path, coder: &Coder) -> Result<Classifier> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let model: Model = serde_json::from_str(&text).map_err(|e| {
            Error::Model(format!(
                "{shown}: not a policy-coder model (corrupt or truncated JSON: {e})"
            ))
        })?;
        if model.format != "policy-coder-model" {
            return Err(Error::Model(format!("{shown}: not a policy-coder model")));
        }
        if model.version != MODEL_VERSION {
            return Err(Error::Model(format!("{shown}: model format version {} is not supported by this version (expects {MODEL_VERSION}); retrain it", model.version)));
        }
        if model.codebook_hash != coder.codebook.hash {
            return Err(Error::Model(format!(
                "{shown}: the model was trained with codebook `{}` (hash {}), not with the codebook in use (`{}`, hash {}); pass the same --codebook or retrain",
                model.codebook_id, model.codebook_hash, coder.codebook.id, coder.codebook.hash
            )));
        }
        let n_features = match &model.embedder {
            Some(id) => id.dim + model.rules.len(),
            None => model.words.terms.len() + model.subwords.terms.len() + model.rules.len(),
        };
        if model.weights.len() != n_features
            || model.weights.iter().any(|w| w.len() != model.labels.len())
            || model.intercept.len() != model.labels.len()
        {
            return Err(Error::Model(format!(
                "{shown}: corrupt model: weight shapes do not match the vocabulary"
            )));
        }
        Classifier::new(model)
    }

    fn vector(&self, c: &Counts) -> Vec<f32> {
        let m = &self.model;
        let (nw, ns) = (m.words.terms.len(), m.subwords.terms.len());
        let mut x = vec![0.0f32; nw + ns + m.rules.len()];
        let wi: HashMap<&str, usize> = c
            .words
            .keys()
            .filter_map(|k| self.word_index.get(k).map(|&i| (k.as_str(), i)))
            .collect();
        m.words.transform(&c.words, &wi, &mut x[..nw]);
        let si: HashMap<&str, usize> = c
            .subwords
            .keys()
            .filter_map(|k| self.sub_index.get(k).map(|&i| (k.as_str(), i)))
            .collect();
        m.subwords.transform(&c.subwords, &si, &mut x[nw..nw + ns]);
        for r in &c.rules {
            if let Some(&i) = self.rule_index.get(r) {
                x[nw + ns + i] = 1.0;
            }
        }
        x
    }

    /// Predicts one clause.
    pub fn predict(&self, coder: &Coder, text: &str) -> Prediction {
        if self.model.embedder.is_some() {
            let n = crate::prepare::normalize::normalize(text).text;
            let rules = if self.model.rules.is_empty() {
                Vec::new()
            } else {
                let lang = crate::util::lang::detect(&n);
                features::rule_features(coder, &n, lang, &mut Default::default())
            };
            return self.predict_embedded(&n, &rules);
        }
        let c = features::counts(coder, self.subword.as_ref(), self.model.features, text);
        self.predict_vector(&self.vector(&c))
    }

    /// Predicts a unit the caller has already normalised and rule-coded: `categories` and
    /// `concepts` are the rule coder's ids for it, in `lang`.
    pub fn predict_coded(
        &self,
        coder: &Coder,
        normalized: &str,
        lang: crate::util::lang::Lang,
        categories: &[&str],
        concepts: &[&str],
    ) -> Prediction {
        let rules: Vec<String> = categories
            .iter()
            .map(|c| format!("r:cat:{c}"))
            .chain(concepts.iter().map(|c| format!("r:concept:{c}")))
            .collect();
        if self.model.embedder.is_some() {
            return self.predict_embedded(normalized, &rules);
        }
        let rules = categories
            .iter()
            .map(|c| format!("r:cat:{c}"))
            .chain(concepts.iter().map(|c| format!("r:concept:{c}")))
            .collect();
        let c = features::counts_with_rules(
            coder,
            self.subword.as_ref(),
            self.model.features,
            normalized,
            lang,
            rules,
        );
        self.predict_vector(&self.vector(&c))
    }

    fn predict_vector(&self, x: &[f32]) -> Prediction {
        let m = &self.model;
        let mut z = m.intercept.clone();
        for (i, &v) in x.iter().enumerate() {
            if v != 0.0 {
                for (zk, w) in z.iter_mut().zip(&m.weights[i]) {
                    *zk += v * w;
                }
            }
        }
        let max = z.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let exp: Vec<f32> = z.iter().map(|v| (v - max).exp()).collect();
        let sum: f32 = exp.iter().sum();
        let probs: Vec<f32> = exp.iter().map(|e| e / sum).collect();
        let categories = assign(&m.labels, &probs, m.threshold, m.decode, m.second_ratio);
        let none = m
            .labels
            .iter()
            .position(|l| l == NONE)
            .map(|i| probs[i])
            .unwrap_or(0.0);
        let gap = m
            .labels
            .iter()
            .zip(&probs)
            .filter(|(l, p)| *l != NONE && **p >= m.gap_threshold)
            .map(|(l, p)| (l.clone(), *p))
            .collect();
        Prediction {
            probs,
            categories,
            none,
            gap,
            withhold: none >= m.withhold_threshold,
        }
    }
}

/// Categories with probability ≥ threshold (not `none`); else the most probable class
/// when it is not `none`. Top-1 decoding takes the most probable class only, and the
/// second most probable too when both are categories and the second's probability is at
/// least `second` times the first's (`second` above 1: never).
fn assign(
    labels: &[String],
    probs: &[f32],
    threshold: f32,
    decode: Decode,
    second: f32,
) -> Vec<(String, f32)> {
    let mut out: Vec<(String, f32)> = match decode {
        Decode::Threshold => labels
            .iter()
            .zip(probs)
            .filter(|(l, p)| *l != NONE && **p >= threshold)
            .map(|(l, p)| (l.clone(), *p))
            .collect(),
        Decode::Top1 => Vec::new(),
    };
    if out.is_empty() {
        if let Some((i, p)) = probs
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
        {
            if labels[i] != NONE {
                out.push((labels[i].clone(), *p));
                if decode == Decode::Top1 && second <= 1.0 {
                    let runner_up = probs
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| *j != i)
                        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)));
                    if let Some((j, q)) = runner_up {
                        if labels[j] != NONE && *q >= second * *p {
                            out.push((labels[j].clone(), *q));
                        }
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Folds of whole documents for the inner cross-validation: the distinct `groups` (one per
/// clause) dealt to `k` folds in sorted order; `None` without groups or with fewer than two
/// documents.
fn document_folds(groups: Option<&[String]>, n: usize, k: usize) -> Option<Vec<usize>> {
    let g = groups.filter(|g| g.len() == n)?;
    let names: BTreeSet<&str> = g.iter().map(String::as_str).collect();
    let folds = k.min(names.len());
    if folds < 2 {
        return None;
    }
    let fold_of: HashMap<&str, usize> = names
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, i % folds))
        .collect();
    Some(g.iter().map(|n| fold_of[n.as_str()]).collect())
}

/// The inner cross-validation's fold of each clause: by document when the documents are
/// known (clauses of one document resemble each other, so folds by clause overrate a model
/// on new documents), else stratified by clause when every class has a clause per fold;
/// `None` when neither is possible (nothing is tuned then).
fn inner_folds(
    groups: Option<&[String]>,
    labels: &[Vec<String>],
    s: &TrainSettings,
) -> Result<Option<Vec<usize>>> {
    if let Some(a) = document_folds(groups, labels.len(), s.tuning_folds) {
        return Ok(Some(a));
    }
    let folds = s.tuning_folds.min(min_class_count(labels));
    if folds < 2 {
        return Ok(None);
    }
    stratified_folds(labels, folds, s.seed)
        .map(Some)
        .map_err(Error::Data)
}

fn min_class_count(labels: &[Vec<String>]) -> usize {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for ls in labels {
        for l in ls {
            *counts.entry(l).or_default() += 1;
        }
    }
    counts.values().copied().min().unwrap_or(0)
}

/// Fold number per clause: stratified by each clause's first label, seeded. Every label
/// must have at least `k` clauses.
pub fn stratified_folds(
    labels: &[Vec<String>],
    k: usize,
    seed: u64,
) -> std::result::Result<Vec<usize>, String> {
    if k < 2 {
        return Err("cross-validation needs at least 2 folds".into());
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for ls in labels {
        for l in ls {
            *counts.entry(l).or_default() += 1;
        }
    }
    if let Some((l, n)) = counts.iter().find(|(_, n)| **n < k) {
        return Err(format!("class `{l}` has {n} examples, fewer than the {k} folds; use fewer folds or label more clauses"));
    }
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, ls) in labels.iter().enumerate() {
        groups.entry(ls[0].as_str()).or_default().push(i);
    }
    let mut rng = SplitMix64::new(seed);
    let mut fold = vec![0; labels.len()];
    let mut next = 0;
    for idx in groups.values_mut() {
        rng.shuffle(idx);
        for &i in idx.iter() {
            fold[i] = next % k;
            next += 1;
        }
    }
    Ok(fold)
}

/// Fits a model on `data` with the given feature kind.
fn fit(
    data: &[Labeled],
    labels: &[Vec<String>],
    coder: &Coder,
    kind: FeatureKind,
    target: Target,
    s: &TrainSettings,
) -> Result<Model> {
    let subword = if matches!(kind, FeatureKind::Subword | FeatureKind::Both) {
        let texts: Vec<String> = data
            .iter()
            .map(|l| crate::prepare::normalize::normalize(&l.text).text)
            .collect();
        Some(Subword::train(&texts, s.subword_vocab).map_err(Error::Data)?)
    } else {
        None
    };
    let counts: Vec<Counts> = data
        .iter()
        .map(|l| features::counts(coder, subword.as_ref(), kind, &l.text))
        .collect();
    let words = Vocabulary::fit(counts.iter().map(|c| &c.words), s.min_df, s.max_features);
    let subwords = Vocabulary::fit(counts.iter().map(|c| &c.subwords), s.min_df, s.max_features);
    let class_labels: Vec<String> = labels
        .iter()
        .flatten()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut model = Model {
        format: "policy-coder-model".into(),
        version: MODEL_VERSION,
        tool: format!("policy-coder {}", env!("CARGO_PKG_VERSION")),
        codebook_id: coder.codebook.id.clone(),
        codebook_hash: coder.codebook.hash.clone(),
        target,
        features: kind,
        settings: s.clone(),
        tuning: BTreeMap::new(),
        threshold: 0.35,
        gap_threshold: 1.01,
        withhold_threshold: 1.01,
        decode: Decode::default(),
        second_ratio: 1.01,
        embedder: None,
        labels: class_labels.clone(),
        words,
        subwords,
        subword_tokenizer: match &subword {
            Some(sw) => Some(sw.to_json().map_err(Error::Model)?),
            None => None,
        },
        rules: if s.rule_features {
            rule_names(coder)
        } else {
            Vec::new()
        },
        weights: Vec::new(),
        intercept: Vec::new(),
        n_train: data.len(),
    };
    let n_features = model.words.terms.len() + model.subwords.terms.len() + model.rules.len();
    let clf = Classifier::new(Model {
        weights: vec![vec![0.0; class_labels.len()]; n_features],
        intercept: vec![0.0; class_labels.len()],
        ..model.clone()
    })?;
    let vectors: Vec<Vec<f32>> = counts.iter().map(|c| clf.vector(c)).collect();
    (model.weights, model.intercept) = fit_weights(&vectors, labels, &class_labels, s.l2, s)?;
    Ok(model)
}

/// Multinomial logistic regression of `labels` on `vectors` (one row per clause and label;
/// classes below the median size oversampled to it, seeded): weights `[feature][class]`
/// and intercepts in `class_labels` order.
fn fit_weights(
    vectors: &[Vec<f32>],
    labels: &[Vec<String>],
    class_labels: &[String],
    l2: f32,
    s: &TrainSettings,
) -> Result<(Vec<Vec<f32>>, Vec<f32>)> {
    let n_features = vectors.first().map(Vec::len).unwrap_or(0);
    // One row per (clause, label); small classes oversampled to the median class size.
    let mut rows: Vec<(usize, usize)> = Vec::new();
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); class_labels.len()];
    for (i, ls) in labels.iter().enumerate() {
        for l in ls {
            let k = class_labels.binary_search(l).unwrap_or(0);
            by_class[k].push(i);
            rows.push((i, k));
        }
    }
    let mut sizes: Vec<usize> = by_class.iter().map(Vec::len).collect();
    sizes.sort_unstable();
    let median = sizes[sizes.len() / 2];
    let mut rng = SplitMix64::new(s.seed);
    for (k, members) in by_class.iter().enumerate() {
        for _ in members.len()..median {
            rows.push((members[rng.below(members.len())], k));
        }
    }
    let x =
        ndarray::Array2::from_shape_fn((rows.len(), n_features), |(r, j)| vectors[rows[r].0][j]);
    let y = ndarray::Array1::from_iter(rows.iter().map(|r| r.1));
    if class_labels.len() == 1 {
        // A single class needs no solver: it is always predicted.
        return Ok((vec![vec![0.0]; n_features], vec![0.0]));
    }
    let fitted = linfa_logistic::MultiLogisticRegression::default()
        .alpha(l2)
        .max_iterations(s.max_iterations)
        .fit(&linfa::Dataset::new(x, y))
        .map_err(|e| Error::Data(format!("training failed: {e}")))?;
    let classes = fitted.classes().to_vec();
    let (params, intercept) = (fitted.params(), fitted.intercept());
    let mut weights = vec![vec![0.0; class_labels.len()]; n_features];
    let mut bias = vec![-1e4; class_labels.len()];
    for (col, &k) in classes.iter().enumerate() {
        for (j, w) in weights.iter_mut().enumerate() {
            w[k] = params[[j, col]];
        }
        bias[k] = intercept[col];
    }
    Ok((weights, bias))
}

/// Logistic regression on dense vectors, standardised per dimension for the solver and
/// folded back into the weights: `(weights [dim][class], intercepts, class labels)`.
#[allow(clippy::type_complexity)]
fn fit_dense(
    vectors: &[Vec<f32>],
    labels: &[Vec<String>],
    l2: f32,
    s: &TrainSettings,
) -> Result<(Vec<Vec<f32>>, Vec<f32>, Vec<String>)> {
    let class_labels: Vec<String> = labels
        .iter()
        .flatten()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let dim = vectors.first().map(Vec::len).unwrap_or(0);
    let n = vectors.len().max(1) as f32;
    let mean: Vec<f32> = (0..dim)
        .map(|j| vectors.iter().map(|v| v[j]).sum::<f32>() / n)
        .collect();
    let sd: Vec<f32> = (0..dim)
        .map(|j| {
            let var = vectors
                .iter()
                .map(|v| (v[j] - mean[j]).powi(2))
                .sum::<f32>()
                / n;
            var.sqrt().max(1e-6)
        })
        .collect();
    let z: Vec<Vec<f32>> = vectors
        .iter()
        .map(|v| (0..dim).map(|j| (v[j] - mean[j]) / sd[j]).collect())
        .collect();
    let (mut w, mut b) = fit_weights(&z, labels, &class_labels, l2, s)?;
    // w·(x - mean)/sd + b = (w/sd)·x + (b - Σ w·mean/sd)
    for (j, row) in w.iter_mut().enumerate() {
        for (k, x) in row.iter_mut().enumerate() {
            *x /= sd[j];
            b[k] -= *x * mean[j];
        }
    }
    Ok((w, b, class_labels))
}

/// Probabilities with the `none` class's log-odds shifted by `bias` (renormalised).
fn shift_none(oof: &[ClassProbs], bias: f32) -> Vec<ClassProbs> {
    if bias == 0.0 {
        return oof.to_vec();
    }
    let f = bias.exp();
    oof.iter()
        .map(|p| {
            let none = p.get(NONE).copied().unwrap_or(0.0);
            let z = 1.0 - none + none * f;
            p.iter()
                .map(|(l, v)| {
                    let v = if l == NONE { v * f } else { *v };
                    (l.clone(), if z > 0.0 { v / z } else { v })
                })
                .collect()
        })
        .collect()
}

/// 1 for each rule feature matched, in model order.
fn rule_indicators(index: &HashMap<String, usize>, n: usize, matched: &[String]) -> Vec<f32> {
    let mut x = vec![0.0; n];
    for r in matched {
        if let Some(&i) = index.get(r) {
            x[i] = 1.0;
        }
    }
    x
}

/// Class probabilities of a dense vector.
fn softmax(weights: &[Vec<f32>], intercept: &[f32], x: &[f32]) -> Vec<f32> {
    let mut z = intercept.to_vec();
    for (v, w) in x.iter().zip(weights) {
        for (zk, wk) in z.iter_mut().zip(w) {
            *zk += v * wk;
        }
    }
    let max = z.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = z.iter().map(|v| (v - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.iter().map(|e| e / sum).collect()
}

/// Out-of-fold probabilities (in global label order) for every clause.
fn out_of_fold(
    data: &[Labeled],
    labels: &[Vec<String>],
    coder: &Coder,
    kind: FeatureKind,
    target: Target,
    s: &TrainSettings,
    fold: &[usize],
) -> Result<Vec<BTreeMap<String, f32>>> {
    let k = fold.iter().max().map(|m| m + 1).unwrap_or(0);
    // Folds are independent fits: run them on all cores, then merge in fold order.
    use rayon::prelude::*;
    let per_fold: Vec<Vec<(usize, ClassProbs)>> = (0..k)
        .into_par_iter()
        .map(|f| -> Result<Vec<(usize, ClassProbs)>> {
            let train_idx: Vec<usize> = (0..data.len()).filter(|&i| fold[i] != f).collect();
            let train: Vec<Labeled> = train_idx.iter().map(|&i| data[i].clone()).collect();
            let train_labels: Vec<Vec<String>> =
                train_idx.iter().map(|&i| labels[i].clone()).collect();
            let clf = Classifier::new(fit(&train, &train_labels, coder, kind, target, s)?)?;
            Ok((0..data.len())
                .filter(|&i| fold[i] == f)
                .map(|i| {
                    let p = clf.predict(coder, &data[i].text);
                    (i, clf.model.labels.iter().cloned().zip(p.probs).collect())
                })
                .collect())
        })
        .collect::<Result<_>>()?;
    let mut out = vec![BTreeMap::new(); data.len()];
    for (i, probs) in per_fold.into_iter().flatten() {
        out[i] = probs;
    }
    Ok(out)
}

fn micro_f1_at(
    probs: &[BTreeMap<String, f32>],
    gold: &[Vec<String>],
    t: f32,
    decode: Decode,
) -> f32 {
    micro_f1_with_second(probs, gold, t, decode, 1.01)
}

fn micro_f1_with_second(
    probs: &[BTreeMap<String, f32>],
    gold: &[Vec<String>],
    t: f32,
    decode: Decode,
    second: f32,
) -> f32 {
    let (mut tp, mut fp, mut fn_) = (0.0f32, 0.0f32, 0.0f32);
    for (p, g) in probs.iter().zip(gold) {
        let labels: Vec<String> = p.keys().cloned().collect();
        let values: Vec<f32> = p.values().cloned().collect();
        let pred: BTreeSet<String> = assign(&labels, &values, t, decode, second)
            .into_iter()
            .map(|x| x.0)
            .collect();
        let gold: BTreeSet<String> = g.iter().filter(|l| *l != NONE).cloned().collect();
        tp += pred.intersection(&gold).count() as f32;
        fp += pred.difference(&gold).count() as f32;
        fn_ += gold.difference(&pred).count() as f32;
    }
    if tp == 0.0 {
        0.0
    } else {
        2.0 * tp / (2.0 * tp + fp + fn_)
    }
}

/// The rule coder's labels of a clause at the target level.
fn rule_labels(l: &Labeled, target: Target, coder: &Coder) -> Vec<String> {
    let n = crate::prepare::normalize::normalize(&l.text).text;
    let codes = coder.code_str(&n, crate::util::lang::detect(&n));
    let cb = &coder.codebook;
    let set: BTreeSet<String> = codes
        .categories
        .iter()
        .map(|&k| match target {
            Target::Category => cb.categories[k].id.clone(),
            Target::Core => cb.core_of(k).to_string(),
        })
        .collect();
    set.into_iter().collect()
}

/// [`best_hybrid_thresholds`] for a model whose out-of-fold probabilities on `data` are
/// `oof` (fold of each clause in `fold`), against the rules' own codes of the same clauses.
fn tuned_hybrid(
    data: &[Labeled],
    coder: &Coder,
    opts: &TrainOptions,
    oof: &[BTreeMap<String, f32>],
    gold: &[Vec<String>],
    fold: &[usize],
) -> (f32, f32) {
    let rules: Vec<Vec<String>> = data
        .iter()
        .map(|l| rule_labels(l, opts.target, coder))
        .collect();
    best_hybrid_thresholds(
        oof,
        gold,
        &rules,
        fold,
        (opts.gap_threshold, opts.withhold_threshold),
        opts.settings.hybrid_margin,
    )
}

/// The hybrid's predicted codes of one clause: the rules' unless the model's `none`
/// probability reaches `withhold` (then none); where the rules found nothing, the
/// categories at or above `gap`.
fn hybrid_codes<'a>(
    p: &'a BTreeMap<String, f32>,
    rules: &'a [String],
    gap: f32,
    withhold: f32,
) -> BTreeSet<&'a str> {
    let none = p.get(NONE).copied().unwrap_or(0.0);
    if rules.is_empty() {
        p.iter()
            .filter(|(l, v)| *l != NONE && **v >= gap)
            .map(|(l, _)| l.as_str())
            .collect()
    } else if none >= withhold {
        BTreeSet::new()
    } else {
        rules.iter().map(String::as_str).collect()
    }
}

fn f1_of(c: (f32, f32, f32)) -> f32 {
    if c.0 == 0.0 {
        0.0
    } else {
        2.0 * c.0 / (2.0 * c.0 + c.1 + c.2)
    }
}

/// The hybrid's thresholds, chosen so that the hybrid is never worse than the rules by
/// design: the gap-filling threshold (the model codes a unit the rules leave uncoded) and
/// the withholding threshold (the model's `none` probability from which the rules' codes
/// are withheld) range over high probabilities (0.5–0.95, or never); a pair is eligible only
/// when its pooled out-of-fold micro-F1 beats the rules' own by at least `margin` and no
/// inner fold (`fold`) scores below the rules; of those the best pooled F1 wins (ties go to
/// the higher thresholds: the model changes fewer units). With none eligible the hybrid is
/// the rules (both never). Given values are kept.
fn best_hybrid_thresholds(
    probs: &[BTreeMap<String, f32>],
    gold: &[Vec<String>],
    rules: &[Vec<String>],
    fold: &[usize],
    (gap, withhold): (Option<f32>, Option<f32>),
    margin: f32,
) -> (f32, f32) {
    let grid = |given: Option<f32>| -> Vec<f32> {
        match given {
            Some(t) => vec![t],
            None => (10..=20)
                .rev()
                .map(|step| if step == 20 { 1.01 } else { step as f32 * 0.05 })
                .collect(),
        }
    };
    let folds = fold.iter().copied().max().map_or(1, |m| m + 1);
    let gold: Vec<BTreeSet<&str>> = gold
        .iter()
        .map(|g| {
            g.iter()
                .map(String::as_str)
                .filter(|l| *l != NONE)
                .collect()
        })
        .collect();
    // (tp, fp, fn) per inner fold.
    let counts = |t: f32, w: f32| -> Vec<(f32, f32, f32)> {
        let mut c = vec![(0.0f32, 0.0f32, 0.0f32); folds];
        for (i, ((p, g), r)) in probs.iter().zip(&gold).zip(rules).enumerate() {
            let pred = hybrid_codes(p, r, t, w);
            let e = &mut c[fold.get(i).copied().unwrap_or(0).min(folds - 1)];
            e.0 += pred.intersection(g).count() as f32;
            e.1 += pred.difference(g).count() as f32;
            e.2 += g.difference(&pred).count() as f32;
        }
        c
    };
    let pooled = |c: &[(f32, f32, f32)]| {
        f1_of(
            c.iter()
                .fold((0.0, 0.0, 0.0), |a, x| (a.0 + x.0, a.1 + x.1, a.2 + x.2)),
        )
    };
    let base_gap = gap.unwrap_or(1.01);
    let base_withhold = withhold.unwrap_or(1.01);
    let base = counts(base_gap, base_withhold);
    let base_f1 = pooled(&base);
    let mut best = (base_gap, base_withhold, base_f1 + margin - 1e-6);
    for &w in &grid(withhold) {
        for &t in &grid(gap) {
            let c = counts(t, w);
            let f1 = pooled(&c);
            let no_fold_worse = c
                .iter()
                .zip(&base)
                .all(|(x, b)| f1_of(*x) >= f1_of(*b) - 1e-6);
            if no_fold_worse && f1 > best.2 + 1e-6 {
                best = (t, w, f1);
            }
        }
    }
    (best.0, best.1)
}

/// The decoding and threshold with the best out-of-fold micro-F1 (given ones are kept);
/// top-1 must do strictly better to be chosen.
fn tune_decode(
    oof: &[ClassProbs],
    labels: &[Vec<String>],
    threshold: Option<f32>,
    decode: Option<Decode>,
) -> (Decode, f32, f32) {
    let (thr, f1) = match threshold {
        Some(t) => (t, micro_f1_at(oof, labels, t, Decode::Threshold)),
        None => best_threshold(oof, labels),
    };
    let top1 = micro_f1_at(oof, labels, thr, Decode::Top1);
    match decode {
        Some(Decode::Top1) => (Decode::Top1, thr, top1),
        Some(Decode::Threshold) => (Decode::Threshold, thr, f1),
        None if top1 > f1 + 1e-6 => (Decode::Top1, thr, top1),
        None => (Decode::Threshold, thr, f1),
    }
}

/// The second-code ratio: off unless asked for; a given ratio is kept; `Tuned` takes the
/// ratio with the best out-of-fold micro-F1 under top-1 decoding, which must beat no second
/// code (ties go to the higher ratio: fewer second codes).
fn tune_second(
    oof: &[ClassProbs],
    labels: &[Vec<String>],
    threshold: f32,
    decode: Decode,
    setting: Option<SecondCode>,
) -> f32 {
    match setting {
        None => 1.01,
        Some(SecondCode::Ratio(r)) => r,
        Some(SecondCode::Tuned) if decode != Decode::Top1 => 1.01,
        Some(SecondCode::Tuned) => {
            let mut best = (1.01f32, -1.0f32);
            for &r in &SECOND_GRID {
                let f1 = micro_f1_with_second(oof, labels, threshold, decode, r);
                if f1 > best.1 + 1e-6 {
                    best = (r, f1);
                }
            }
            best.0
        }
    }
}

/// The second-code ratio without cross-validation: a given ratio, else none.
fn fixed_second(setting: Option<SecondCode>) -> f32 {
    match setting {
        Some(SecondCode::Ratio(r)) => r,
        _ => 1.01,
    }
}

fn best_threshold(probs: &[BTreeMap<String, f32>], gold: &[Vec<String>]) -> (f32, f32) {
    let mut best = (0.35, -1.0);
    for step in 2..=18 {
        let t = step as f32 * 0.05;
        let f1 = micro_f1_at(probs, gold, t, Decode::Threshold);
        if f1 > best.1 + 1e-6 {
            best = (t, f1);
        }
    }
    best
}

/// The hybrid decision for one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Final categories.
    pub categories: Vec<String>,
    /// `rule`, `model`, `both` or `none`.
    pub source: &'static str,
    /// The model's probability of the final decision.
    pub confidence: f32,
    /// Rules and model disagree.
    pub disagree: bool,
}

/// Combines rule categories with a prediction: rule matches are kept (they carry evidence)
/// unless the model judges the unit `none` with a probability at or above the model's
/// withholding threshold (`withheld`); the model adds categories only where the rules found
/// none; a unit where the model's categories differ from the rules' is flagged.
pub fn hybrid(rule: &[String], pred: &Prediction) -> Decision {
    let model: BTreeSet<&str> = pred.categories.iter().map(|c| c.0.as_str()).collect();
    let rules: BTreeSet<&str> = rule.iter().map(String::as_str).collect();
    let prob = |c: &str| pred.categories.iter().find(|x| x.0 == c).map(|x| x.1);
    if !rules.is_empty() && pred.withhold {
        Decision {
            categories: Vec::new(),
            source: "withheld",
            confidence: pred.none,
            disagree: true,
        }
    } else if !rules.is_empty() {
        let agree = rules.iter().filter(|c| model.contains(*c)).count();
        Decision {
            categories: rule.to_vec(),
            source: if agree > 0 { "both" } else { "rule" },
            confidence: rules.iter().filter_map(|c| prob(c)).fold(0.0, f32::max),
            disagree: model != rules,
        }
    } else if !pred.gap.is_empty() {
        Decision {
            categories: pred.gap.iter().map(|c| c.0.clone()).collect(),
            source: "model",
            confidence: pred.gap.iter().map(|c| c.1).fold(0.0, f32::max),
            disagree: false,
        }
    } else {
        Decision {
            categories: Vec::new(),
            source: "none",
            confidence: pred.none,
            disagree: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::Codebook;
    use std::sync::OnceLock;

    fn coder() -> &'static Coder {
        static C: OnceLock<Coder> = OnceLock::new();
        C.get_or_init(|| Coder::new(Codebook::default_codebook()).unwrap())
    }

    fn separable() -> Vec<Labeled> {
        let mk = |t: &str, l: &str| Labeled {
            text: t.into(),
            labels: if l == NONE {
                BTreeSet::new()
            } else {
                BTreeSet::from([l.to_string()])
            },
        };
        let mut v = Vec::new();
        for i in 0..6 {
            v.push(mk(
                &format!("对返乡人员发放创业担保贷款{i}万元，银行给予贴息。"),
                "financial_services",
            ));
            v.push(mk(
                &format!("每年组织返乡人员参加创业培训{i}千人次，提高技能。"),
                "talent_training",
            ));
            v.push(mk(&format!("本办法自202{i}年1月1日起施行。"), NONE));
        }
        v
    }

    fn opts(kind: FeatureKind) -> TrainOptions {
        TrainOptions {
            target: Target::Category,
            features: Some(kind),
            threshold: None,
            gap_threshold: None,
            withhold_threshold: None,
            settings: TrainSettings::default(),
        }
    }

    #[test]
    fn a_separable_fixture_is_learned_perfectly() {
        let data = separable();
        let clf = Classifier::train(&data, coder(), &opts(FeatureKind::Words)).unwrap();
        for d in &data {
            let got: BTreeSet<String> = clf
                .predict(coder(), &d.text)
                .categories
                .into_iter()
                .map(|c| c.0)
                .collect();
            assert_eq!(got, d.labels, "{}", d.text);
        }
    }

    #[test]
    fn training_is_deterministic_and_save_load_round_trips() {
        let data = separable();
        let a = Classifier::train(&data, coder(), &opts(FeatureKind::Both)).unwrap();
        let b = Classifier::train(&data, coder(), &opts(FeatureKind::Both)).unwrap();
        assert_eq!(
            serde_json::to_string(&a.model).unwrap(),
            serde_json::to_string(&b.model).unwrap()
        );
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.json");
        a.save(&p).unwrap();
        let c = Classifier::load(&p, coder()).unwrap();
        for d in &data {
            assert_eq!(a.predict(coder(), &d.text), c.predict(coder(), &d.text));
        }
    }

    #[test]
    fn loading_refuses_other_codebooks_versions_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.json");
        let clf = Classifier::train(&separable(), coder(), &opts(FeatureKind::Words)).unwrap();
        let mut m = clf.model.clone();
        m.codebook_hash = "0000".into();
        std::fs::write(&p, serde_json::to_string(&m).unwrap()).unwrap();
        assert!(Classifier::load(&p, coder())
            .err()
            .unwrap()
            .to_string()
            .contains("trained with codebook"));
        let mut m = clf.model.clone();
        m.version = 99;
        std::fs::write(&p, serde_json::to_string(&m).unwrap()).unwrap();
        assert!(Classifier::load(&p, coder())
            .err()
            .unwrap()
            .to_string()
            .contains("version 99"));
        std::fs::write(&p, "{\"format\": \"policy-coder-model\", \"version\"").unwrap();
        assert!(Classifier::load(&p, coder())
            .err()
            .unwrap()
            .to_string()
            .contains("corrupt"));
    }

    #[test]
    fn folds_are_stratified_and_disjoint() {
        let labels: Vec<Vec<String>> = (0..30)
            .map(|i| vec![["a", "b", "c"][i % 3].to_string()])
            .collect();
        let f = stratified_folds(&labels, 5, 7).unwrap();
        assert_eq!(f, stratified_folds(&labels, 5, 7).unwrap());
        for fold in 0..5 {
            let members: Vec<usize> = (0..30).filter(|&i| f[i] == fold).collect();
            assert_eq!(members.len(), 6);
            for c in ["a", "b", "c"] {
                assert_eq!(members.iter().filter(|&&i| labels[i][0] == c).count(), 2);
            }
        }
        let few: Vec<Vec<String>> = vec![vec!["a".into()]; 3];
        assert!(stratified_folds(&few, 5, 7)
            .unwrap_err()
            .contains("fewer than the 5 folds"));
    }

    #[test]
    fn hybrid_keeps_rule_matches_unless_the_model_withholds_them() {
        let cats = vec![("tax_fee_reduction".to_string(), 0.9)];
        let pred = Prediction {
            probs: vec![],
            categories: cats.clone(),
            none: 0.05,
            gap: cats,
            withhold: false,
        };
        let sure_none = Prediction {
            categories: vec![],
            none: 0.95,
            gap: vec![],
            withhold: true,
            probs: vec![],
        };
        let d = hybrid(&["fiscal_support".to_string()], &sure_none);
        assert_eq!((d.categories.len(), d.source), (0, "withheld"));
        assert_eq!(hybrid(&[], &sure_none).source, "none");
        let d = hybrid(&["fiscal_support".to_string()], &pred);
        assert_eq!(d.categories, ["fiscal_support"]);
        assert!(d.disagree);
        let d = hybrid(&[], &pred);
        assert_eq!(
            (d.categories.clone(), d.source),
            (vec!["tax_fee_reduction".to_string()], "model")
        );
        let d = hybrid(&["tax_fee_reduction".to_string()], &pred);
        assert_eq!((d.source, d.disagree), ("both", false));
        let unsure = Prediction {
            gap: vec![],
            ..pred
        };
        assert_eq!(
            hybrid(&[], &unsure).source,
            "none",
            "below the gap threshold the model fills nothing"
        );
    }

    #[test]
    fn the_hybrid_changes_rule_codes_only_where_inner_folds_agree_it_helps() {
        let p = |none: f32, a: f32| -> BTreeMap<String, f32> {
            BTreeMap::from([(NONE.to_string(), none), ("a".to_string(), a)])
        };
        let v = |x: &[&str]| x.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Rules code `a` on four clauses; two are `none` and the model is sure of it.
        let probs = vec![p(0.9, 0.1), p(0.95, 0.05), p(0.2, 0.8), p(0.1, 0.9)];
        let gold = vec![v(&[NONE]), v(&[NONE]), v(&["a"]), v(&["a"])];
        let rules = vec![v(&["a"]); 4];
        // both folds gain: withholding is chosen (at a high `none` probability)
        let (gap, w) =
            best_hybrid_thresholds(&probs, &gold, &rules, &[0, 1, 0, 1], (None, None), 0.01);
        assert!(gap > 1.0 && (0.5..=0.91).contains(&w), "{gap} {w}");
        // one inner fold loses: the hybrid stays the rules
        let gold2 = vec![v(&[NONE]), v(&["a"]), v(&["a"]), v(&["a"])];
        let (gap, w) =
            best_hybrid_thresholds(&probs, &gold2, &rules, &[0, 1, 0, 1], (None, None), 0.01);
        assert!(gap > 1.0 && w > 1.0, "{gap} {w}");
        // a gain below the margin is not enough
        let (_, w) =
            best_hybrid_thresholds(&probs, &gold, &rules, &[0, 1, 0, 1], (None, None), 0.9);
        assert!(w > 1.0);
        // the `none` shift renormalises
        let shifted = shift_none(&[p(0.5, 0.5)], 1.0f32.ln() + 2.0f32.ln());
        assert!((shifted[0][NONE] - 2.0 / 3.0).abs() < 1e-5);
    }

    #[test]
    fn documents_come_from_a_column_or_the_ids() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.tsv");
        std::fs::write(
            &a,
            "id\tcategories\ttext\nd1#1\tnone\tx\nd1#2\t\ty\nd2#1\tfiscal_support\tz\n",
        )
        .unwrap();
        assert_eq!(
            labeled_documents(std::slice::from_ref(&a)).unwrap(),
            Some(vec!["d1".to_string(), "d2".to_string()])
        );
        let b = dir.path().join("b.tsv");
        std::fs::write(&b, "id\tdocument\tcategories\ttext\n1\tdocA\tnone\tx\n").unwrap();
        assert_eq!(
            labeled_documents(&[b]).unwrap(),
            Some(vec!["docA".to_string()])
        );
        let c = dir.path().join("c.tsv");
        std::fs::write(&c, "id\tcategories\ttext\nd001\tnone\tx\n").unwrap();
        assert_eq!(labeled_documents(&[a, c]).unwrap(), None);
    }

    #[test]
    fn a_second_code_is_opt_in_and_needs_a_close_category() {
        let labels: Vec<String> = ["a", "b", NONE].iter().map(|s| s.to_string()).collect();
        let names = |v: Vec<(String, f32)>| v.into_iter().map(|c| c.0).collect::<Vec<_>>();
        let close = [0.5, 0.4, 0.1];
        // off (the default ratio above 1): one code
        assert_eq!(
            names(assign(&labels, &close, 0.35, Decode::Top1, 1.01)),
            ["a"]
        );
        // 0.4 is at least 0.7 × 0.5, not 0.9 × 0.5
        assert_eq!(
            names(assign(&labels, &close, 0.35, Decode::Top1, 0.7)),
            ["a", "b"]
        );
        assert_eq!(
            names(assign(&labels, &close, 0.35, Decode::Top1, 0.9)),
            ["a"]
        );
        // the runner-up `none` is not a second code; nor is a category after `none`
        assert_eq!(
            names(assign(&labels, &[0.5, 0.1, 0.4], 0.35, Decode::Top1, 0.5)),
            ["a"]
        );
        assert!(assign(&labels, &[0.4, 0.1, 0.5], 0.35, Decode::Top1, 0.5).is_empty());
        // threshold decoding is unchanged by it
        assert_eq!(
            names(assign(&labels, &close, 0.45, Decode::Threshold, 0.5)),
            ["a"]
        );

        assert_eq!("auto".parse::<SecondCode>(), Ok(SecondCode::Tuned));
        assert_eq!("0.6".parse::<SecondCode>(), Ok(SecondCode::Ratio(0.6)));
        for bad in ["0", "1.5", "-1", "close", "NaN"] {
            assert!(bad.parse::<SecondCode>().is_err(), "{bad}");
        }

        // Training: off unless asked; a given ratio is recorded and used; tuned picks from
        // the grid. Models written before the field load with it off.
        let data = separable();
        let mut o = opts(FeatureKind::Words);
        o.settings.decode = Some(Decode::Top1);
        let off = Classifier::train(&data, coder(), &o).unwrap();
        assert!(off.model.second_ratio > 1.0);
        o.settings.second_code = Some(SecondCode::Ratio(0.6));
        let fixed = Classifier::train(&data, coder(), &o).unwrap();
        assert_eq!(fixed.model.second_ratio, 0.6);
        o.settings.second_code = Some(SecondCode::Tuned);
        let tuned = Classifier::train(&data, coder(), &o).unwrap();
        assert!(SECOND_GRID.contains(&tuned.model.second_ratio));
        let mut json = serde_json::to_value(&off.model).unwrap();
        json.as_object_mut().unwrap().remove("second_ratio");
        let old: Model = serde_json::from_value(json).unwrap();
        assert!(old.second_ratio > 1.0);
    }
}
