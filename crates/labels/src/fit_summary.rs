//! What a label model fit saw and did: its size, the views it took jointly, each pair of
//! labellers' dependence and whether the fit is identifiable.

use std::fmt;

/// Whether the unlabelled mentions pin the fit down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Three or more views independent given the truth: the labellers' accuracies are
    /// identifiable from unlabelled mentions alone (generically; Kruskal's theorem).
    ThreeViews,
    /// Fewer views, but hand labels of both classes fix the solution.
    HandLabels,
    /// Fewer than three views and too few hand labels: the fit is the EM solution nearest its
    /// start (the labellers' median); its learned accuracies are not identifiable.
    StartOnly,
}

/// Two labellers' dependence given the truth.
#[derive(Debug, Clone, PartialEq)]
pub struct LabellerDependence {
    /// The first labeller.
    pub a: String,
    /// The second.
    pub b: String,
    /// Their mutual information given the class, in nats (0: independent given the truth).
    pub nats: f64,
}

/// What a fit saw and did.
#[derive(Debug, Clone, PartialEq)]
pub struct FitSummary {
    /// Mentions fitted on (unlabelled and hand-labelled).
    pub mentions: usize,
    /// Of them, hand-labelled.
    pub hand_labelled: usize,
    /// Mentions whose region is not in the ontology (fitted with the root's parameters).
    pub unknown_regions: usize,
    /// EM iterations of the final fit.
    pub iterations: usize,
    /// Whether EM met its tolerance before the iteration limit.
    pub converged: bool,
    /// Log-likelihood of the labellers' outputs per mention.
    pub log_likelihood_per_mention: f64,
    /// The views: labellers taken jointly share one.
    pub views: Vec<Vec<String>>,
    /// Every pair's dependence given the truth (measured on the first fit).
    pub dependence: Vec<LabellerDependence>,
    /// Whether the fit is identifiable.
    pub anchor: Anchor,
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ThreeViews => "identifiable: three or more independent views",
            Self::HandLabels => "identifiable: anchored by hand labels of both classes",
            Self::StartOnly => {
                "NOT identifiable (fewer than three independent views and too few hand labels): \
                 the learned accuracies are the EM solution nearest the labellers' median"
            }
        })
    }
}

impl fmt::Display for FitSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "label model: {} mentions ({} hand-labelled{}), EM {} after {} iterations, log-likelihood {:.4} per mention",
            self.mentions,
            self.hand_labelled,
            match self.unknown_regions {
                0 => String::new(),
                n => format!(", {n} of regions not in the ontology"),
            },
            if self.converged {
                "converged"
            } else {
                "stopped"
            },
            self.iterations,
            self.log_likelihood_per_mention
        )?;
        let views: Vec<String> = self.views.iter().map(|v| v.join(" x ")).collect();
        writeln!(f, "views: {}; {}", views.join(", "), self.anchor)?;
        for d in &self.dependence {
            writeln!(
                f,
                "dependence given the truth, {} ~ {}: {:.3} nats",
                d.a, d.b, d.nats
            )?;
        }
        Ok(())
    }
}
