//! The label model (`--method combined`): learns how far to trust each labeller in each region
//! from where the labellers agree and disagree on the user's own unlabelled mentions (and from
//! hand-labelled mentions, when there are some), and gives every mention one probability.
//!
//! Generative model: Dawid–Skene on discretised labeller outputs ([`crate::dawid_skene`]): per
//! region a prior P(abnormal) and, per labeller, a full class-conditional distribution over its
//! output levels (so each rule decision, each band of the report model's probability, has its
//! own learned reliability), regions sharing strength up the ontology. Labellers found to be
//! dependent given the truth are taken jointly ([`crate::dependence`]). Fitting is EM from the
//! median of the labellers' probabilities (their majority), so it is deterministic: no random start.

use crate::dawid_skene::{Data, EmFit, EmSettings, Hierarchy, Params, fit};
use crate::dependence::{PairTable, merge_dependent};
use crate::fit_summary::{Anchor, FitSummary, LabellerDependence};
use crate::levels::{Claim, Levels, member_levels};
use crate::rules::layout_headers;
use crate::scorer::{MentionScorer, ScoreError, SentenceMentions};
use crate::votes::{VoteCache, Votes};
use std::fmt;
use uptake_core::{LabelledSentence, Progress};
use uptake_ontology::{Ontology, RegionId};

/// The combined probability of a mention in a section header over a finding that names its own
/// subject ("ABDOMEN/PELVIS: FDG-avid inguinal node"; not "Thyroid: focal uptake in a nodule").
/// Such a header names no finding, so no labeller's output on it is evidence about its region,
/// and the fit leaves it out: the regex and a report model react to the rest of the sentence,
/// and taken as votes they taught the fit that the rules' "no finding" is often abnormal in the
/// abdomen and the pelvis (42 of the 49 false-positive cells of the synthetic development set).
pub const HEADER_PROBABILITY: f64 = 0.0;

/// Most joint levels of a group of dependent labellers (the model's 8 bins x the rules' 9
/// decisions fit).
const MAX_JOINT_LEVELS: usize = 96;
/// Hand-labelled mentions of each class that anchor a fit with fewer than three views.
const MIN_HAND_LABELS_PER_CLASS: usize = 10;
/// Conditional mutual information (nats) above which two labellers are taken jointly.
pub const DEFAULT_DEPENDENCE_NATS: f64 = 0.05;
/// Pseudo-mentions of the parent regions' estimate in each region's estimate.
pub const DEFAULT_PRIOR_STRENGTH: f64 = 20.0;

/// Which labellers the model takes jointly.
#[derive(Debug, Clone, PartialEq)]
pub enum Dependencies {
    /// Every labeller independent of the others given the truth (plain Dawid–Skene).
    Independent,
    /// Measure every pair's mutual information given the truth after an independent fit and
    /// take pairs above `threshold_nats` jointly (most dependent first), as long as the model
    /// stays identifiable: three views, or hand labels of both classes.
    Detect {
        /// The threshold in nats.
        threshold_nats: f64,
    },
    /// These groups of labellers (by name) jointly, known to be dependent.
    Groups(Vec<Vec<String>>),
}

/// What a fit that is not identifiable does (fewer than three views and too few hand labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Unanchored {
    /// Refuse it ([`LabelModelError::NotIdentifiable`]): its calls would be those of whichever
    /// labeller EM drifts to (with the regex and the rules: the regex's), below the best one.
    #[default]
    Refuse,
    /// Fit anyway (diagnostics, where the agreements themselves are the point); the summary
    /// says [`Anchor::StartOnly`].
    Fit,
}

/// How to fit the label model.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelModelSettings {
    /// Pseudo-mentions of the parent regions' estimate in each region's (default 20): a region
    /// with 20 mentions of a class weighs its own evidence and its parents' equally.
    pub prior_strength: f64,
    /// Most EM iterations (default 500).
    pub max_iterations: usize,
    /// EM stops when the log-likelihood per mention changes less than this (default 1e-7).
    pub tolerance: f64,
    /// Dependent labellers (default: detected at [`DEFAULT_DEPENDENCE_NATS`]).
    pub dependencies: Dependencies,
    /// What a fit that is not identifiable does (default: refuse).
    pub unanchored: Unanchored,
    /// Labellers (by name) built on the hand-labelled mentions, such as a report model trained
    /// on them (default: none). The hand labels still fix their mentions' classes, but these
    /// labellers' accuracies are learned from the unlabelled mentions only: on its own training
    /// sentences a model looks better than it is, and the fit would trust it too far. Such a
    /// labeller is never taken jointly with one that is not; when every labeller is named, the
    /// hand labels anchor nothing and are left out.
    pub trained_on_hand: Vec<String>,
}

impl Default for LabelModelSettings {
    fn default() -> Self {
        Self {
            prior_strength: DEFAULT_PRIOR_STRENGTH,
            max_iterations: 500,
            tolerance: 1e-7,
            dependencies: Dependencies::Detect {
                threshold_nats: DEFAULT_DEPENDENCE_NATS,
            },
            unanchored: Unanchored::Refuse,
            trained_on_hand: Vec::new(),
        }
    }
}

/// Why the label model cannot be fitted.
#[derive(Debug, thiserror::Error)]
pub enum LabelModelError {
    /// No labeller given.
    #[error("the label model needs at least one labeller")]
    NoLabellers,
    /// Two labellers with one name (groups and diagnostics name them).
    #[error("two labellers are called `{0}`; give each its own name")]
    DuplicateName(String),
    /// A setting names a labeller that is not there.
    #[error("{setting} names `{name}`, which is not a labeller ({known})")]
    UnknownLabeller {
        /// Which setting: a dependent group, or the labellers trained on the hand labels.
        setting: &'static str,
        /// The name given.
        name: String,
        /// The labellers there are.
        known: String,
    },
    /// A setting out of range.
    #[error("label model settings: {0}")]
    Settings(String),
    /// Fewer than three views and too few hand labels: the fit would not be identifiable.
    #[error(
        "the label model over {labellers} is not identifiable: fewer than three independent \
         labellers and fewer than {MIN_HAND_LABELS_PER_CLASS} hand-labelled mentions of each \
         class; add a report model or hand-labelled mentions (uptake label: --model DIR, --hand FILE)"
    )]
    NotIdentifiable {
        /// The labellers, comma-separated.
        labellers: String,
    },
    /// Neither unlabelled nor hand-labelled mentions.
    #[error("there are no mentions to fit the label model on")]
    NoMentions,
    /// A labeller failed.
    #[error("the label model cannot score the {set} mentions")]
    Score {
        /// "unlabelled" or "hand-labelled".
        set: &'static str,
        /// What the labeller said.
        source: ScoreError,
    },
}

/// A labeller's learned accuracy in one region.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabellerAccuracy {
    /// P(it says abnormal (>= 0.5) | the mention is abnormal).
    pub sensitivity: f64,
    /// P(it says not abnormal | the mention is not abnormal).
    pub specificity: f64,
}

/// The fitted label model; a [`MentionScorer`] ("combined") over its labellers.
pub struct LabelModel {
    ontology: Ontology,
    labellers: Vec<Box<dyn MentionScorer>>,
    names: Vec<String>,
    levels: Vec<Levels>,
    views: Vec<Vec<usize>>,
    params: Params,
    summary: FitSummary,
    /// Each labeller's probabilities of sentences already scored, by text and spans.
    cache: VoteCache,
}

impl fmt::Debug for LabelModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LabelModel")
            .field("labellers", &self.names)
            .field("summary", &self.summary)
            .finish()
    }
}

/// The mentions of a fit, flattened: region node, each labeller's probability, known class.
struct MentionTable {
    nodes: Vec<usize>,
    probabilities: Vec<Vec<f64>>,
    known: Vec<Option<bool>>,
    unknown_regions: usize,
}

impl LabelModel {
    /// Scores `unlabelled` and `hand` (hand-labelled sentences, the mention-file format) with
    /// every labeller and fits the model. Reports `progress` per batch of sentences.
    pub fn fit(
        ontology: &Ontology,
        labellers: Vec<Box<dyn MentionScorer>>,
        unlabelled: &[SentenceMentions<'_>],
        hand: &[LabelledSentence],
        settings: &LabelModelSettings,
        progress: &dyn Progress,
    ) -> Result<Self, LabelModelError> {
        let cache = VoteCache::default();
        Self::fit_scored(
            ontology, labellers, unlabelled, hand, settings, cache, progress,
        )
    }

    /// As [`LabelModel::fit`], the unlabelled sentences given in the batches the labellers
    /// are to score them in (one report's sentences each, as labelling the report asks for
    /// them, so a shared [`crate::MemoScorer`] scores them once for both). Sentences without
    /// mentions may be in the batches; only the mentions enter the fit.
    pub(crate) fn fit_batches(
        ontology: &Ontology,
        mut labellers: Vec<Box<dyn MentionScorer>>,
        batches: &[Vec<SentenceMentions<'_>>],
        hand: &[LabelledSentence],
        settings: &LabelModelSettings,
        progress: &dyn Progress,
    ) -> Result<Self, LabelModelError> {
        check(&labellers, settings)?;
        let mut cache = VoteCache::default();
        progress.start("label model: scoring reports", batches.len() as u64);
        let scored = cache.score_batches(&mut labellers, batches, progress);
        progress.finish();
        scored.map_err(|source| LabelModelError::Score {
            set: "unlabelled",
            source,
        })?;
        let unlabelled: Vec<SentenceMentions<'_>> = (batches.iter().flatten())
            .filter(|s| !s.spans.is_empty())
            .cloned()
            .collect();
        Self::fit_scored(
            ontology,
            labellers,
            &unlabelled,
            hand,
            settings,
            cache,
            progress,
        )
    }

    /// Fits the model, the labellers' votes taken from `cache` where it has them.
    fn fit_scored(
        ontology: &Ontology,
        mut labellers: Vec<Box<dyn MentionScorer>>,
        unlabelled: &[SentenceMentions<'_>],
        hand: &[LabelledSentence],
        settings: &LabelModelSettings,
        mut cache: VoteCache,
        progress: &dyn Progress,
    ) -> Result<Self, LabelModelError> {
        let names = check(&labellers, settings)?;
        let hand_sentences = hand_sentences(hand)?;
        progress.start(
            "label model: scoring",
            (unlabelled.len() + hand_sentences.len()) as u64,
        );
        let score = |set: &'static str| move |source| LabelModelError::Score { set, source };
        let unlabelled_votes =
            (cache.votes_of(&mut labellers, unlabelled, progress)).map_err(score("unlabelled"))?;
        let hand_votes = (cache.votes_of(&mut labellers, &hand_sentences, progress))
            .map_err(score("hand-labelled"))?;
        progress.finish();
        let mut table = MentionTable::new(ontology, unlabelled, &unlabelled_votes, None);
        table.extend(MentionTable::new(
            ontology,
            &hand_sentences,
            &hand_votes,
            Some(hand),
        ));
        if table.nodes.is_empty() {
            return Err(LabelModelError::NoMentions);
        }
        let levels: Vec<Levels> = (0..names.len())
            .map(|j| Levels::learn(table.probabilities.iter().map(|p| p[j])))
            .collect();
        let trained_on_hand: Vec<bool> = (names.iter())
            .map(|n| settings.trained_on_hand.contains(n))
            .collect();
        if trained_on_hand.iter().all(|t| *t) {
            // Hand labels that no labeller's accuracy is learned from anchor nothing.
            table.known.iter_mut().for_each(|k| *k = None);
        }
        let (views, em, dependence) = fit_views(
            ontology,
            &table,
            &levels,
            &names,
            &trained_on_hand,
            settings,
        )?;
        let summary = FitSummary {
            mentions: table.nodes.len(),
            hand_labelled: table.known.iter().filter(|k| k.is_some()).count(),
            unknown_regions: table.unknown_regions,
            iterations: em.iterations,
            converged: em.converged,
            log_likelihood_per_mention: em.log_likelihood_per_mention,
            views: views
                .iter()
                .map(|v| v.iter().map(|&j| names[j].clone()).collect())
                .collect(),
            dependence,
            anchor: anchor(views.len(), &table.known),
        };
        Ok(Self {
            ontology: ontology.clone(),
            labellers,
            names,
            levels,
            views,
            params: em.params,
            summary,
            cache,
        })
    }

    /// What the fit saw and did.
    pub fn summary(&self) -> &FitSummary {
        &self.summary
    }

    /// The labellers' names, in the order of votes and accuracies.
    pub fn labeller_names(&self) -> &[String] {
        &self.names
    }

    /// The ontology whose regions the model learned.
    pub fn ontology(&self) -> &Ontology {
        &self.ontology
    }

    /// The learned P(abnormal) of a mention of `region` before any labeller is heard.
    pub fn prior(&self, region: RegionId) -> f64 {
        self.params.prior(region.index())
    }

    /// The learned accuracy of labeller `labeller` (its index) in `region`.
    pub fn accuracy(&self, labeller: usize, region: RegionId) -> LabellerAccuracy {
        let levels = &self.levels[labeller];
        let says =
            |class| self.own_share(labeller, region.index(), class, |k| levels.says_abnormal(k));
        LabellerAccuracy {
            sensitivity: says(true),
            specificity: 1.0 - says(false),
        }
    }

    /// The log odds of abnormal each labeller's own output adds for a mention of `region`,
    /// read from its own table: for a member of a joint view, the view's table summed over the
    /// other members. Unlike [`LabelModel::evidence`], labellers taken jointly can be seen to
    /// disagree here (what `diagnose` ranks by).
    pub fn labeller_evidence(&self, region: Option<&str>, votes: &[f64]) -> Vec<f64> {
        let node = self.node(region);
        (0..self.names.len())
            .map(|j| {
                let own = self.levels[j].level(votes[j]);
                let says = |class| self.own_share(j, node, class, |k| k == own);
                // Never ln(0): the fit keeps every probability of its tables at least 1e-12.
                says(true).ln() - says(false).ln()
            })
            .collect()
    }

    /// P(labeller `j` shows a level in `levels` | `class`) in `node`, summed over the joint
    /// levels of its view.
    fn own_share(&self, j: usize, node: usize, class: bool, levels: impl Fn(usize) -> bool) -> f64 {
        let (v, view) = (self.views.iter().enumerate())
            .find(|(_, view)| view.contains(&j))
            .expect("every labeller is in a view");
        let cells = self.params.confusion(node, v, class);
        (cells.iter().enumerate())
            .filter(|(cell, _)| levels(member_level(view, &self.levels, *cell, j)))
            .map(|(_, p)| p)
            .sum()
    }

    /// Every labeller's probability of every mention of `sentences` (scored once: the fit's
    /// sentences come from a cache).
    pub fn votes(&mut self, sentences: &[SentenceMentions<'_>]) -> Result<Votes, ScoreError> {
        let labellers = &mut self.labellers;
        (self.cache).votes_of(labellers, sentences, &uptake_core::NoProgress)
    }

    /// The combined probability of a mention of `region` (an ontology name; unknown: the
    /// root's parameters) given each labeller's probability.
    pub fn combine(&self, region: Option<&str>, votes: &[f64]) -> f64 {
        let (node, levels) = self.locate(region, votes);
        sigmoid(self.params.log_odds(node, &levels))
    }

    /// The log odds of abnormal each view (a labeller, or a dependent group: see
    /// [`FitSummary::views`]) adds for a mention of `region` with these `votes`.
    pub fn evidence(&self, region: Option<&str>, votes: &[f64]) -> Vec<f64> {
        let (node, levels) = self.locate(region, votes);
        levels
            .iter()
            .enumerate()
            .map(|(v, &k)| self.params.evidence(node, v, k))
            .collect()
    }

    /// The node of a region name and the level of each view.
    fn locate(&self, region: Option<&str>, votes: &[f64]) -> (usize, Vec<usize>) {
        let node = self.node(region);
        let levels = self
            .views
            .iter()
            .map(|view| view_level(view, &self.levels, votes))
            .collect();
        (node, levels)
    }

    /// The node of a region name (unknown: the root).
    fn node(&self, region: Option<&str>) -> usize {
        region
            .and_then(|name| self.ontology.id(name))
            .unwrap_or(self.ontology.root())
            .index()
    }
}

impl MentionScorer for LabelModel {
    fn name(&self) -> &str {
        "combined"
    }

    fn score(&mut self, sentences: &[SentenceMentions<'_>]) -> Result<Vec<Vec<f64>>, ScoreError> {
        let votes = self.votes(sentences)?;
        Ok(sentences
            .iter()
            .zip(&votes)
            .map(|(s, mentions)| {
                let headers = layout_headers(s.text, &s.spans);
                mentions
                    .iter()
                    .enumerate()
                    .map(|(m, v)| match headers[m] {
                        true => HEADER_PROBABILITY,
                        false => self.combine(s.region(m), v),
                    })
                    .collect()
            })
            .collect())
    }
}

/// Checks the labellers and settings; returns the labellers' names.
fn check(
    labellers: &[Box<dyn MentionScorer>],
    settings: &LabelModelSettings,
) -> Result<Vec<String>, LabelModelError> {
    if labellers.is_empty() {
        return Err(LabelModelError::NoLabellers);
    }
    let names: Vec<String> = labellers.iter().map(|l| l.name().to_string()).collect();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(LabelModelError::DuplicateName(name.clone()));
        }
    }
    let bad = |what: &str| Err(LabelModelError::Settings(what.to_string()));
    if !(settings.prior_strength >= 0.0 && settings.prior_strength.is_finite()) {
        return bad("the prior strength must be a finite number >= 0");
    }
    if settings.max_iterations == 0 || settings.tolerance.is_nan() || settings.tolerance <= 0.0 {
        return bad("EM needs at least one iteration and a positive tolerance");
    }
    if let Some(name) = (settings.trained_on_hand.iter()).find(|n| !names.contains(n)) {
        return Err(LabelModelError::UnknownLabeller {
            setting: "the labellers trained on the hand labels",
            name: name.clone(),
            known: names.join(", "),
        });
    }
    Ok(names)
}

/// The hand-labelled sentences as scorer input, with their regions.
fn hand_sentences(hand: &[LabelledSentence]) -> Result<Vec<SentenceMentions<'_>>, LabelModelError> {
    hand.iter()
        .enumerate()
        .map(|(i, s)| SentenceMentions::from_labelled(s, i))
        .collect::<Result<_, ScoreError>>()
        .map_err(|source| LabelModelError::Score {
            set: "hand-labelled",
            source,
        })
}

impl MentionTable {
    fn new(
        ontology: &Ontology,
        sentences: &[SentenceMentions<'_>],
        votes: &Votes,
        hand: Option<&[LabelledSentence]>,
    ) -> Self {
        let mut table = Self {
            nodes: Vec::new(),
            probabilities: Vec::new(),
            known: Vec::new(),
            unknown_regions: 0,
        };
        for (i, (s, mentions)) in sentences.iter().zip(votes).enumerate() {
            let headers = layout_headers(s.text, &s.spans);
            for (m, v) in mentions.iter().enumerate() {
                if headers[m] {
                    continue;
                }
                let id = s.region(m).and_then(|name| ontology.id(name));
                table.unknown_regions += usize::from(id.is_none());
                table.nodes.push(id.unwrap_or(ontology.root()).index());
                table.probabilities.push(v.clone());
                table.known.push(hand.map(|h| h[i].mentions[m].label == 1));
            }
        }
        table
    }

    fn extend(&mut self, other: MentionTable) {
        self.nodes.extend(other.nodes);
        self.probabilities.extend(other.probabilities);
        self.known.extend(other.known);
        self.unknown_regions += other.unknown_regions;
    }
}

/// The views of a fit, the fit, and every pair's dependence.
type FittedViews = (Vec<Vec<usize>>, EmFit, Vec<LabellerDependence>);

/// Fits with every labeller a view of its own, measures each pair's dependence, then refits
/// with the views the settings ask for (the given groups, or the detected dependent pairs as
/// far as the model stays identifiable).
fn fit_views(
    ontology: &Ontology,
    table: &MentionTable,
    levels: &[Levels],
    names: &[String],
    trained_on_hand: &[bool],
    settings: &LabelModelSettings,
) -> Result<FittedViews, LabelModelError> {
    let hierarchy = Hierarchy::of(ontology);
    let em = EmSettings {
        prior_strength: settings.prior_strength,
        max_iterations: settings.max_iterations,
        tolerance: settings.tolerance,
    };
    let per_labeller: Vec<Vec<usize>> = (0..names.len())
        .map(|j| {
            table
                .probabilities
                .iter()
                .map(|p| levels[j].level(p[j]))
                .collect()
        })
        .collect();
    let init: Vec<f64> = (table.probabilities.iter())
        .map(|p| median(p).clamp(0.02, 0.98))
        .collect();
    let singletons: Vec<Vec<usize>> = (0..names.len()).map(|j| vec![j]).collect();
    let data_of = |views: &[Vec<usize>]| data(table, levels, views, trained_on_hand, &per_labeller);
    let first = data_of(&singletons);
    let mut result = fit(&first, &hierarchy, &init, &em);
    let pairs = dependence_pairs(&first, &result);
    let views = match &settings.dependencies {
        Dependencies::Independent => singletons.clone(),
        Dependencies::Groups(groups) => named_views(groups, names)?,
        Dependencies::Detect { threshold_nats } => {
            let min_views = match anchor(0, &table.known) {
                Anchor::HandLabels => 2,
                _ => 3,
            };
            let sizes: Vec<usize> = levels.iter().map(Levels::len).collect();
            // A labeller trained on the hand labels is never joined with one that learns from
            // them: the joint view would lose its anchor.
            let mergeable: Vec<(usize, usize, f64)> = (pairs.iter().copied())
                .filter(|&(a, b, _)| trained_on_hand[a] == trained_on_hand[b])
                .collect();
            let merged = merge_dependent(
                &sizes,
                &mergeable,
                *threshold_nats,
                MAX_JOINT_LEVELS,
                min_views,
            );
            // Joining them all would take the anchor from the labellers that learn from it
            // (when every labeller is trained on the hand labels, there is no anchor left).
            match trained_on_hand.contains(&true) {
                true => merged,
                false => joint_when_anchored(merged, &sizes, &table.known),
            }
        }
    };
    if anchor(views.len(), &table.known) == Anchor::StartOnly
        && settings.unanchored == Unanchored::Refuse
    {
        let labellers = names.join(", ");
        return Err(LabelModelError::NotIdentifiable { labellers });
    }
    if views != singletons {
        let start = result.posteriors.clone();
        result = fit(&data_of(&views), &hierarchy, &start, &em);
    }
    let dependence = pairs
        .iter()
        .map(|&(a, b, nats)| LabellerDependence {
            a: names[a].clone(),
            b: names[b].clone(),
            nats,
        })
        .collect();
    Ok((views, result, dependence))
}

/// Fewer than three views cannot check each other: their independence given the truth is
/// untestable and EM tends to take the sharpest one as the truth. Anchored by hand labels, such
/// a fit takes every labeller as one joint view (when its joint levels fit), so the hand labels
/// and the prior learn each combination of outputs directly, dependence included.
fn joint_when_anchored(
    views: Vec<Vec<usize>>,
    sizes: &[usize],
    known: &[Option<bool>],
) -> Vec<Vec<usize>> {
    let joint: usize = sizes.iter().product();
    match anchor(views.len(), known) {
        Anchor::HandLabels if views.len() > 1 && joint <= MAX_JOINT_LEVELS => {
            vec![(0..sizes.len()).collect()]
        }
        _ => views,
    }
}

/// Groups by name as views; labellers in no group are views of their own.
fn named_views(
    groups: &[Vec<String>],
    names: &[String],
) -> Result<Vec<Vec<usize>>, LabelModelError> {
    let mut views: Vec<Vec<usize>> = Vec::new();
    let mut placed = vec![false; names.len()];
    for group in groups {
        let mut view = Vec::new();
        for name in group {
            let j = names.iter().position(|n| n == name).ok_or_else(|| {
                LabelModelError::UnknownLabeller {
                    setting: "the dependent group",
                    name: name.clone(),
                    known: names.join(", "),
                }
            })?;
            if !placed[j] {
                placed[j] = true;
                view.push(j);
            }
        }
        if !view.is_empty() {
            views.push(view);
        }
    }
    views.extend((0..names.len()).filter(|&j| !placed[j]).map(|j| vec![j]));
    Ok(views)
}

/// Every pair of labellers (views of one labeller each in `data`) with its dependence given
/// the class beyond what the fitted independent model expects ([`excess_dependence`]).
fn dependence_pairs(data: &Data, fit: &EmFit) -> Vec<(usize, usize, f64)> {
    let n = data.sizes.len();
    (0..n)
        .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
        .map(|(a, b)| (a, b, excess_dependence(data, fit, a, b)))
        .collect()
}

/// The mutual information of views `a` and `b` given the class, less what the fitted
/// independent model implies for it. The class of each mention is taken from everything but
/// `a` and `b` (its hand label where it has one): conditioning on a class that two copies of a
/// labeller decided would hide their dependence, as they would agree with it everywhere. That
/// class is noisy, and a noisy class makes even independent labellers look dependent; the
/// model's own expectation of the same figure removes that part.
fn excess_dependence(data: &Data, fit: &EmFit, a: usize, b: usize) -> f64 {
    let (la, lb) = (data.sizes[a], data.sizes[b]);
    let mut observed = PairTable::new(la, lb);
    let mut expected = PairTable::new(la, lb);
    for i in 0..data.len() {
        let (node, levels) = (data.nodes[i], data.levels_of(i));
        let q = match data.known[i] {
            Some(y) => f64::from(u8::from(y)),
            None => sigmoid(
                fit.params.log_odds(node, levels)
                    - fit.params.evidence(node, a, levels[a])
                    - fit.params.evidence(node, b, levels[b]),
            ),
        };
        observed.add(q, levels[a], levels[b]);
        let theta = |class| {
            (
                fit.params.confusion(node, a, class),
                fit.params.confusion(node, b, class),
            )
        };
        let ((a0, b0), (a1, b1)) = (theta(false), theta(true));
        expected.add_spread(q, |cell| {
            let (ka, kb) = (cell / lb, cell % lb);
            (1.0 - q) * a0[ka] * b0[kb] + q * a1[ka] * b1[kb]
        });
    }
    (observed.mutual_information() - expected.mutual_information()).max(0.0)
}

/// The EM's data for these views; a view with a member trained on the hand labels learns from
/// the unlabelled mentions only.
fn data(
    table: &MentionTable,
    levels: &[Levels],
    views: &[Vec<usize>],
    trained_on_hand: &[bool],
    per_labeller: &[Vec<usize>],
) -> Data {
    let sizes: Vec<usize> = views
        .iter()
        .map(|view| view.iter().map(|&j| levels[j].len()).product())
        .collect();
    let claims = views
        .iter()
        .zip(&sizes)
        .map(|(view, &size)| {
            let claim_of = |cell| {
                let members = view.iter().map(|&j| {
                    let level = member_level(view, levels, cell, j);
                    levels[j].claim(level)
                });
                Claim::joint(members)
            };
            (0..size).map(claim_of).collect()
        })
        .collect();
    let members = (views.iter())
        .map(|view| view.iter().map(|&j| levels[j].len()).collect())
        .collect();
    let mut flat = Vec::with_capacity(table.nodes.len() * views.len());
    for i in 0..table.nodes.len() {
        for view in views {
            let level = view.iter().fold(0, |acc, &j| {
                let own: &[usize] = &per_labeller[j];
                acc * levels[j].len() + own[i]
            });
            flat.push(level);
        }
    }
    Data {
        sizes,
        claims,
        members,
        unlabelled_only: (views.iter())
            .map(|view| view.iter().any(|&j| trained_on_hand[j]))
            .collect(),
        nodes: table.nodes.clone(),
        levels: flat,
        known: table.known.clone(),
    }
}

/// The joint level of a view from each labeller's probability.
fn view_level(view: &[usize], levels: &[Levels], votes: &[f64]) -> usize {
    view.iter().fold(0, |acc, &j| {
        acc * levels[j].len() + levels[j].level(votes[j])
    })
}

/// The level of `labeller` inside joint level `cell` of `view`.
fn member_level(view: &[usize], levels: &[Levels], cell: usize, labeller: usize) -> usize {
    let sizes: Vec<usize> = view.iter().map(|&j| levels[j].len()).collect();
    let at = (view.iter().position(|&j| j == labeller)).expect("the labeller is in the view");
    member_levels(&sizes, cell)[at]
}

/// Whether a fit with `views` views is identifiable, given the known classes.
fn anchor(views: usize, known: &[Option<bool>]) -> Anchor {
    let positives = known.iter().filter(|k| **k == Some(true)).count();
    let negatives = known.iter().filter(|k| **k == Some(false)).count();
    if views >= 3 {
        Anchor::ThreeViews
    } else if positives.min(negatives) >= MIN_HAND_LABELS_PER_CLASS {
        Anchor::HandLabels
    } else {
        Anchor::StartOnly
    }
}

/// The labellers' majority: the median of their probabilities (the mean of the middle two for
/// an even number). EM starts here, as Dawid and Skene's did from the majority vote. The mean
/// was the start before; one labeller that fires on every mention of a region (the regex on
/// "degenerative uptake in the lumbar spine") moved it far enough that EM settled where the
/// regex was the spine's truth, outvoting the rules and the report model that agreed.
fn median(votes: &[f64]) -> f64 {
    let mut sorted = votes.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => 0.5,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn em_starts_from_the_labellers_majority_not_their_mean() {
        // The regex fires, the rules and the model say normal: the majority says normal.
        assert_eq!(median(&[1.0, 0.03, 0.07]), 0.07);
        assert_eq!(median(&[0.9, 0.1]), 0.5);
        assert_eq!(median(&[0.2, 0.9, 0.8, 0.1]), 0.5);
    }
}
