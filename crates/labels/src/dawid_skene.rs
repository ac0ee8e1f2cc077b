//! The label model's arithmetic: Dawid–Skene EM over discrete labeller outputs, with each
//! region's parameters shrunk toward its parents' up the ontology DAG.
//!
//! Model, per mention i of region r with true class y (1 abnormal):
//! P(y = 1) = pi_r, and each view v (one labeller, or a group of dependent labellers taken
//! jointly) shows level k with P(k | y = c) = theta_{r,v,c}(k), the views independent given y.
//!
//! Sharing up the ontology: the counts of a region pool the mentions of the region and of
//! every region below it; a region's estimate is those counts plus `prior_strength`
//! pseudo-mentions distributed as the mean of its parents' estimates (a Dirichlet prior centred
//! on the parents: MAP estimation). So a region with few mentions takes its parents' estimate,
//! and one with many mentions its own. The root ("full") gets a uniform pseudo-count of one per
//! level (Laplace; for a view of several labellers, spread as its members' own tables taken as
//! independent, see `Data::members`). Known (hand-labelled) classes enter the E-step as
//! certain.
//!
//! Two constraints keep EM from answers the data cannot support: a level never counts as
//! evidence against what it claims (a probability below 0.5 never for abnormal, above never
//! for normal: [`Claim`]), and a single view, which cannot check itself, learns its tables
//! from the hand-labelled mentions only. The reverse holds for a view built on the hand labels
//! (`Data::unlabelled_only`): it learns its tables from the unlabelled mentions only.

use crate::levels::{Claim, member_levels};
use uptake_ontology::Ontology;

/// The region DAG as the fit needs it: nodes are ontology region indices.
#[derive(Debug, Clone)]
pub(crate) struct Hierarchy {
    parents: Vec<Vec<usize>>,
    /// Every node, parents before children.
    order: Vec<usize>,
    /// Each node's ancestors, itself excluded.
    ancestors: Vec<Vec<usize>>,
}

impl Hierarchy {
    /// The DAG of `ontology`.
    pub(crate) fn of(ontology: &Ontology) -> Self {
        let mut parents = vec![Vec::new(); ontology.len()];
        let mut ancestors = vec![Vec::new(); ontology.len()];
        for &id in ontology.ids() {
            parents[id.index()] = ontology
                .region(id)
                .parents
                .iter()
                .map(|p| p.index())
                .collect();
            ancestors[id.index()] = ontology.ancestors(id).iter().map(|a| a.index()).collect();
        }
        let order = ontology.ids().iter().map(|id| id.index()).collect();
        Self {
            parents,
            order,
            ancestors,
        }
    }

    /// Number of nodes.
    pub(crate) fn len(&self) -> usize {
        self.parents.len()
    }
}

/// What the fit sees: per mention its node, its level in each view and its class if known.
#[derive(Debug, Clone, Default)]
pub(crate) struct Data {
    /// Levels per view.
    pub(crate) sizes: Vec<usize>,
    /// Per view, what each level claims: the M-step never lets a level that claims one class
    /// be evidence of the other.
    pub(crate) claims: Vec<Vec<Claim>>,
    /// Per view, whether its tables are learned from the unlabelled mentions only (a labeller
    /// built on the hand labels would look better on them than it is).
    pub(crate) unlabelled_only: Vec<bool>,
    /// Per view, the number of levels of each member (one labeller: one entry); a joint
    /// level is the members' levels in mixed radix, the first member most significant. The
    /// root's table of a joint view is centred on its members' own tables taken as independent,
    /// so a combination no hand label shows ("rules normal, model abnormal") takes what its
    /// members' levels say together, not even odds.
    pub(crate) members: Vec<Vec<usize>>,
    /// Per mention: its node.
    pub(crate) nodes: Vec<usize>,
    /// Per mention: its level in each view (`sizes.len()` entries each, mention-major).
    pub(crate) levels: Vec<usize>,
    /// Per mention: the hand label, when there is one.
    pub(crate) known: Vec<Option<bool>>,
}

impl Data {
    /// Number of mentions.
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The levels of mention `i`, one per view.
    pub(crate) fn levels_of(&self, i: usize) -> &[usize] {
        let v = self.sizes.len();
        &self.levels[i * v..(i + 1) * v]
    }
}

/// Fitted parameters, as logarithms.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Params {
    sizes: Vec<usize>,
    /// Per node: log P(y = 0), log P(y = 1).
    log_prior: Vec<[f64; 2]>,
    /// Per node, per view, per class: log P(level | class).
    log_confusion: Vec<Vec<[Vec<f64>; 2]>>,
}

impl Params {
    /// Log odds of abnormal for a mention of `node` showing `levels`.
    pub(crate) fn log_odds(&self, node: usize, levels: &[usize]) -> f64 {
        let [p0, p1] = self.log_prior[node];
        let mut odds = p1 - p0;
        for (v, &k) in levels.iter().enumerate() {
            let [c0, c1] = &self.log_confusion[node][v];
            odds += c1[k] - c0[k];
        }
        odds
    }

    /// The log odds one view adds for a mention of `node` showing `level`.
    pub(crate) fn evidence(&self, node: usize, view: usize, level: usize) -> f64 {
        let [c0, c1] = &self.log_confusion[node][view];
        c1[level] - c0[level]
    }

    /// log P(y = c) + log P(levels | c) for both classes.
    fn joint(&self, node: usize, levels: &[usize]) -> [f64; 2] {
        let mut a = self.log_prior[node];
        for (v, &k) in levels.iter().enumerate() {
            for (c, value) in a.iter_mut().enumerate() {
                *value += self.log_confusion[node][v][c][k];
            }
        }
        a
    }

    /// P(y = 1) in `node` before any labeller is heard.
    pub(crate) fn prior(&self, node: usize) -> f64 {
        self.log_prior[node][1].exp()
    }

    /// P(level | class) of `view` in `node`.
    pub(crate) fn confusion(&self, node: usize, view: usize, class: bool) -> Vec<f64> {
        self.log_confusion[node][view][usize::from(class)]
            .iter()
            .map(|l| l.exp())
            .collect()
    }
}

/// How the EM runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct EmSettings {
    /// Pseudo-mentions of the parents' estimate in each region's estimate.
    pub(crate) prior_strength: f64,
    /// Most EM iterations.
    pub(crate) max_iterations: usize,
    /// Stop when the log-likelihood per mention changes less than this.
    pub(crate) tolerance: f64,
}

/// The result of a fit.
#[derive(Debug, Clone)]
pub(crate) struct EmFit {
    pub(crate) params: Params,
    /// P(y = 1 | levels) of each mention of the data (the known ones: their label).
    pub(crate) posteriors: Vec<f64>,
    pub(crate) iterations: usize,
    pub(crate) converged: bool,
    /// Log-likelihood of the labellers' outputs (and the known classes) per mention.
    pub(crate) log_likelihood_per_mention: f64,
}

/// Fits by EM from the initial posteriors `init` (one per mention).
pub(crate) fn fit(
    data: &Data,
    hierarchy: &Hierarchy,
    init: &[f64],
    settings: &EmSettings,
) -> EmFit {
    let mut posteriors: Vec<f64> = init
        .iter()
        .zip(&data.known)
        .map(|(&q, known)| known.map_or(q, f64::from))
        .collect();
    let mut params = m_step(data, hierarchy, &posteriors, settings.prior_strength);
    let mut previous = f64::NEG_INFINITY;
    let (mut iterations, mut converged) = (0, false);
    while iterations < settings.max_iterations {
        iterations += 1;
        let ll = e_step(data, &params, &mut posteriors);
        params = m_step(data, hierarchy, &posteriors, settings.prior_strength);
        if (ll - previous).abs() < settings.tolerance {
            converged = true;
            break;
        }
        previous = ll;
    }
    let ll = e_step(data, &params, &mut posteriors);
    EmFit {
        params,
        posteriors,
        iterations,
        converged,
        log_likelihood_per_mention: ll,
    }
}

/// Posteriors from `params`; returns the log-likelihood per mention.
fn e_step(data: &Data, params: &Params, posteriors: &mut [f64]) -> f64 {
    let mut ll = 0.0;
    for (i, q) in posteriors.iter_mut().enumerate() {
        let a = params.joint(data.nodes[i], data.levels_of(i));
        match data.known[i] {
            Some(y) => ll += a[usize::from(y)],
            None => {
                let m = a[0].max(a[1]);
                ll += m + ((a[0] - m).exp() + (a[1] - m).exp()).ln();
                *q = 1.0 / (1.0 + (a[0] - a[1]).exp());
            }
        }
    }
    ll / data.len().max(1) as f64
}

/// Soft counts per node (pooled over each node's subtree): class mass, and per view and class
/// the mass at each level.
struct Counts {
    mass: Vec<[f64; 2]>,
    levels: Vec<Vec<[Vec<f64>; 2]>>,
}

fn counts(data: &Data, hierarchy: &Hierarchy, posteriors: &[f64]) -> Counts {
    let n = hierarchy.len();
    let mut c = Counts {
        mass: vec![[0.0; 2]; n],
        levels: vec![
            data.sizes
                .iter()
                .map(|&l| [vec![0.0; l], vec![0.0; l]])
                .collect();
            n
        ],
    };
    // One view cannot check itself: unlabelled mentions only say how often each of its levels
    // occurs, never which class a level means, and EM on them drifts wherever it started. Its
    // tables are learned from the known (hand-labelled) mentions alone.
    let supervised_only =
        data.sizes.len() == 1 && !data.unlabelled_only[0] && data.known.iter().any(Option::is_some);
    for (i, &q) in posteriors.iter().enumerate() {
        let known = data.known[i].is_some();
        if supervised_only && !known {
            continue;
        }
        let w = [1.0 - q, q];
        let node = data.nodes[i];
        let levels = data.levels_of(i);
        for &g in std::iter::once(&node).chain(&hierarchy.ancestors[node]) {
            for (class, &weight) in w.iter().enumerate() {
                c.mass[g][class] += weight;
                for (v, &k) in levels.iter().enumerate() {
                    if !(known && data.unlabelled_only[v]) {
                        c.levels[g][v][class][k] += weight;
                    }
                }
            }
        }
    }
    c
}

/// MAP estimates top-down: each node's counts plus `strength` pseudo-counts of its parents'
/// mean estimate (Laplace at the root).
fn m_step(data: &Data, hierarchy: &Hierarchy, posteriors: &[f64], strength: f64) -> Params {
    let c = counts(data, hierarchy, posteriors);
    let n = hierarchy.len();
    let mut prior = vec![0.5; n];
    let mut confusion: Vec<Vec<[Vec<f64>; 2]>> = vec![Vec::new(); n];
    for &g in &hierarchy.order {
        let parents = &hierarchy.parents[g];
        let total = c.mass[g][0] + c.mass[g][1];
        prior[g] = if parents.is_empty() {
            (c.mass[g][1] + 1.0) / (total + 2.0)
        } else {
            let centre = mean(parents.iter().map(|&p| prior[p]));
            shrunk(c.mass[g][1], total, centre, strength)
        };
        let estimate: Vec<[Vec<f64>; 2]> = (0..data.sizes.len())
            .map(|v| {
                let centre = |class: usize, k: usize| {
                    mean(parents.iter().map(|&p| confusion[p][v][class][k]))
                };
                // The view's own mass: less than the node's where hand labels skip it.
                let mass = [0, 1].map(|class| c.levels[g][v][class].iter().sum());
                let members = data.members.get(v).filter(|m| m.len() > 1);
                let joint = (parents.is_empty())
                    .then(|| members.map(|m| independent_centre(&c.levels[g][v], mass, m)))
                    .flatten();
                let prior = match (parents.is_empty(), &joint) {
                    (true, None) => Prior::Laplace,
                    (true, Some(table)) => Prior::Root(table, class_strengths(mass, data.sizes[v])),
                    (false, _) => Prior::Parents(&centre, strength),
                };
                view_estimate(&c.levels[g][v], mass, prior, &data.claims[v])
            })
            .collect();
        confusion[g] = estimate;
    }
    Params {
        sizes: data.sizes.clone(),
        log_prior: prior
            .iter()
            .map(|&p| [(1.0 - p).max(1e-12).ln(), p.max(1e-12).ln()])
            .collect(),
        log_confusion: confusion
            .into_iter()
            .map(|views| {
                views
                    .into_iter()
                    .map(|classes| classes.map(|ps| ps.iter().map(|p| p.max(1e-12).ln()).collect()))
                    .collect()
            })
            .collect(),
    }
}

/// A joint view's P(level | class) if its members were independent given the class: the
/// product of each member's own table (the view's `counts` summed over the other members,
/// Laplace-smoothed). `members` are the members' numbers of levels.
fn independent_centre(counts: &[Vec<f64>; 2], mass: [f64; 2], members: &[usize]) -> [Vec<f64>; 2] {
    let joint: Vec<Vec<usize>> = (0..counts[0].len())
        .map(|k| member_levels(members, k))
        .collect();
    [0, 1].map(|class| {
        let mut tables: Vec<Vec<f64>> = members.iter().map(|&size| vec![0.0; size]).collect();
        for (own, &count) in joint.iter().zip(&counts[class]) {
            own.iter()
                .enumerate()
                .for_each(|(j, &l)| tables[j][l] += count);
        }
        for (table, &size) in tables.iter_mut().zip(members) {
            table
                .iter_mut()
                .for_each(|t| *t = laplace(*t, mass[class], size));
        }
        (joint.iter())
            .map(|own| own.iter().enumerate().map(|(j, &l)| tables[j][l]).product())
            .collect()
    })
}

/// The root's pseudo-counts of a joint view with `levels` levels: as many in all as Laplace's
/// (one per level and class), split between the classes as their mass is, so that a level
/// without counts keeps the class prior times its centre's likelihood ratio (equal pseudo-counts
/// would divide the prior out: an unseen combination would ignore how rare abnormal is).
fn class_strengths(mass: [f64; 2], levels: usize) -> [f64; 2] {
    let total = mass[0] + mass[1] + 2.0;
    mass.map(|m| 2.0 * levels as f64 * (m + 1.0) / total)
}

/// The pseudo-counts of a node's estimate.
enum Prior<'a> {
    /// One per level and class: the root.
    Laplace,
    /// `strength` pseudo-counts spread as the parents' mean estimate (class, level).
    Parents(&'a dyn Fn(usize, usize) -> f64, f64),
    /// Pseudo-counts per class spread as a table (class, level): a joint view's root.
    Root(&'a [Vec<f64>; 2], [f64; 2]),
}

/// One view's P(level | class) at a node: its soft `counts` plus the `prior`'s pseudo-counts,
/// then made to respect the levels' `claims`.
fn view_estimate(
    counts: &[Vec<f64>; 2],
    mass: [f64; 2],
    prior: Prior<'_>,
    claims: &[Claim],
) -> [Vec<f64>; 2] {
    let levels = claims.len();
    let mut theta = [0, 1].map(|class| {
        let (counts, mass) = (&counts[class], mass[class]);
        (0..levels)
            .map(|k| match prior {
                Prior::Laplace => laplace(counts[k], mass, levels),
                Prior::Parents(centre, strength) => {
                    shrunk(counts[k], mass, centre(class, k), strength)
                }
                Prior::Root(centre, strengths) => {
                    shrunk(counts[k], mass, centre[class][k], strengths[class])
                }
            })
            .collect::<Vec<f64>>()
    });
    let pseudo = match prior {
        Prior::Laplace => [levels as f64; 2],
        Prior::Parents(_, strength) => [strength; 2],
        Prior::Root(_, strengths) => strengths,
    };
    respect_claims(&mut theta, [0, 1].map(|c| mass[c] + pseudo[c]), claims);
    theta
}

/// Ties P(k | abnormal) = P(k | normal) at each level whose estimate contradicts its claim (a
/// "normal" output more likely under abnormal, or the reverse), at the two classes' pooled
/// share, and rescales the other levels; repeats until no level contradicts its claim. Without
/// this, EM can explain a region's many "negated" or "benign" rule outputs as abnormal when two
/// other labellers fire on the same words (the regex and a report model on "the iliac and
/// inguinal nodal stations are free of disease"): a labeller read backwards in one region.
/// `weights` are each class's total (pseudo-)count, so `theta * weight` are the counts.
fn respect_claims(theta: &mut [Vec<f64>; 2], weights: [f64; 2], claims: &[Claim]) {
    let counts = [0, 1].map(|c| theta[c].iter().map(|t| t * weights[c]).collect::<Vec<_>>());
    let mut tied = vec![false; claims.len()];
    loop {
        let contradicts = |k: usize| match claims[k] {
            Claim::Normal => theta[1][k] > theta[0][k] + CLAIM_TOLERANCE,
            Claim::Abnormal => theta[1][k] + CLAIM_TOLERANCE < theta[0][k],
            Claim::Either => false,
        };
        let new: Vec<usize> = (0..claims.len())
            .filter(|&k| !tied[k] && contradicts(k))
            .collect();
        if new.is_empty() {
            return;
        }
        new.iter().for_each(|&k| tied[k] = true);
        let total = weights[0] + weights[1];
        let share = |k: usize| (counts[0][k] + counts[1][k]) / total.max(f64::MIN_POSITIVE);
        let tied_mass: f64 = (0..claims.len()).filter(|&k| tied[k]).map(share).sum();
        for class in 0..2 {
            let free: f64 = (0..claims.len())
                .filter(|&k| !tied[k])
                .map(|k| counts[class][k])
                .sum();
            let free_levels = tied.iter().filter(|t| !**t).count().max(1) as f64;
            for k in 0..claims.len() {
                theta[class][k] = match (tied[k], free > 1e-12) {
                    (true, _) => share(k),
                    (false, true) => (1.0 - tied_mass) * counts[class][k] / free,
                    (false, false) => (1.0 - tied_mass) / free_levels,
                };
            }
        }
    }
}

/// How far a level's two probabilities may contradict its claim (rounding).
const CLAIM_TOLERANCE: f64 = 1e-12;

/// (count + 1) / (total + levels): one pseudo-count per level.
fn laplace(count: f64, total: f64, levels: usize) -> f64 {
    (count + 1.0) / (total + levels as f64)
}

/// (count + strength centre) / (total + strength): the parents' estimate where there is no
/// data.
fn shrunk(count: f64, total: f64, centre: f64, strength: f64) -> f64 {
    let denominator = total + strength;
    if denominator < 1e-12 {
        centre
    } else {
        (count + strength * centre) / denominator
    }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    sum / n.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use uptake_ontology::Ontology;

    #[test]
    fn a_level_read_against_its_claim_is_tied_between_the_classes() {
        // Level 0 claims normal (a rule's "negated") yet is likelier under abnormal.
        let claims = [Claim::Normal, Claim::Normal, Claim::Abnormal];
        let mut theta = [vec![0.2, 0.7, 0.1], vec![0.6, 0.1, 0.3]];
        respect_claims(&mut theta, [100.0, 50.0], &claims);
        let pooled = (0.2 * 100.0 + 0.6 * 50.0) / 150.0;
        for class in &theta {
            assert!((class[0] - pooled).abs() < 1e-12, "{theta:?}");
            assert!((class.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{theta:?}");
        }
        // The other levels keep their proportions within each class.
        assert!((theta[0][1] / theta[0][2] - 7.0).abs() < 1e-9, "{theta:?}");
        assert!(
            (theta[1][1] / theta[1][2] - 1.0 / 3.0).abs() < 1e-9,
            "{theta:?}"
        );
    }

    #[test]
    fn a_joint_views_root_centre_is_its_members_own_tables_multiplied() {
        // Two members of 2 and 3 levels; joint level k = 3 * first + second.
        let counts = [
            vec![4.0, 0.0, 0.0, 0.0, 2.0, 0.0],
            vec![0.0, 0.0, 1.0, 0.0, 0.0, 5.0],
        ];
        let centre = independent_centre(&counts, [6.0, 6.0], &[2, 3]);
        // Normal: first member (4 + 1) / 8 and (2 + 1) / 8; second (4 + 1) / 9, (2 + 1) / 9, 1 / 9.
        let (a, b) = ([5.0 / 8.0, 3.0 / 8.0], [5.0 / 9.0, 3.0 / 9.0, 1.0 / 9.0]);
        for k in 0..6 {
            assert!(
                (centre[0][k] - a[k / 3] * b[k % 3]).abs() < 1e-12,
                "{centre:?}"
            );
        }
        // Abnormal: first member 2 / 8 and 6 / 8; second 1 / 9, 1 / 9 and 7 / 9.
        assert!(
            (centre[1][5] - 6.0 / 8.0 * 7.0 / 9.0).abs() < 1e-12,
            "{centre:?}"
        );
    }

    #[test]
    fn a_combination_no_hand_label_shows_takes_its_members_own_evidence_and_the_prior() {
        // One joint view of two 0/1 labellers ("says normal" 0, "says abnormal" 1); joint
        // level = 2 * first + second. Hand labels: normal (0,0) x 50 and (1,0) x 10; abnormal
        // (1,1) x 30, (1,0) x 5 and (0,0) x 5. None shows (0,1), the first labeller saying
        // normal and the second abnormal.
        let ontology = Ontology::builtin();
        let root = ontology.root().index();
        let mut data = Data {
            sizes: vec![4],
            claims: vec![vec![
                Claim::Normal,
                Claim::Either,
                Claim::Either,
                Claim::Abnormal,
            ]],
            members: vec![vec![2, 2]],
            unlabelled_only: vec![false],
            ..Data::default()
        };
        for (level, class, n) in [
            (0, false, 50),
            (2, false, 10),
            (3, true, 30),
            (2, true, 5),
            (0, true, 5),
        ] {
            for _ in 0..n {
                data.nodes.push(root);
                data.levels.push(level);
                data.known.push(Some(class));
            }
        }
        let posteriors: Vec<f64> = data
            .known
            .iter()
            .map(|k| f64::from(u8::from(k.unwrap())))
            .collect();
        let params = m_step(&data, &Hierarchy::of(&ontology), &posteriors, 20.0);
        // Naive Bayes from each labeller's own (Laplace) table: the first says normal in 5 of
        // 40 lesions and 50 of 60 normal mentions, the second abnormal in 30 of 40 and 0 of 60.
        let first: f64 = ((5.0 + 1.0) / 42.0) / ((50.0 + 1.0) / 62.0);
        let second: f64 = ((30.0 + 1.0) / 42.0) / ((0.0 + 1.0) / 62.0);
        let prior: f64 = (40.0 + 1.0) / (60.0 + 1.0);
        let expected = prior.ln() + first.ln() + second.ln();
        let found = params.log_odds(root, &[1]);
        assert!(
            (found - expected).abs() < 0.05,
            "log odds {found}, naive Bayes {expected}"
        );
    }

    #[test]
    fn levels_that_agree_with_their_claims_are_left_alone() {
        let claims = [Claim::Normal, Claim::Either, Claim::Abnormal];
        let before = [vec![0.7, 0.2, 0.1], vec![0.1, 0.3, 0.6]];
        let mut theta = before.clone();
        respect_claims(&mut theta, [100.0, 50.0], &claims);
        assert_eq!(theta, before);
    }
}
