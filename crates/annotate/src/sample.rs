//! Which sentences to label, in what order.
//!
//! - [`stratified_sample`]: balances regions so rare ones get enough mentions (the study's rare
//!   regions had too few). Greedy: at each step take the region with the fewest sampled mentions
//!   so far that still has unsampled sentences (ties: the rarer region in the pool), and add a
//!   random unsampled sentence that mentions it.
//! - [`order_by_uncertainty`]: active learning; the sentences whose most uncertain mention has a
//!   probability closest to 0.5 come first. The scorer is any closure, so the CLI can plug in
//!   the report model or a predictions file ([`Predictions`]).

use crate::candidate::Candidate;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use uptake_core::CharSpan;

/// In what order sentences are offered.
#[derive(Debug)]
pub enum SampleOrder {
    /// Balanced over regions so rare ones get enough mentions: at each step the region with
    /// the fewest sampled mentions so far (ties: the rarer in the pool) gets a random
    /// unsampled sentence that mentions it.
    Stratified,
    /// Active learning: the sentences whose most uncertain mention has a probability closest
    /// to 0.5 come first (a mention without a probability counts as fully uncertain); ties in
    /// a seeded random order.
    MostUncertain(Predictions),
}

/// Which sentences a new session labels.
#[derive(Debug)]
pub struct SampleSettings {
    /// How many sentences, at most (default 500).
    pub size: usize,
    /// Seed of the random choices (default 0).
    pub seed: u64,
    /// How they are chosen and ordered (default stratified).
    pub order: SampleOrder,
}

impl Default for SampleSettings {
    fn default() -> Self {
        Self {
            size: 500,
            seed: 0,
            order: SampleOrder::Stratified,
        }
    }
}

/// The ids of the sentences of `pool` a new session labels, in order.
pub fn choose_sample(pool: &[Candidate], settings: &SampleSettings) -> Vec<String> {
    match &settings.order {
        SampleOrder::Stratified => stratified_sample(pool, settings.size, settings.seed),
        SampleOrder::MostUncertain(predictions) => {
            order_by_uncertainty(pool, settings.size, settings.seed, |c| predictions.score(c))
        }
    }
}

/// Up to `n` sentence ids from `pool`, stratified by region (see the module docs), in the
/// order they were drawn. Sentences without mentions are never drawn. Same seed, same sample.
pub(crate) fn stratified_sample(pool: &[Candidate], n: usize, seed: u64) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Per region, the sentences mentioning it, shuffled once; drawing pops from the end.
    let mut by_region: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut pool_count: HashMap<&str, usize> = HashMap::new();
    for (i, c) in pool.iter().enumerate() {
        let mut seen = HashSet::new();
        for m in &c.mentions {
            *pool_count.entry(m.region.as_str()).or_default() += 1;
            if seen.insert(m.region.as_str()) {
                by_region.entry(m.region.as_str()).or_default().push(i);
            }
        }
    }
    for list in by_region.values_mut() {
        list.shuffle(&mut rng);
    }
    let mut sampled_count: HashMap<&str, usize> = HashMap::new();
    let mut taken = vec![false; pool.len()];
    let mut out = Vec::new();
    while out.len() < n {
        // Drop sentences already taken through another region.
        for list in by_region.values_mut() {
            while list.last().is_some_and(|&i| taken[i]) {
                list.pop();
            }
        }
        let next = by_region
            .iter()
            .filter(|(_, list)| !list.is_empty())
            .min_by_key(|(region, _)| {
                (
                    sampled_count.get(*region).copied().unwrap_or(0),
                    pool_count[*region],
                    **region,
                )
            })
            .map(|(region, _)| *region);
        let Some(region) = next else { break };
        let i = by_region
            .get_mut(region)
            .and_then(Vec::pop)
            .expect("non-empty list");
        taken[i] = true;
        for m in &pool[i].mentions {
            *sampled_count.entry(m.region.as_str()).or_default() += 1;
        }
        out.push(pool[i].id.clone());
    }
    out
}

/// How uncertain a probability is: 1 at 0.5, 0 at 0 or 1.
fn uncertainty(p: f64) -> f64 {
    1.0 - (2.0 * p.clamp(0.0, 1.0) - 1.0).abs()
}

/// Up to `n` sentence ids, most uncertain first. `score` gives each mention's probability of
/// being abnormal (`None`: the model has none, counted as fully uncertain). Ties are broken by
/// a seeded shuffle.
pub(crate) fn order_by_uncertainty<F>(
    pool: &[Candidate],
    n: usize,
    seed: u64,
    mut score: F,
) -> Vec<String>
where
    F: FnMut(&Candidate) -> Vec<Option<f64>>,
{
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut order: Vec<usize> = (0..pool.len())
        .filter(|&i| !pool[i].mentions.is_empty())
        .collect();
    order.shuffle(&mut rng);
    let mut keyed: Vec<(f64, usize)> = order
        .into_iter()
        .map(|i| {
            let probs = score(&pool[i]);
            let u = (0..pool[i].mentions.len())
                .map(|k| probs.get(k).copied().flatten().map_or(1.0, uncertainty))
                .fold(0.0, f64::max);
            (u, i)
        })
        .collect();
    // Stable sort keeps the shuffled order among equal uncertainties.
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0));
    keyed
        .into_iter()
        .take(n)
        .map(|(_, i)| pool[i].id.clone())
        .collect()
}

/// Mention probabilities read from a predictions file: JSONL, one line per sentence,
/// `{"id": "<sentence id>", "mentions": [{"start": 4, "end": 9, "prob": 0.42}, ...]}`
/// (character spans, as in the mention file). Mentions are matched by span.
#[derive(Debug, Default)]
pub struct Predictions {
    by_id: HashMap<String, HashMap<(usize, usize), f64>>,
}

#[derive(Deserialize)]
struct PredictionLine {
    id: String,
    mentions: Vec<PredictedMention>,
}

#[derive(Deserialize)]
struct PredictedMention {
    start: usize,
    end: usize,
    prob: f64,
}

/// Why a predictions file cannot be used.
#[derive(Debug, thiserror::Error)]
#[allow(missing_docs)] // fields: the file, the 1-based line, the message, the probability
pub enum PredictionsError {
    /// The file cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A line that does not parse.
    #[error("{path}, line {line}: not a valid prediction record: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A probability outside [0, 1].
    #[error("{path}, line {line}: probability {prob} is not in [0, 1]")]
    BadProbability {
        path: PathBuf,
        line: usize,
        prob: f64,
    },
}

impl Predictions {
    /// Reads a predictions file.
    pub fn read(path: &Path) -> Result<Self, PredictionsError> {
        let io = |source| PredictionsError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut by_id: HashMap<String, HashMap<(usize, usize), f64>> = HashMap::new();
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(io)?;
            if line.trim().is_empty() {
                continue;
            }
            let record: PredictionLine =
                serde_json::from_str(&line).map_err(|e| PredictionsError::Parse {
                    path: path.to_path_buf(),
                    line: i + 1,
                    message: e.to_string(),
                })?;
            let spans = by_id.entry(record.id).or_default();
            for m in record.mentions {
                if !(0.0..=1.0).contains(&m.prob) {
                    return Err(PredictionsError::BadProbability {
                        path: path.to_path_buf(),
                        line: i + 1,
                        prob: m.prob,
                    });
                }
                spans.insert((m.start, m.end), m.prob);
            }
        }
        Ok(Self { by_id })
    }

    /// Records the probability of one mention of sentence `id`.
    pub(crate) fn insert(&mut self, id: &str, span: CharSpan, probability: f64) {
        self.by_id
            .entry(id.to_string())
            .or_default()
            .insert((span.start, span.end), probability);
    }

    /// The probability of each of the candidate's mentions, where the file has one.
    pub fn score(&self, candidate: &Candidate) -> Vec<Option<f64>> {
        let spans = self.by_id.get(&candidate.id);
        candidate
            .mentions
            .iter()
            .map(|m| spans.and_then(|s| s.get(&(m.start, m.end)).copied()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::candidate::CandidateMention;

    fn candidate(id: usize, regions: &[&str]) -> Candidate {
        Candidate {
            id: format!("s{id}"),
            exam_id: None,
            section: None,
            text: "x".repeat(10 * regions.len().max(1)),
            context_before: String::new(),
            context_after: String::new(),
            mentions: regions
                .iter()
                .enumerate()
                .map(|(k, r)| CandidateMention {
                    start: 10 * k,
                    end: 10 * k + 5,
                    region: r.to_string(),
                })
                .collect(),
        }
    }

    /// 90 liver sentences, 6 kidney, 4 adrenal, 5 without mentions.
    fn skewed_pool() -> Vec<Candidate> {
        let mut pool = Vec::new();
        for i in 0..90 {
            pool.push(candidate(i, &["liver"]));
        }
        for i in 90..96 {
            pool.push(candidate(i, &["kidney"]));
        }
        for i in 96..100 {
            pool.push(candidate(i, &["adrenal"]));
        }
        for i in 100..105 {
            pool.push(candidate(i, &[]));
        }
        pool
    }

    fn regions_of(pool: &[Candidate], ids: &[String]) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for id in ids {
            let c = pool.iter().find(|c| &c.id == id).unwrap();
            for m in &c.mentions {
                *counts.entry(m.region.clone()).or_insert(0) += 1;
            }
        }
        counts
    }

    #[test]
    fn rare_regions_are_all_drawn_before_common_ones_fill_the_sample() {
        let pool = skewed_pool();
        let ids = stratified_sample(&pool, 20, 7);
        assert_eq!(ids.len(), 20);
        let counts = regions_of(&pool, &ids);
        assert_eq!(counts["kidney"], 6, "{counts:?}");
        assert_eq!(counts["adrenal"], 4, "{counts:?}");
        assert_eq!(counts["liver"], 10, "{counts:?}");
    }

    #[test]
    fn a_small_sample_gives_each_region_an_equal_share() {
        let pool = skewed_pool();
        let counts = regions_of(&pool, &stratified_sample(&pool, 9, 1));
        assert_eq!(
            (counts["liver"], counts["kidney"], counts["adrenal"]),
            (3, 3, 3)
        );
    }

    #[test]
    fn sampling_is_reproducible_and_never_repeats_or_takes_empty_sentences() {
        let pool = skewed_pool();
        let a = stratified_sample(&pool, 200, 3);
        assert_eq!(a, stratified_sample(&pool, 200, 3));
        assert_ne!(a, stratified_sample(&pool, 200, 4));
        assert_eq!(a.len(), 100, "every sentence with a mention, once");
        assert_eq!(a.iter().collect::<HashSet<_>>().len(), 100);
    }

    #[test]
    fn the_most_uncertain_sentences_come_first() {
        let pool: Vec<Candidate> = (0..4).map(|i| candidate(i, &["liver", "spine"])).collect();
        // s0: confident; s1: one mention at 0.5; s2: 0.3; s3: unscored mention.
        let probs = |c: &Candidate| match c.id.as_str() {
            "s0" => vec![Some(0.99), Some(0.02)],
            "s1" => vec![Some(0.99), Some(0.5)],
            "s2" => vec![Some(0.3), Some(0.9)],
            _ => vec![Some(0.99), None],
        };
        let order = order_by_uncertainty(&pool, 3, 0, probs);
        assert_eq!(order.len(), 3);
        assert_eq!(order[2], "s2");
        assert!(order[..2].contains(&"s1".to_string()) && order[..2].contains(&"s3".to_string()));
    }

    #[test]
    fn predictions_match_mentions_by_span() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jsonl");
        std::fs::write(
            &path,
            "{\"id\":\"s1\",\"mentions\":[{\"start\":10,\"end\":15,\"prob\":0.25}]}\n",
        )
        .unwrap();
        let p = Predictions::read(&path).unwrap();
        assert_eq!(
            p.score(&candidate(1, &["liver", "spine"])),
            vec![None, Some(0.25)]
        );
        assert_eq!(p.score(&candidate(2, &["liver"])), vec![None]);
    }

    #[test]
    fn a_probability_outside_zero_one_is_an_error_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.jsonl");
        std::fs::write(
            &path,
            "\n{\"id\":\"s1\",\"mentions\":[{\"start\":0,\"end\":5,\"prob\":1.5}]}\n",
        )
        .unwrap();
        let err = Predictions::read(&path).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
