//! Survival analysis: Cox proportional hazards (Newton-Raphson; Efron or Breslow ties; Breslow
//! baseline; no penalty), Wald and likelihood-ratio tests, Harrell's concordance, Kaplan-Meier
//! with Greenwood confidence intervals.
//!
//! Written here rather than taken from a crate: the one Rust crate offering Cox regression
//! (`survival` 2.x) needs a newer compiler than the workspace's minimum (1.94 vs 1.92) and brings
//! Python bindings along; the model is a few hundred lines, validated in the tests against the
//! published coefficients of the Rossi recidivism data. Distributions (normal, chi-squared) come
//! from `statrs`.

// Matrix code reads best with explicit indices.
#![allow(clippy::needless_range_loop)]

use serde::{Serialize, Serializer};
use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// Data a Cox model cannot be fitted to, or a fit that fails.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SurvivalError {
    /// Nobody died.
    #[error("no events (deaths) in the data: the Cox model cannot be fitted")]
    NoEvents,
    /// Times, events and covariate rows differ in number.
    #[error("{0} observations but {1} rows of covariates")]
    LengthMismatch(usize, usize),
    /// A time is negative or not finite.
    #[error("observation {index}: time {time} must be finite and not negative")]
    BadTime {
        /// The observation.
        index: usize,
        /// Its time.
        time: f64,
    },
    /// A covariate value is not finite.
    #[error("observation {index}, covariate `{name}`: value is not finite")]
    BadCovariate {
        /// The observation.
        index: usize,
        /// The covariate.
        name: String,
    },
    /// Collinear covariates.
    #[error(
        "the covariates are collinear (information matrix not positive definite); drop one of: {0}"
    )]
    Singular(String),
    /// No convergence.
    #[error(
        "Newton-Raphson did not converge in {iterations} iterations; the coefficient of `{covariate}` is the largest (a covariate may nearly separate events from survivors)"
    )]
    NotConverged {
        /// Iterations run.
        iterations: usize,
        /// The covariate with the largest coefficient per standard deviation.
        covariate: String,
    },
    /// A covariate separates events from survivors.
    #[error(
        "the coefficient of `{0}` diverges: it separates events from survivors perfectly (monotone likelihood), so its hazard ratio is infinite; drop or coarsen it"
    )]
    Monotone(String),
    /// A likelihood-ratio test between models that are not nested.
    #[error(
        "models are not nested: the larger model must contain every covariate of the smaller one and be fitted on the same observations"
    )]
    NotNested,
}

/// How tied event times enter the partial likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ties {
    /// Efron's approximation (R's default).
    #[default]
    Efron,
    /// Breslow's approximation.
    Breslow,
}

impl std::str::FromStr for Ties {
    type Err = String;

    /// `efron` or `breslow`.
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "efron" => Ok(Self::Efron),
            "breslow" => Ok(Self::Breslow),
            _ => Err(format!("`{text}` is not a ties method (efron or breslow)")),
        }
    }
}

/// Survival data: follow-up time, whether the event was observed (else censored), covariates.
#[derive(Debug, Clone)]
pub struct SurvivalData {
    /// Follow-up time of each observation.
    pub time: Vec<f64>,
    /// Whether the event was observed (else censored).
    pub event: Vec<bool>,
    /// Row-major, one row per observation, one value per name.
    pub x: Vec<Vec<f64>>,
    /// Covariate names.
    pub names: Vec<String>,
}

impl SurvivalData {
    fn validate(&self) -> Result<(), SurvivalError> {
        if self.time.len() != self.event.len() {
            return Err(SurvivalError::LengthMismatch(
                self.time.len(),
                self.event.len(),
            ));
        }
        if self.time.len() != self.x.len() {
            return Err(SurvivalError::LengthMismatch(self.time.len(), self.x.len()));
        }
        for (i, &t) in self.time.iter().enumerate() {
            if !t.is_finite() || t < 0.0 {
                return Err(SurvivalError::BadTime { index: i, time: t });
            }
            for (j, v) in self.x[i].iter().enumerate() {
                if !v.is_finite() {
                    return Err(SurvivalError::BadCovariate {
                        index: i,
                        name: self.names[j].clone(),
                    });
                }
            }
        }
        if !self.event.iter().any(|&e| e) {
            return Err(SurvivalError::NoEvents);
        }
        Ok(())
    }

    /// The same observations with only the named covariates (in the given order).
    pub fn select(&self, names: &[String]) -> SurvivalData {
        let cols: Vec<usize> = names
            .iter()
            .filter_map(|n| self.names.iter().position(|m| m == n))
            .collect();
        SurvivalData {
            time: self.time.clone(),
            event: self.event.clone(),
            x: self
                .x
                .iter()
                .map(|r| cols.iter().map(|&c| r[c]).collect())
                .collect(),
            names: cols.iter().map(|&c| self.names[c].clone()).collect(),
        }
    }
}

/// One covariate's estimate.
#[derive(Debug, Clone, Serialize)]
pub struct Coefficient {
    /// The covariate.
    pub name: String,
    /// log hazard ratio.
    pub coef: f64,
    /// Its standard error.
    pub se: f64,
    /// exp(coef).
    pub hazard_ratio: f64,
    /// Wald 95 % CI of the hazard ratio.
    pub hr_ci: (f64, f64),
    /// coef / se.
    pub z: f64,
    /// Two-sided Wald p-value.
    pub p_value: f64,
}

/// A fitted Cox proportional hazards model.
#[derive(Debug, Clone, Serialize)]
pub struct CoxFit {
    /// The ties approximation used.
    pub ties: Ties,
    /// Observations.
    pub n: usize,
    /// Events among them.
    pub events: usize,
    /// One per covariate, in data order.
    pub coefficients: Vec<Coefficient>,
    /// Variance-covariance matrix of the coefficients (inverse information).
    pub covariance: Vec<Vec<f64>>,
    /// Partial log-likelihood at the estimate.
    pub log_likelihood: f64,
    /// Partial log-likelihood with every coefficient 0.
    pub null_log_likelihood: f64,
    /// Newton-Raphson iterations.
    pub iterations: usize,
    /// Covariate means; the baseline hazard is that of a subject at these means.
    pub means: Vec<f64>,
    /// Breslow cumulative baseline hazard (time, H0(t)) at each event time.
    pub baseline_cumulative_hazard: Vec<(f64, f64)>,
}

/// Partial log-likelihood, score and information at `beta` (covariates already centred).
fn partial_likelihood(
    data: &SurvivalData,
    x: &[Vec<f64>],
    order: &[usize],
    beta: &[f64],
    ties: Ties,
) -> (f64, Vec<f64>, Vec<Vec<f64>>) {
    let p = beta.len();
    let mut ll = 0.0;
    let mut grad = vec![0.0; p];
    let mut info = vec![vec![0.0; p]; p];
    let (mut s0, mut s1, mut s2) = (0.0, vec![0.0; p], vec![vec![0.0; p]; p]);
    let risk: Vec<f64> = x.iter().map(|r| dot(r, beta).exp()).collect();
    let mut i = 0;
    // `order` is by decreasing time: the risk set of time t is everyone seen up to its group.
    while i < order.len() {
        let t = data.time[order[i]];
        let mut j = i;
        let (mut d0, mut d1, mut d2) = (0.0, vec![0.0; p], vec![vec![0.0; p]; p]);
        let mut deaths = 0usize;
        while j < order.len() && data.time[order[j]] == t {
            let k = order[j];
            let r = risk[k];
            s0 += r;
            for a in 0..p {
                s1[a] += r * x[k][a];
                for b in 0..=a {
                    s2[a][b] += r * x[k][a] * x[k][b];
                }
            }
            if data.event[k] {
                deaths += 1;
                d0 += r;
                ll += dot(&x[k], beta);
                for a in 0..p {
                    grad[a] += x[k][a];
                    d1[a] += r * x[k][a];
                    for b in 0..=a {
                        d2[a][b] += r * x[k][a] * x[k][b];
                    }
                }
            }
            j += 1;
        }
        for l in 0..deaths {
            let f = match ties {
                Ties::Efron => l as f64 / deaths as f64,
                Ties::Breslow => 0.0,
            };
            let z0 = s0 - f * d0;
            ll -= z0.ln();
            for a in 0..p {
                let za = s1[a] - f * d1[a];
                grad[a] -= za / z0;
                for b in 0..=a {
                    let zb = s1[b] - f * d1[b];
                    let zab = s2[a][b] - f * d2[a][b];
                    info[a][b] += zab / z0 - za * zb / (z0 * z0);
                }
            }
        }
        i = j;
    }
    for a in 0..p {
        for b in 0..a {
            info[b][a] = info[a][b];
        }
    }
    (ll, grad, info)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Cholesky factor L (lower) of a symmetric positive definite matrix, or `None`.
fn cholesky(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s = m[i][j] - (0..j).map(|k| l[i][k] * l[j][k]).sum::<f64>();
            if i == j {
                if s <= 1e-12 * m[i][i].abs().max(1e-300) {
                    return None;
                }
                l[i][i] = s.sqrt();
            } else {
                l[i][j] = s / l[j][j];
            }
        }
    }
    Some(l)
}

fn cholesky_solve(l: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let n = l.len();
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = (b[i] - (0..i).map(|k| l[i][k] * y[k]).sum::<f64>()) / l[i][i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    x
}

/// Inverse of a symmetric positive definite matrix, or `None`.
fn spd_inverse(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let l = cholesky(m)?;
    let mut inv = vec![vec![0.0; n]; n];
    for c in 0..n {
        let mut e = vec![0.0; n];
        e[c] = 1.0;
        let col = cholesky_solve(&l, &e);
        for r in 0..n {
            inv[r][c] = col[r];
        }
    }
    Some(inv)
}

/// Two-sided p-value of a standard normal z.
fn normal_two_sided_p(z: f64) -> f64 {
    let n = Normal::standard();
    (2.0 * n.sf(z.abs())).min(1.0)
}

/// Upper tail of chi-squared with `df` degrees of freedom.
fn chi2_sf(x: f64, df: f64) -> f64 {
    if df <= 0.0 {
        return f64::NAN;
    }
    ChiSquared::new(df)
        .map(|d| d.sf(x.max(0.0)))
        .unwrap_or(f64::NAN)
}

/// The most Newton-Raphson iterations of a fit.
const MAX_ITERATIONS: usize = 100;

/// A coefficient whose covariate's standard deviation multiplies the hazard by more than e^5
/// (148) after a failed or flat fit is taken as diverging (separation), not as collinearity.
const DIVERGING_PER_SD: f64 = 5.0;

/// The centred design of a fit, and the observations by decreasing time.
struct CoxProblem<'a> {
    data: &'a SurvivalData,
    x: Vec<Vec<f64>>,
    order: Vec<usize>,
    means: Vec<f64>,
    /// Standard deviation of each covariate.
    sd: Vec<f64>,
}

impl<'a> CoxProblem<'a> {
    fn new(data: &'a SurvivalData) -> Self {
        let n = data.time.len();
        let p = data.names.len();
        // Centring changes no coefficient, only the baseline, and keeps exp(x beta) in range.
        let means: Vec<f64> = (0..p)
            .map(|j| data.x.iter().map(|r| r[j]).sum::<f64>() / n as f64)
            .collect();
        let x: Vec<Vec<f64>> = (data.x.iter())
            .map(|r| r.iter().zip(&means).map(|(v, m)| v - m).collect())
            .collect();
        let sd = (0..p)
            .map(|j| (x.iter().map(|r| r[j] * r[j]).sum::<f64>() / n.max(1) as f64).sqrt())
            .collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| data.time[b].total_cmp(&data.time[a]));
        Self {
            data,
            x,
            order,
            means,
            sd,
        }
    }

    fn likelihood(&self, beta: &[f64], ties: Ties) -> (f64, Vec<f64>, Vec<Vec<f64>>) {
        partial_likelihood(self.data, &self.x, &self.order, beta, ties)
    }

    /// The covariate whose coefficient is largest per standard deviation of the covariate.
    fn largest(&self, beta: &[f64]) -> (String, f64) {
        let per_sd = |j: usize| beta[j].abs() * self.sd[j];
        let j = (0..beta.len())
            .max_by(|&a, &b| per_sd(a).total_cmp(&per_sd(b)))
            .unwrap_or(0);
        (self.data.names[j].clone(), per_sd(j))
    }

    /// Why the information matrix is singular at `beta`: collinear covariates at the start,
    /// else the likelihood keeps rising towards an asymptote along a diverging coefficient.
    fn singular(&self, beta: &[f64]) -> SurvivalError {
        match self.largest(beta) {
            (name, per_sd) if per_sd > DIVERGING_PER_SD => SurvivalError::Monotone(name),
            _ => SurvivalError::Singular(self.data.names.join(", ")),
        }
    }
}

/// The Newton-Raphson estimate: coefficients, log-likelihood and information there,
/// iterations.
struct Estimate {
    beta: Vec<f64>,
    ll: f64,
    info: Vec<Vec<f64>>,
    iterations: usize,
}

/// Newton-Raphson with step halving from 0, until the log-likelihood changes by less than
/// 1e-10 (relative) with steps below 1e-6, or no step raises it any more.
fn newton(problem: &CoxProblem, ties: Ties) -> Result<Estimate, SurvivalError> {
    let p = problem.data.names.len();
    let mut beta = vec![0.0; p];
    let (mut ll, mut grad, mut info) = problem.likelihood(&beta, ties);
    let mut iterations = 0;
    let mut converged = p == 0;
    while !converged {
        if iterations == MAX_ITERATIONS {
            return Err(match problem.largest(&beta) {
                (name, per_sd) if per_sd > DIVERGING_PER_SD => SurvivalError::Monotone(name),
                (covariate, _) => SurvivalError::NotConverged {
                    iterations,
                    covariate,
                },
            });
        }
        iterations += 1;
        let l = cholesky(&info).ok_or_else(|| problem.singular(&beta))?;
        let mut step = cholesky_solve(&l, &grad);
        let mut halvings = 0;
        loop {
            let trial: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + s).collect();
            let (tll, tg, ti) = problem.likelihood(&trial, ties);
            if tll.is_finite() && tll >= ll - 1e-12 * ll.abs() {
                let change = (tll - ll).abs();
                let max_step = step.iter().fold(0.0f64, |m, s| m.max(s.abs()));
                (beta, ll, grad, info) = (trial, tll, tg, ti);
                converged = change <= 1e-10 * (ll.abs() + 1.0) && max_step < 1e-6;
                break;
            }
            halvings += 1;
            if halvings > 30 {
                // No step raises the likelihood: a maximum to machine precision, or a
                // plateau that `check_finite_maximum` tells apart.
                converged = true;
                break;
            }
            step.iter_mut().for_each(|s| *s /= 2.0);
        }
    }
    Ok(Estimate {
        beta,
        ll,
        info,
        iterations,
    })
}

/// Fails when the estimate is not a finite maximum: the information is singular there, or the
/// log-likelihood does not fall (by 1e-3) when one coefficient moves on, in its own direction,
/// far enough to change the log hazard of the most extreme subject by 10. At a finite maximum
/// of the concave log-likelihood such a move costs far more (about (step / se)^2 / 2); a
/// likelihood that stays flat rises towards an asymptote: the covariate separates events
/// from survivors and its hazard ratio is infinite.
fn check_finite_maximum(
    problem: &CoxProblem,
    est: &Estimate,
    ties: Ties,
) -> Result<(), SurvivalError> {
    if est.beta.is_empty() {
        return Ok(());
    }
    if cholesky(&est.info).is_none() {
        return Err(problem.singular(&est.beta));
    }
    for j in 0..est.beta.len() {
        let extreme = problem.x.iter().fold(0.0f64, |m, r| m.max(r[j].abs()));
        if extreme == 0.0 {
            continue;
        }
        let mut further = est.beta.clone();
        further[j] += est.beta[j].signum() * 10.0 / extreme;
        let ll = problem.likelihood(&further, ties).0;
        if ll.is_finite() && ll >= est.ll - 1e-3 {
            return Err(SurvivalError::Monotone(problem.data.names[j].clone()));
        }
    }
    Ok(())
}

/// Fits a Cox proportional hazards model by Newton-Raphson with step halving. Collinear
/// covariates, a covariate that separates events from survivors (monotone likelihood: the
/// hazard ratio would be infinite) and a fit that does not converge are errors naming the
/// covariate.
pub fn fit_cox(data: &SurvivalData, ties: Ties) -> Result<CoxFit, SurvivalError> {
    data.validate()?;
    let problem = CoxProblem::new(data);
    let null_ll = problem.likelihood(&vec![0.0; data.names.len()], ties).0;
    let est = newton(&problem, ties)?;
    check_finite_maximum(&problem, &est, ties)?;
    let covariance = if est.beta.is_empty() {
        Vec::new()
    } else {
        spd_inverse(&est.info).ok_or_else(|| SurvivalError::Singular(data.names.join(", ")))?
    };
    let coefficients = coefficients(&data.names, &est.beta, &covariance);
    let baseline_cumulative_hazard = breslow_baseline(data, &problem.x, &problem.order, &est.beta);
    Ok(CoxFit {
        ties,
        n: data.time.len(),
        events: data.event.iter().filter(|&&e| e).count(),
        coefficients,
        covariance,
        log_likelihood: est.ll,
        null_log_likelihood: null_ll,
        iterations: est.iterations,
        means: problem.means,
        baseline_cumulative_hazard,
    })
}

/// Estimates with Wald standard errors, 95 % CIs of the hazard ratios and p-values.
fn coefficients(names: &[String], beta: &[f64], covariance: &[Vec<f64>]) -> Vec<Coefficient> {
    let z975 = Normal::standard().inverse_cdf(0.975);
    (0..beta.len())
        .map(|j| {
            let se = covariance[j][j].sqrt();
            let z = beta[j] / se;
            Coefficient {
                name: names[j].clone(),
                coef: beta[j],
                se,
                hazard_ratio: beta[j].exp(),
                hr_ci: ((beta[j] - z975 * se).exp(), (beta[j] + z975 * se).exp()),
                z,
                p_value: normal_two_sided_p(z),
            }
        })
        .collect()
}

/// Breslow's estimator: H0(t) = sum over event times s <= t of d(s) / sum_{risk set} exp(x beta).
fn breslow_baseline(
    data: &SurvivalData,
    x: &[Vec<f64>],
    order: &[usize],
    beta: &[f64],
) -> Vec<(f64, f64)> {
    let mut steps = Vec::new();
    let mut s0 = 0.0;
    let mut i = 0;
    while i < order.len() {
        let t = data.time[order[i]];
        let mut d = 0usize;
        let mut j = i;
        while j < order.len() && data.time[order[j]] == t {
            s0 += dot(&x[order[j]], beta).exp();
            d += data.event[order[j]] as usize;
            j += 1;
        }
        if d > 0 {
            steps.push((t, d as f64 / s0));
        }
        i = j;
    }
    steps.reverse();
    let mut cum = 0.0;
    steps
        .into_iter()
        .map(|(t, h)| {
            cum += h;
            (t, cum)
        })
        .collect()
}

/// Likelihood-ratio test result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LrTest {
    /// Twice the log-likelihood difference.
    pub chi2: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// Upper chi-squared tail.
    pub p_value: f64,
}

impl CoxFit {
    /// Likelihood-ratio test of this model against the null model (all coefficients 0).
    pub fn lr_test_null(&self) -> LrTest {
        let chi2 = 2.0 * (self.log_likelihood - self.null_log_likelihood);
        let df = self.coefficients.len();
        LrTest {
            chi2,
            df,
            p_value: chi2_sf(chi2, df as f64),
        }
    }

    /// Likelihood-ratio test of `self` (the larger model) against a nested `smaller` one.
    pub fn lr_test_nested(&self, smaller: &CoxFit) -> Result<LrTest, SurvivalError> {
        let names: Vec<&str> = self.coefficients.iter().map(|c| c.name.as_str()).collect();
        let nested = smaller
            .coefficients
            .iter()
            .all(|c| names.contains(&c.name.as_str()))
            && smaller.n == self.n
            && smaller.coefficients.len() < self.coefficients.len();
        if !nested {
            return Err(SurvivalError::NotNested);
        }
        let chi2 = 2.0 * (self.log_likelihood - smaller.log_likelihood);
        let df = self.coefficients.len() - smaller.coefficients.len();
        Ok(LrTest {
            chi2,
            df,
            p_value: chi2_sf(chi2, df as f64),
        })
    }

    /// Wald chi-squared of a group of covariates (e.g. all one-hot columns of `indication`):
    /// b' V^-1 b over the group; `None` for an empty or unknown group.
    pub fn wald_chi2(&self, names: &[String]) -> Option<f64> {
        let idx: Vec<usize> = names
            .iter()
            .map(|n| self.coefficients.iter().position(|c| &c.name == n))
            .collect::<Option<_>>()?;
        if idx.is_empty() {
            return None;
        }
        let v: Vec<Vec<f64>> = idx
            .iter()
            .map(|&a| idx.iter().map(|&b| self.covariance[a][b]).collect())
            .collect();
        let b: Vec<f64> = idx.iter().map(|&a| self.coefficients[a].coef).collect();
        let l = cholesky(&v)?;
        Some(dot(&b, &cholesky_solve(&l, &b)))
    }

    /// Covariate importance as in the study: Wald chi-squared minus its degrees of freedom.
    pub fn importance(&self, names: &[String]) -> Option<f64> {
        self.wald_chi2(names).map(|c| c - names.len() as f64)
    }

    /// Linear predictor x beta (higher = higher hazard) for raw covariate rows in model order.
    pub fn linear_predictor(&self, x: &[Vec<f64>]) -> Vec<f64> {
        x.iter()
            .map(|r| {
                r.iter()
                    .zip(&self.coefficients)
                    .map(|(v, c)| v * c.coef)
                    .sum()
            })
            .collect()
    }
}

/// Harrell's concordance index of risk scores (higher = earlier event expected), counted as
/// lifelines and R's `survival` count it.
///
/// A pair (i, j) is comparable when i had the event and t_i < t_j (j censored or with a later
/// event), or t_i = t_j and j was censored: a subject censored at the time of an event is taken
/// to have outlived it. Two events at one time are not comparable. A comparable pair is
/// concordant when risk_i > risk_j; tied risks count one half. `None` when no pair is
/// comparable.
pub fn harrell_c(time: &[f64], event: &[bool], risk: &[f64]) -> Option<f64> {
    let mut comparable = 0u64;
    let mut concordant = 0.0;
    for i in 0..time.len() {
        if !event[i] {
            continue;
        }
        for j in 0..time.len() {
            if time[i] < time[j] || (time[i] == time[j] && !event[j]) {
                comparable += 1;
                if risk[i] > risk[j] {
                    concordant += 1.0;
                } else if risk[i] == risk[j] {
                    concordant += 0.5;
                }
            }
        }
    }
    (comparable > 0).then(|| concordant / comparable as f64)
}

/// One step of a Kaplan-Meier curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KmStep {
    /// The time.
    pub time: f64,
    /// Subjects at risk just before it.
    pub at_risk: usize,
    /// Events at it.
    pub events: usize,
    /// Censorings at it.
    pub censored: usize,
    /// Survival estimate after it.
    pub survival: f64,
    /// Greenwood standard error of the survival estimate.
    pub se: f64,
    /// 95 % CI on the log(-log) scale (stays inside [0, 1]); `None` where undefined (S = 0 or 1).
    pub ci: Option<(f64, f64)>,
}

/// A labelled Kaplan-Meier curve (one stratum); written as `[label, steps]`.
#[derive(Debug, Clone, PartialEq)]
pub struct KmGroup {
    /// What the stratum is, e.g. `full predicted abnormal (n=40)`.
    pub label: String,
    /// The curve.
    pub steps: Vec<KmStep>,
}

impl Serialize for KmGroup {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (&self.label, &self.steps).serialize(s)
    }
}

/// Kaplan-Meier estimate with Greenwood variance, one step per distinct time that has an event
/// or a censoring.
pub fn kaplan_meier(time: &[f64], event: &[bool], level: f64) -> Vec<KmStep> {
    let z = Normal::standard().inverse_cdf(1.0 - (1.0 - level) / 2.0);
    let mut order: Vec<usize> = (0..time.len()).collect();
    order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    let mut at_risk = time.len();
    let mut s = 1.0;
    let mut greenwood = 0.0;
    let mut steps = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let t = time[order[i]];
        let mut j = i;
        let mut d = 0;
        while j < order.len() && time[order[j]] == t {
            d += event[order[j]] as usize;
            j += 1;
        }
        let total = j - i;
        if d > 0 {
            s *= 1.0 - d as f64 / at_risk as f64;
            if at_risk > d {
                greenwood += d as f64 / (at_risk as f64 * (at_risk - d) as f64);
            } else {
                greenwood = f64::INFINITY;
            }
        }
        let se = if greenwood.is_finite() {
            s * greenwood.sqrt()
        } else {
            0.0
        };
        let ci = (s > 0.0 && s < 1.0 && greenwood.is_finite()).then(|| {
            let log_s = s.ln();
            let half = z * (greenwood / (log_s * log_s)).sqrt();
            let c = (-log_s).ln();
            ((-(c + half).exp()).exp(), (-(c - half).exp()).exp())
        });
        steps.push(KmStep {
            time: t,
            at_risk,
            events: d,
            censored: total - d,
            survival: s,
            se,
            ci,
        });
        at_risk -= total;
        i = j;
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_methods_parse_from_their_names_only() {
        assert_eq!("efron".parse(), Ok(Ties::Efron));
        assert_eq!("breslow".parse(), Ok(Ties::Breslow));
        assert!("exact".parse::<Ties>().unwrap_err().contains("`exact`"));
    }

    #[test]
    fn kaplan_meier_by_hand_on_six_subjects() {
        // Times 1, 2+, 3, 3, 4+, 5 (+ = censored).
        let time = [1.0, 2.0, 3.0, 3.0, 4.0, 5.0];
        let event = [true, false, true, true, false, true];
        let km = kaplan_meier(&time, &event, 0.95);
        let s: Vec<f64> = km.iter().map(|k| k.survival).collect();
        // S(1) = 5/6; S(2) unchanged; S(3) = 5/6 * (1 - 2/4) = 5/12; S(5) = 0.
        let expect = [5.0 / 6.0, 5.0 / 6.0, 5.0 / 12.0, 5.0 / 12.0, 0.0];
        for (a, b) in s.iter().zip(expect) {
            assert!((a - b).abs() < 1e-12, "{s:?}");
        }
        assert_eq!(km[2].at_risk, 4);
        assert_eq!(km[2].events, 2);
        // Greenwood at t = 3: S^2 * (1/(6*5) + 2/(4*2)).
        let var = (5.0f64 / 12.0).powi(2) * (1.0 / 30.0 + 2.0 / 8.0);
        assert!((km[2].se - var.sqrt()).abs() < 1e-12);
        let (lo, hi) = km[2].ci.unwrap();
        assert!(lo < 5.0 / 12.0 && 5.0 / 12.0 < hi && lo > 0.0 && hi < 1.0);
        assert_eq!(km[4].ci, None);
    }

    #[test]
    fn harrell_c_counts_comparable_pairs() {
        // Pairs (i event, t_i < t_j): (0,1), (0,2), (0,3), (2,3). Risks: 0 > 1 yes, 0 > 2 yes,
        // 0 > 3 yes, 2 vs 3 tied -> 3.5 / 4.
        let time = [1.0, 2.0, 3.0, 4.0];
        let event = [true, false, true, false];
        let risk = [0.9, 0.5, 0.2, 0.2];
        assert_eq!(harrell_c(&time, &event, &risk), Some(0.875));
    }

    #[test]
    fn a_censoring_at_the_time_of_an_event_outlives_it() {
        // Subject 1 is censored at the time of 0's event: (0, 1) is comparable, as are (0, 2)
        // and (0, 3); the tied events 2 and 3 are not comparable with each other.
        let time = [1.0, 1.0, 2.0, 2.0];
        let event = [true, false, true, true];
        // Concordant: (0, 2) and (0, 3); discordant: (0, 1), the censored subject's risk is
        // higher.
        let risk = [0.9, 0.95, 0.5, 0.4];
        assert_eq!(harrell_c(&time, &event, &risk), Some(2.0 / 3.0));
    }

    #[test]
    fn efron_and_breslow_agree_without_tied_event_times() {
        let data = SurvivalData {
            time: vec![5.0, 3.0, 9.0, 1.0, 7.0, 4.0, 8.0, 2.0],
            event: vec![true, true, false, true, true, false, true, true],
            x: vec![
                vec![1.0],
                vec![2.0],
                vec![0.0],
                vec![3.0],
                vec![1.5],
                vec![0.5],
                vec![0.2],
                vec![2.5],
            ],
            names: vec!["x".into()],
        };
        let e = fit_cox(&data, Ties::Efron).unwrap();
        let b = fit_cox(&data, Ties::Breslow).unwrap();
        assert!((e.coefficients[0].coef - b.coefficients[0].coef).abs() < 1e-10);
        assert!(e.coefficients[0].coef > 0.0, "higher x dies earlier here");
    }

    #[test]
    fn two_subjects_ordered_by_their_covariate_are_reported_as_diverging() {
        // Two subjects, no ties: event at t=1 (x=1), event at t=2 (x=0).
        // Partial likelihood L(b) = e^b / (e^b + 1) * 1: increasing in b -> no finite maximum.
        let data = SurvivalData {
            time: vec![1.0, 2.0],
            event: vec![true, true],
            x: vec![vec![1.0], vec![0.0]],
            names: vec!["x".into()],
        };
        assert_eq!(
            fit_cox(&data, Ties::Breslow).unwrap_err(),
            SurvivalError::Monotone("x".into())
        );
    }

    /// `n` subjects dying at times 1..n (every third censored), a covariate `z` of noise and a
    /// covariate `sep` that is 1 for the first `k` deaths only: the partial likelihood keeps
    /// rising with the coefficient of `sep`.
    fn separated(n: usize, k: usize) -> SurvivalData {
        let mut d = SurvivalData {
            time: vec![],
            event: vec![],
            x: vec![],
            names: vec!["z".into(), "sep".into()],
        };
        for i in 0..n {
            let event = i % 3 != 2;
            let deaths_before = i - i / 3;
            let sep = f64::from(u8::from(event && deaths_before < k));
            d.time.push((i + 1) as f64);
            d.event.push(event);
            d.x.push(vec![((i * 7919) % 13) as f64 / 13.0, sep]);
        }
        d
    }

    #[test]
    fn a_separating_covariate_is_named_instead_of_a_huge_hazard_ratio() {
        // Before: hazard ratios of 6e16 (n = 40) with no warning, or "collinear" (n = 80).
        for (n, k) in [(40, 2), (80, 1), (20, 3), (10, 1)] {
            assert_eq!(
                fit_cox(&separated(n, k), Ties::Efron).unwrap_err(),
                SurvivalError::Monotone("sep".into()),
                "n {n}, k {k}"
            );
        }
    }

    #[test]
    fn a_strong_but_finite_effect_is_fitted() {
        // Hazard ratio about 20 for x = 1, seeded exponential times, a third censored.
        let mut rng = uptake_core::seeded::rng(3);
        let mut d = SurvivalData {
            time: vec![],
            event: vec![],
            x: vec![],
            names: vec!["x".into()],
        };
        for i in 0..200 {
            let x = f64::from(u8::from(i % 2 == 0));
            let u: f64 = rand::Rng::random_range(&mut rng, 1e-9..1.0);
            d.time.push(-u.ln() / (0.1 * (3.0 * x).exp()));
            d.event.push(i % 3 != 0);
            d.x.push(vec![x]);
        }
        let fit = fit_cox(&d, Ties::Efron).unwrap();
        let hr = fit.coefficients[0].hazard_ratio;
        assert!((8.0..50.0).contains(&hr), "{hr}");
    }

    #[test]
    fn no_events_is_an_error() {
        let data = SurvivalData {
            time: vec![1.0],
            event: vec![false],
            x: vec![vec![0.0]],
            names: vec!["x".into()],
        };
        assert_eq!(
            fit_cox(&data, Ties::Efron).unwrap_err(),
            SurvivalError::NoEvents
        );
    }

    #[test]
    fn collinear_covariates_are_reported() {
        let data = SurvivalData {
            time: vec![1.0, 2.0, 3.0, 4.0],
            event: vec![true, true, false, true],
            x: vec![
                vec![1.0, 2.0],
                vec![0.0, 0.0],
                vec![2.0, 4.0],
                vec![1.0, 2.0],
            ],
            names: vec!["a".into(), "b".into()],
        };
        assert!(matches!(
            fit_cox(&data, Ties::Efron),
            Err(SurvivalError::Singular(_))
        ));
    }
}
