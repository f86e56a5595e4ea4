//! Stratified k-fold cross-validation of three coders side by side: `rules` (codebook
//! only), `model` (the classifier) and `hybrid` (rules kept, model where rules are silent).

use super::{
    hybrid, stratified_folds, target_labels, Classifier, Labeled, Target, TrainOptions, NONE,
};
use crate::code::coder::Coder;
use crate::error::{Error, Result};
use crate::reliability::{self, Value};
use crate::util::lang;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Cross-validation settings.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Folds.
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// How each fold's model is trained.
    pub train: TrainOptions,
    /// Also cross-validate a model on this embedder's sentence embeddings (`embedding` and
    /// `embedding-hybrid` beside the others).
    pub embedder: Option<std::sync::Arc<super::embed::Embedder>>,
}

/// Precision, recall, F1 and support of one category.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CategoryScores {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Clauses labelled with it.
    pub support: usize,
}

/// The scores of one coder against the labels.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Scores {
    /// Share of clauses whose predicted label set equals the gold set.
    pub accuracy: f64,
    /// Micro precision.
    pub micro_precision: f64,
    /// Micro recall.
    pub micro_recall: f64,
    /// Micro F1.
    pub micro_f1: f64,
    /// Macro precision (over labels with support).
    pub macro_precision: f64,
    /// Macro recall.
    pub macro_recall: f64,
    /// Macro F1.
    pub macro_f1: f64,
    /// Cohen's kappa of the label sets against the gold sets.
    pub kappa: Option<f64>,
    /// Per category.
    pub per_category: BTreeMap<String, CategoryScores>,
    /// Core-level confusion: `[gold core][predicted core]`, labels include `none`.
    pub confusion_core: BTreeMap<String, BTreeMap<String, usize>>,
}

/// The evaluation report.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// Clauses.
    pub n: usize,
    /// Folds.
    pub folds: usize,
    /// Seed.
    pub seed: u64,
    /// Target level.
    pub target: Target,
    /// Feature kind and threshold chosen in each fold.
    pub fold_models: Vec<String>,
    /// Scores by coder: `rules`, `model`, `hybrid`.
    pub coders: BTreeMap<String, Scores>,
    /// When the clauses are in more than one language: micro-F1 by language (`zh`, `en`)
    /// and coder, each model trained on the folds of both languages.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub micro_f1_by_language: BTreeMap<String, BTreeMap<String, f64>>,
    /// Clauses per language (with `micro_f1_by_language`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub clauses_by_language: BTreeMap<String, usize>,
}

fn safe_div(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        a / b
    }
}

fn f1(p: f64, r: f64) -> f64 {
    safe_div(2.0 * p * r, p + r)
}

/// Scores predicted label sets against gold sets (both without `none`; empty = none).
pub fn score(
    gold: &[BTreeSet<String>],
    pred: &[BTreeSet<String>],
    core_of: &dyn Fn(&str) -> String,
) -> Scores {
    let mut per: BTreeMap<String, (f64, f64, f64, usize)> = BTreeMap::new();
    for (g, p) in gold.iter().zip(pred) {
        for c in g {
            let e = per.entry(c.clone()).or_default();
            e.3 += 1;
            if p.contains(c) {
                e.0 += 1.0;
            } else {
                e.2 += 1.0;
            }
        }
        for c in p.difference(g) {
            per.entry(c.clone()).or_default().1 += 1.0;
        }
    }
    let (tp, fp, fn_) = per
        .values()
        .fold((0.0, 0.0, 0.0), |a, v| (a.0 + v.0, a.1 + v.1, a.2 + v.2));
    let per_category: BTreeMap<String, CategoryScores> = per
        .iter()
        .map(|(c, (tp, fp, fn_, support))| {
            let p = safe_div(*tp, tp + fp);
            let r = safe_div(*tp, tp + fn_);
            (
                c.clone(),
                CategoryScores {
                    precision: p,
                    recall: r,
                    f1: f1(p, r),
                    support: *support,
                },
            )
        })
        .collect();
    let supported: Vec<&CategoryScores> = per_category.values().filter(|s| s.support > 0).collect();
    let mean = |f: &dyn Fn(&CategoryScores) -> f64| {
        safe_div(supported.iter().map(|s| f(s)).sum(), supported.len() as f64)
    };
    let value = |s: &BTreeSet<String>| -> Option<Value> {
        Some(if s.is_empty() {
            BTreeSet::from([NONE.to_string()])
        } else {
            s.clone()
        })
    };
    let gv: Vec<Option<Value>> = gold.iter().map(value).collect();
    let pv: Vec<Option<Value>> = pred.iter().map(value).collect();
    let kappa = reliability::cohen_kappa(
        &gv.iter().map(Option::as_ref).collect::<Vec<_>>(),
        &pv.iter().map(Option::as_ref).collect::<Vec<_>>(),
    )
    .map(|k| k.kappa);
    let mut confusion: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (g, p) in gold.iter().zip(pred) {
        let cores = |s: &BTreeSet<String>| -> BTreeSet<String> {
            if s.is_empty() {
                BTreeSet::from([NONE.to_string()])
            } else {
                s.iter().map(|c| core_of(c)).collect()
            }
        };
        let (gc, pc) = (cores(g), cores(p));
        for c in &gc {
            let predicted = if pc.contains(c) {
                c.clone()
            } else {
                pc.iter().next().cloned().unwrap_or_else(|| NONE.into())
            };
            *confusion
                .entry(c.clone())
                .or_default()
                .entry(predicted)
                .or_default() += 1;
        }
    }
    let mp = mean(&|s| s.precision);
    let mr = mean(&|s| s.recall);
    Scores {
        accuracy: safe_div(
            gold.iter().zip(pred).filter(|(g, p)| g == p).count() as f64,
            gold.len() as f64,
        ),
        micro_precision: safe_div(tp, tp + fp),
        micro_recall: safe_div(tp, tp + fn_),
        micro_f1: f1(safe_div(tp, tp + fp), safe_div(tp, tp + fn_)),
        macro_precision: mp,
        macro_recall: mr,
        macro_f1: mean(&|s| s.f1),
        kappa,
        per_category,
        confusion_core: confusion,
    }
}

/// Cross-validates rules, model and hybrid on labelled clauses.
pub fn evaluate(data: &[Labeled], coder: &Coder, opts: &EvalOptions) -> Result<EvalReport> {
    let target = opts.train.target;
    let labels: Vec<Vec<String>> = data
        .iter()
        .map(|l| target_labels(l, target, coder))
        .collect();
    let fold = stratified_folds(&labels, opts.folds, opts.seed).map_err(Error::Data)?;
    let gold: Vec<BTreeSet<String>> = labels
        .iter()
        .map(|ls| ls.iter().filter(|l| *l != NONE).cloned().collect())
        .collect();
    let cb = &coder.codebook;
    let to_target = |cats: &[usize]| -> BTreeSet<String> {
        match target {
            Target::Category => cats.iter().map(|&k| cb.categories[k].id.clone()).collect(),
            Target::Core => cats.iter().map(|&k| cb.core_of(k).to_string()).collect(),
        }
    };
    let mut langs = Vec::with_capacity(data.len());
    let rules: Vec<BTreeSet<String>> = data
        .iter()
        .map(|l| {
            let n = crate::prepare::normalize::normalize(&l.text).text;
            let lang = lang::detect(&n);
            langs.push(lang.as_str());
            to_target(&coder.code_str(&n, lang).categories)
        })
        .collect();
    let kinds: &[(&str, &str)] = if opts.embedder.is_some() {
        &[("model", "hybrid"), ("embedding", "embedding-hybrid")]
    } else {
        &[("model", "hybrid")]
    };
    let mut predicted: BTreeMap<&str, Vec<BTreeSet<String>>> = BTreeMap::new();
    let mut fold_models = Vec::new();
    for f in 0..opts.folds {
        let train: Vec<Labeled> = (0..data.len())
            .filter(|&i| fold[i] != f)
            .map(|i| data[i].clone())
            .collect();
        for &(name, hybrid_name) in kinds {
            let clf = match &opts.embedder {
                Some(e) if name == "embedding" => {
                    Classifier::train_embedded(&train, coder, &opts.train, e.clone())?
                }
                _ => Classifier::train(&train, coder, &opts.train)?,
            };
            fold_models.push(
                format!(
                    "fold {}: {:?} features, {:?} decoding, threshold {:.2}",
                    f + 1,
                    clf.model.features,
                    clf.model.decode,
                    clf.model.threshold
                )
                .to_lowercase(),
            );
            for i in (0..data.len()).filter(|&i| fold[i] == f) {
                let p = clf.predict(coder, &data[i].text);
                let rule: Vec<String> = rules[i].iter().cloned().collect();
                let m = predicted
                    .entry(name)
                    .or_insert_with(|| vec![BTreeSet::new(); data.len()]);
                m[i] = p.categories.iter().map(|c| c.0.clone()).collect();
                let h = predicted
                    .entry(hybrid_name)
                    .or_insert_with(|| vec![BTreeSet::new(); data.len()]);
                h[i] = hybrid(&rule, &p).categories.into_iter().collect();
            }
        }
    }
    let core_of = |c: &str| -> String {
        match target {
            Target::Category => cb
                .category_index(c)
                .map(|k| cb.core_of(k).to_string())
                .unwrap_or_else(|| c.to_string()),
            Target::Core => c.to_string(),
        }
    };
    let mut coders = BTreeMap::new();
    coders.insert("rules".to_string(), score(&gold, &rules, &core_of));
    for (name, pred) in &predicted {
        coders.insert(name.to_string(), score(&gold, pred, &core_of));
    }
    // A multilingual model trained on both languages, scored on each: the figure that says
    // how it does on the smaller language's clauses.
    let mut micro_f1_by_language = BTreeMap::new();
    let mut clauses_by_language = BTreeMap::new();
    let distinct: BTreeSet<&str> = langs.iter().copied().collect();
    if distinct.len() > 1 {
        for l in distinct {
            let idx: Vec<usize> = (0..data.len()).filter(|&i| langs[i] == l).collect();
            let pick =
                |v: &[BTreeSet<String>]| idx.iter().map(|&i| v[i].clone()).collect::<Vec<_>>();
            let g = pick(&gold);
            let mut per = BTreeMap::new();
            per.insert(
                "rules".to_string(),
                score(&g, &pick(&rules), &core_of).micro_f1,
            );
            for (name, pred) in &predicted {
                per.insert(name.to_string(), score(&g, &pick(pred), &core_of).micro_f1);
            }
            micro_f1_by_language.insert(l.to_string(), per);
            clauses_by_language.insert(l.to_string(), idx.len());
        }
    }
    Ok(EvalReport {
        n: data.len(),
        folds: opts.folds,
        seed: opts.seed,
        target,
        fold_models,
        coders,
        micro_f1_by_language,
        clauses_by_language,
    })
}

/// The report as text: the three coders side by side.
pub fn render_eval(r: &EvalReport) -> String {
    let mut s = String::new();
    let order: Vec<&str> = ["rules", "model", "hybrid", "embedding", "embedding-hybrid"]
        .into_iter()
        .filter(|c| r.coders.contains_key(*c))
        .collect();
    let _ = writeln!(
        s,
        "{}-fold cross-validation, {} clauses, seed {}, target {:?}\n",
        r.folds, r.n, r.seed, r.target
    );
    let _ = write!(s, "{:<18}", "");
    for c in &order {
        let _ = write!(s, " {c:>w$}", w = c.len().max(8));
    }
    let _ = writeln!(s);
    let row = |s: &mut String, name: &str, f: &dyn Fn(&Scores) -> Option<f64>| {
        let _ = write!(s, "{name:<18}");
        for c in &order {
            let _ = write!(
                s,
                " {:>w$}",
                f(&r.coders[*c])
                    .map(|v| format!("{v:.3}"))
                    .unwrap_or_else(|| "—".into()),
                w = c.len().max(8)
            );
        }
        let _ = writeln!(s);
    };
    row(&mut s, "accuracy (exact)", &|x| Some(x.accuracy));
    row(&mut s, "micro precision", &|x| Some(x.micro_precision));
    row(&mut s, "micro recall", &|x| Some(x.micro_recall));
    row(&mut s, "micro F1", &|x| Some(x.micro_f1));
    row(&mut s, "macro precision", &|x| Some(x.macro_precision));
    row(&mut s, "macro recall", &|x| Some(x.macro_recall));
    row(&mut s, "macro F1", &|x| Some(x.macro_f1));
    row(&mut s, "Cohen's kappa", &|x| x.kappa);
    for (l, per) in &r.micro_f1_by_language {
        let _ = write!(
            s,
            "{:<18}",
            format!("micro F1, {l} ({})", r.clauses_by_language[l])
        );
        for c in &order {
            let _ = write!(
                s,
                " {:>w$}",
                per.get(*c)
                    .map(|v| format!("{v:.3}"))
                    .unwrap_or_else(|| "—".into()),
                w = c.len().max(8)
            );
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "\nPer category (P / R / F1), support:");
    let cats: BTreeSet<&String> = r
        .coders
        .values()
        .flat_map(|c| c.per_category.keys())
        .collect();
    for c in cats {
        let support = r.coders["rules"]
            .per_category
            .get(c)
            .map(|x| x.support)
            .unwrap_or(0);
        let _ = write!(s, "{c:<28} {support:>4}");
        for o in &order {
            let x = r.coders[*o].per_category.get(c);
            let _ = write!(
                s,
                "  {:<16}",
                x.map(|x| format!("{:.2}/{:.2}/{:.2}", x.precision, x.recall, x.f1))
                    .unwrap_or_else(|| "—".into())
            );
        }
        let _ = writeln!(s);
    }
    for o in &order {
        let cm = &r.coders[*o].confusion_core;
        let labels: BTreeSet<&String> = cm
            .keys()
            .chain(cm.values().flat_map(|m| m.keys()))
            .collect();
        let _ = writeln!(
            s,
            "\nCore-level confusion, {o} (rows: labels, columns: predicted):"
        );
        let _ = write!(s, "{:<12}", "");
        for l in &labels {
            let _ = write!(s, " {l:>11}");
        }
        let _ = writeln!(s);
        for g in &labels {
            let _ = write!(s, "{g:<12}");
            for p in &labels {
                let _ = write!(
                    s,
                    " {:>11}",
                    cm.get(*g).and_then(|m| m.get(*p)).copied().unwrap_or(0)
                );
            }
            let _ = writeln!(s);
        }
    }
    let _ = writeln!(s, "\nModels: {}", r.fold_models.join("; "));
    s
}
