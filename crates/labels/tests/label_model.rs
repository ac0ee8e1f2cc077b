//! The label model on simulated labellers whose accuracies are known: it recovers them from
//! unlabelled mentions, hand labels move it, and rare regions borrow their parents' estimates.

use rand::Rng;
use std::collections::HashMap;
use uptake_core::{ByteSpan, LabelledSentence, LabelledSpan, NoProgress};
use uptake_labels::{
    Anchor, Dependencies, LabelModel, LabelModelSettings, MentionScorer, ScoreError,
    SentenceMentions,
};
use uptake_ontology::Ontology;

/// A labeller whose output for each sentence is looked up by its text.
struct Simulated {
    name: String,
    outputs: HashMap<String, f64>,
}

impl MentionScorer for Simulated {
    fn name(&self) -> &str {
        &self.name
    }

    fn score(&mut self, sentences: &[SentenceMentions<'_>]) -> Result<Vec<Vec<f64>>, ScoreError> {
        Ok(sentences
            .iter()
            .map(|s| vec![self.outputs[s.text]; s.spans.len()])
            .collect())
    }
}

/// A labeller's true behaviour: P(says 1 | abnormal), P(says 0 | normal).
#[derive(Clone, Copy)]
struct Truth {
    sensitivity: f64,
    specificity: f64,
}

/// Simulated mentions: text, region, true class; one mention per sentence.
struct World {
    texts: Vec<String>,
    regions: Vec<&'static str>,
    classes: Vec<bool>,
}

impl World {
    fn new() -> Self {
        Self {
            texts: Vec::new(),
            regions: Vec::new(),
            classes: Vec::new(),
        }
    }

    /// Adds `n` mentions of `region`, abnormal with probability `prior`.
    fn add(&mut self, region: &'static str, n: usize, prior: f64, rng: &mut impl Rng) {
        for _ in 0..n {
            self.texts.push(format!("m{}", self.texts.len()));
            self.regions.push(region);
            self.classes.push(rng.random_bool(prior));
        }
    }

    fn sentences(&self) -> Vec<SentenceMentions<'_>> {
        self.texts
            .iter()
            .zip(&self.regions)
            .map(|(t, &r)| {
                SentenceMentions::new(t, vec![ByteSpan::new(0, t.len())]).with_regions(vec![r])
            })
            .collect()
    }

    /// A 0/1 labeller with `truth` in every region except those of `exceptions`.
    fn labeller(
        &self,
        name: &str,
        truth: Truth,
        exceptions: &[(&str, Truth)],
        rng: &mut impl Rng,
    ) -> Box<dyn MentionScorer> {
        Box::new(Simulated {
            name: name.to_string(),
            outputs: self.outputs(truth, exceptions, rng),
        })
    }

    /// The outputs of a 0/1 labeller with `truth` (and `exceptions`) on every sentence.
    fn outputs(
        &self,
        truth: Truth,
        exceptions: &[(&str, Truth)],
        rng: &mut impl Rng,
    ) -> HashMap<String, f64> {
        (0..self.texts.len())
            .map(|i| {
                let t = exceptions
                    .iter()
                    .find(|(r, _)| *r == self.regions[i])
                    .map_or(truth, |e| e.1);
                let right = if self.classes[i] {
                    rng.random_bool(t.sensitivity)
                } else {
                    rng.random_bool(t.specificity)
                };
                let says = self.classes[i] == right;
                (self.texts[i].clone(), f64::from(u8::from(says)))
            })
            .collect()
    }
}

const TRUTHS: [Truth; 4] = [
    Truth {
        sensitivity: 0.90,
        specificity: 0.80,
    },
    Truth {
        sensitivity: 0.70,
        specificity: 0.95,
    },
    Truth {
        sensitivity: 0.85,
        specificity: 0.85,
    },
    Truth {
        sensitivity: 0.60,
        specificity: 0.90,
    },
];

fn labellers(
    world: &World,
    exceptions: &[(&str, Truth)],
    seed: u64,
) -> Vec<Box<dyn MentionScorer>> {
    let mut rng = uptake_core::seeded::rng(seed);
    TRUTHS
        .iter()
        .enumerate()
        .map(|(j, &t)| {
            let own: Vec<(&str, Truth)> = exceptions.iter().copied().filter(|_| j == 0).collect();
            world.labeller(&format!("l{j}"), t, &own, &mut rng)
        })
        .collect()
}

fn fit(
    world: &World,
    labellers: Vec<Box<dyn MentionScorer>>,
    hand: &[LabelledSentence],
    settings: &LabelModelSettings,
) -> LabelModel {
    LabelModel::fit(
        &Ontology::builtin(),
        labellers,
        &world.sentences(),
        hand,
        settings,
        &NoProgress,
    )
    .unwrap()
}

#[test]
fn it_recovers_known_accuracies_of_simulated_labellers_from_unlabelled_mentions() {
    let mut rng = uptake_core::seeded::rng(1);
    let mut world = World::new();
    world.add("liver", 5000, 0.3, &mut rng);
    let model = fit(
        &world,
        labellers(&world, &[], 2),
        &[],
        &LabelModelSettings::default(),
    );
    let liver = model.ontology().id("liver").unwrap();
    for (j, truth) in TRUTHS.iter().enumerate() {
        let learned = model.accuracy(j, liver);
        assert!(
            (learned.sensitivity - truth.sensitivity).abs() < 0.03,
            "l{j}: {learned:?}"
        );
        assert!(
            (learned.specificity - truth.specificity).abs() < 0.03,
            "l{j}: {learned:?}"
        );
    }
    assert!(
        (model.prior(liver) - 0.3).abs() < 0.03,
        "{}",
        model.prior(liver)
    );
    let summary = model.summary();
    assert!(summary.converged);
    assert_eq!(summary.anchor, Anchor::ThreeViews);
    assert_eq!(
        summary.views.len(),
        4,
        "independent labellers stay apart: {:?}",
        summary.dependence
    );
}

#[test]
fn the_same_mentions_give_the_same_fit() {
    let mut rng = uptake_core::seeded::rng(3);
    let mut world = World::new();
    world.add("liver", 500, 0.4, &mut rng);
    let settings = LabelModelSettings::default();
    let a = fit(&world, labellers(&world, &[], 4), &[], &settings);
    let b = fit(&world, labellers(&world, &[], 4), &[], &settings);
    assert_eq!(a.summary(), b.summary());
    let liver = a.ontology().id("liver").unwrap();
    assert_eq!(a.accuracy(2, liver), b.accuracy(2, liver));
}

#[test]
fn a_region_with_many_mentions_learns_its_own_accuracy() {
    let mut rng = uptake_core::seeded::rng(5);
    let mut world = World::new();
    world.add("liver", 3000, 0.3, &mut rng);
    world.add("brain", 3000, 0.3, &mut rng);
    let poor = Truth {
        sensitivity: 0.5,
        specificity: 0.6,
    };
    let model = fit(
        &world,
        labellers(&world, &[("brain", poor)], 6),
        &[],
        &LabelModelSettings::default(),
    );
    let o = model.ontology();
    let (liver, brain) = (o.id("liver").unwrap(), o.id("brain").unwrap());
    assert!((model.accuracy(0, liver).sensitivity - 0.90).abs() < 0.04);
    assert!(
        (model.accuracy(0, brain).sensitivity - 0.50).abs() < 0.05,
        "{:?}",
        model.accuracy(0, brain)
    );
    assert!(
        (model.accuracy(0, brain).specificity - 0.60).abs() < 0.05,
        "{:?}",
        model.accuracy(0, brain)
    );
}

/// The error of labeller 0's learned sensitivity and specificity in `region`.
fn error(model: &LabelModel, region: &str) -> f64 {
    let learned = model.accuracy(0, model.ontology().id(region).unwrap());
    (learned.sensitivity - TRUTHS[0].sensitivity).abs()
        + (learned.specificity - TRUTHS[0].specificity).abs()
}

#[test]
fn a_rare_region_borrows_its_parents_estimate() {
    let mut errors = (0.0, 0.0);
    for seed in 0..5 {
        let mut rng = uptake_core::seeded::rng(10 + seed);
        let mut world = World::new();
        world.add("liver", 3000, 0.3, &mut rng);
        world.add("spleen", 6, 0.3, &mut rng);
        let shared = fit(
            &world,
            labellers(&world, &[], 20 + seed),
            &[],
            &LabelModelSettings::default(),
        );
        let alone = LabelModelSettings {
            prior_strength: 0.0,
            ..Default::default()
        };
        let alone = fit(&world, labellers(&world, &[], 20 + seed), &[], &alone);
        errors.0 += error(&shared, "spleen");
        errors.1 += error(&alone, "spleen");
        // A region without mentions takes its parent's estimate.
        let o = shared.ontology();
        let (pancreas, abdomen) = (o.id("pancreas").unwrap(), o.id("abdomen").unwrap());
        let gap =
            shared.accuracy(0, pancreas).sensitivity - shared.accuracy(0, abdomen).sensitivity;
        assert!(gap.abs() < 1e-12);
    }
    assert!(errors.0 / 5.0 < 0.1, "shared: {}", errors.0 / 5.0);
    assert!(
        errors.0 < errors.1 / 3.0,
        "shared {} against alone {}",
        errors.0,
        errors.1
    );
}

/// Hand-labelled copies of the first `n` sentences of `world`, all with `label`.
fn hand_labels(world: &World, range: std::ops::Range<usize>, label: u8) -> Vec<LabelledSentence> {
    range
        .map(|i| LabelledSentence {
            id: None,
            exam_id: None,
            section: None,
            text: world.texts[i].clone(),
            mentions: vec![LabelledSpan {
                start: 0,
                end: world.texts[i].chars().count(),
                region: world.regions[i].to_string(),
                label,
            }],
        })
        .collect()
}

#[test]
fn hand_labels_move_the_fit() {
    // Every labeller calls the spleen's mentions abnormal; the hand labels say they are not
    // (a phrasing every labeller misreads).
    let mut rng = uptake_core::seeded::rng(7);
    let mut world = World::new();
    world.add("liver", 2000, 0.3, &mut rng);
    let first_spleen = world.texts.len();
    world.add("spleen", 300, 1.0, &mut rng);
    let sentence = world.sentences()[first_spleen].clone();
    let settings = LabelModelSettings {
        dependencies: Dependencies::Independent,
        ..Default::default()
    };
    let mut unlabelled = fit(&world, labellers(&world, &[], 8), &[], &settings);
    let before = unlabelled.score(std::slice::from_ref(&sentence)).unwrap()[0][0];
    let hand = hand_labels(&world, first_spleen..first_spleen + 100, 0);
    let mut anchored = fit(&world, labellers(&world, &[], 8), &hand, &settings);
    let after = anchored.score(std::slice::from_ref(&sentence)).unwrap()[0][0];
    assert_eq!(anchored.summary().hand_labelled, 100);
    assert!(
        before > 0.9 && after < before - 0.3,
        "before {before}, after {after}"
    );
}

#[test]
fn a_copied_labeller_is_taken_jointly_with_its_original() {
    let mut rng = uptake_core::seeded::rng(9);
    let mut world = World::new();
    world.add("liver", 3000, 0.3, &mut rng);
    let mut set = labellers(&world, &[], 10);
    let copy = Simulated {
        name: "copy of l0".into(),
        outputs: world
            .texts
            .iter()
            .map(|t| {
                let s = SentenceMentions::new(t, vec![ByteSpan::new(0, t.len())]);
                (t.clone(), set[0].score(&[s]).unwrap()[0][0])
            })
            .collect(),
    };
    set.push(Box::new(copy));
    let model = fit(&world, set, &[], &LabelModelSettings::default());
    let summary = model.summary();
    assert!(
        summary
            .views
            .contains(&vec!["l0".to_string(), "copy of l0".to_string()]),
        "{:?}",
        summary.dependence
    );
    let strongest = summary
        .dependence
        .iter()
        .max_by(|a, b| a.nats.total_cmp(&b.nats))
        .unwrap();
    assert_eq!(
        (strongest.a.as_str(), strongest.b.as_str()),
        ("l0", "copy of l0")
    );
}

/// Hand-labelled copies of the sentences of `range` with their true classes.
fn true_hand_labels(world: &World, range: std::ops::Range<usize>) -> Vec<LabelledSentence> {
    let mut hand = Vec::new();
    for i in range {
        let label = u8::from(world.classes[i]);
        hand.extend(hand_labels(world, i..i + 1, label));
    }
    hand
}

/// F1 at 0.5 of one probability per sentence of `world` against its true classes.
fn f1(world: &World, p: &[f64]) -> f64 {
    let labels: Vec<bool> = world.classes.clone();
    uptake_core::Confusion::at_threshold(p, &labels, 0.5)
        .f1()
        .unwrap()
}

#[test]
fn two_labellers_anchored_by_hand_labels_are_taken_jointly_and_never_fall_below_the_better() {
    // Like the rules and the regex: "rules" says 0.05, 0.5 (hedged) or 0.95, right 85 % of
    // the time; "regex" says 1 wherever the rules say 0.5 or more, and on 60 % of the rest,
    // whatever the truth: its errors include the rules' (dependent given the truth).
    let mut rng = uptake_core::seeded::rng(11);
    let mut world = World::new();
    world.add("liver", 3000, 0.35, &mut rng);
    let (mut rules, mut regex) = (HashMap::new(), HashMap::new());
    for (text, &class) in world.texts.iter().zip(&world.classes) {
        let draw: f64 = rng.random();
        let right = if class { 0.95 } else { 0.05 };
        let p = if draw < 0.85 {
            right
        } else if draw < 0.95 {
            0.5
        } else {
            1.0 - right
        };
        let r = if p >= 0.5 || rng.random_bool(0.6) {
            1.0
        } else {
            0.0
        };
        rules.insert(text.clone(), p);
        regex.insert(text.clone(), r);
    }
    let set = |rules: &HashMap<String, f64>,
               regex: &HashMap<String, f64>|
     -> Vec<Box<dyn MentionScorer>> {
        vec![
            Box::new(Simulated {
                name: "regex".into(),
                outputs: regex.clone(),
            }),
            Box::new(Simulated {
                name: "rules".into(),
                outputs: rules.clone(),
            }),
        ]
    };
    let hand = true_hand_labels(&world, 0..200);
    let mut model = fit(
        &world,
        set(&rules, &regex),
        &hand,
        &LabelModelSettings::default(),
    );
    let combined: Vec<f64> = model.score(&world.sentences()).unwrap().concat();
    let by_rules: Vec<f64> = world.texts.iter().map(|t| rules[t]).collect();
    let (f1_combined, f1_rules) = (f1(&world, &combined), f1(&world, &by_rules));
    assert!(
        f1_combined >= f1_rules,
        "combined {f1_combined}, rules {f1_rules}"
    );
    assert_eq!(
        model.summary().views,
        vec![vec!["regex".to_string(), "rules".to_string()]]
    );
    assert_eq!(model.summary().anchor, Anchor::HandLabels);
    // Without hand labels two views are not identifiable: refused, not guessed.
    let err = LabelModel::fit(
        &Ontology::builtin(),
        set(&rules, &regex),
        &world.sentences(),
        &[],
        &LabelModelSettings::default(),
        &NoProgress,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("regex, rules is not identifiable"),
        "{err}"
    );
}

/// A labeller whose probability of each mention of `world` is drawn by `output` from the
/// mention's region and true class.
fn graded(
    world: &World,
    name: &str,
    rng: &mut impl Rng,
    mut output: impl FnMut(&str, bool, &mut dyn rand::RngCore) -> f64,
) -> (String, HashMap<String, f64>) {
    let outputs = (0..world.texts.len())
        .map(|i| {
            let p = output(world.regions[i], world.classes[i], rng);
            (world.texts[i].clone(), p)
        })
        .collect();
    (name.to_string(), outputs)
}

#[test]
fn a_labeller_that_says_the_opposite_in_one_region_is_taken_as_uninformative_there_never_backwards()
{
    // l0 is right 90 % of the time, except in the brain, where it says 0.05 of every lesion
    // and 0.95 of every normal mention. A fit free to read it backwards would; the label model
    // assumes no labeller's "normal" is evidence of abnormal (nor the reverse), anywhere.
    let mut rng = uptake_core::seeded::rng(29);
    let mut world = World::new();
    world.add("liver", 1500, 0.3, &mut rng);
    world.add("brain", 800, 0.3, &mut rng);
    let labellers: Vec<Box<dyn MentionScorer>> = (0..3)
        .map(|j| {
            let (name, outputs) = graded(&world, &format!("l{j}"), &mut rng, |region, c, rng| {
                let says = match (j, region) {
                    (0, "brain") => !c,
                    _ => c == rng.random_bool(0.9),
                };
                if says { 0.95 } else { 0.05 }
            });
            Box::new(Simulated { name, outputs }) as Box<dyn MentionScorer>
        })
        .collect();
    let model = fit(&world, labellers, &[], &LabelModelSettings::default());
    let with_l0 = |p: f64| [p, 0.5, 0.5];
    for p in [0.05, 0.95] {
        let brain = model.evidence(Some("brain"), &with_l0(p))[0];
        assert!(brain.abs() < 1e-9, "l0 saying {p} in the brain: {brain}");
        let liver = model.evidence(Some("liver"), &with_l0(p))[0];
        assert!(
            (liver > 1.0) == (p > 0.5),
            "l0 saying {p} in the liver: {liver}"
        );
    }
}

#[test]
fn a_section_header_over_a_finding_with_its_own_subject_is_left_out_of_the_fit_and_names_no_finding()
 {
    let mut rng = uptake_core::seeded::rng(23);
    let mut world = World::new();
    world.add("liver", 600, 0.3, &mut rng);
    let header = "ABDOMEN/PELVIS: FDG-avid inguinal node.";
    let (abdomen, node) = (ByteSpan::new(0, 7), ByteSpan::new(25, 38));
    assert_eq!(&header[node.start..node.end], "inguinal node");
    // A header with nothing named after it is the finding's subject.
    let subject = "Liver: focal uptake in a nodule.";
    // Three labellers right 90 % of the time, all sure both sentences are abnormal.
    let labellers: Vec<Box<dyn MentionScorer>> = (0..3)
        .map(|j| {
            let (name, mut outputs) = graded(&world, &format!("l{j}"), &mut rng, |_, c, rng| {
                f64::from(u8::from(c == rng.random_bool(0.9)))
            });
            outputs.insert(header.to_string(), 1.0);
            outputs.insert(subject.to_string(), 1.0);
            Box::new(Simulated { name, outputs }) as Box<dyn MentionScorer>
        })
        .collect();
    let tagged = [
        SentenceMentions::new(header, vec![abdomen, node])
            .with_regions(vec!["abdomen", "inguinal_lymph_node"]),
        SentenceMentions::new(subject, vec![ByteSpan::new(0, 5)]).with_regions(vec!["liver"]),
    ];
    let mut sentences = world.sentences();
    sentences.extend(tagged.iter().cloned());
    let settings = LabelModelSettings::default();
    let mut model = LabelModel::fit(
        &Ontology::builtin(),
        labellers,
        &sentences,
        &[],
        &settings,
        &NoProgress,
    )
    .unwrap();
    assert_eq!(
        model.summary().mentions,
        600 + 2,
        "the header over the node is not fitted"
    );
    let scores = model.score(&tagged).unwrap();
    assert_eq!(scores[0][0], uptake_labels::HEADER_PROBABILITY);
    assert!(scores[0][1] > 0.9 && scores[1][0] > 0.9, "{scores:?}");
}

/// Rules right 95 % of the time (0.05 or 0.95) and a regex that fires on every lesion and on
/// 60 % of the rest, on every mention of `world`: (rules, regex).
fn sure_rules_and_eager_regex(
    world: &World,
    rng: &mut impl Rng,
) -> (HashMap<String, f64>, HashMap<String, f64>) {
    let (mut rules, mut regex) = (HashMap::new(), HashMap::new());
    for (text, &class) in world.texts.iter().zip(&world.classes) {
        let says = class == rng.random_bool(0.95);
        rules.insert(text.clone(), if says { 0.95 } else { 0.05 });
        let fires = class || rng.random_bool(0.6);
        regex.insert(text.clone(), f64::from(u8::from(fires)));
    }
    (rules, regex)
}

fn regex_then_rules(
    regex: HashMap<String, f64>,
    rules: HashMap<String, f64>,
) -> Vec<Box<dyn MentionScorer>> {
    let labeller = |name: &str, outputs| -> Box<dyn MentionScorer> {
        Box::new(Simulated {
            name: name.into(),
            outputs,
        })
    };
    vec![labeller("regex", regex), labeller("rules", rules)]
}

#[test]
fn a_single_joint_view_learns_what_each_combination_means_from_the_hand_labels() {
    // The regex fires on every lesion and on 60 % of normal mentions; the rules are right 95 %
    // of the time. Taken as one joint view (two views cannot check each other), "regex fires,
    // rules say normal" is a level whose class no unlabelled mention can reveal: in a region
    // without hand labels EM kept what its start (the two labellers' mean, 0.5) said there.
    // The hand labels of the other region, shared up the ontology, know it is mostly normal.
    let mut rng = uptake_core::seeded::rng(31);
    let mut world = World::new();
    world.add("liver", 1000, 0.3, &mut rng);
    // Hand labels come from the liver only; the brain has many unlabelled mentions.
    world.add("brain", 2000, 0.3, &mut rng);
    let (rules, regex) = sure_rules_and_eager_regex(&world, &mut rng);
    let disputed: Vec<usize> = (0..world.texts.len())
        .filter(|&i| world.regions[i] == "brain")
        .filter(|&i| regex[&world.texts[i]] == 1.0 && rules[&world.texts[i]] == 0.05)
        .collect();
    let abnormal_share =
        disputed.iter().filter(|&&i| world.classes[i]).count() as f64 / disputed.len() as f64;
    let labellers = regex_then_rules(regex, rules);
    let hand = true_hand_labels(&world, 0..400);
    let model = fit(&world, labellers, &hand, &LabelModelSettings::default());
    assert_eq!(model.summary().views.len(), 1);
    let combined = model.combine(Some("brain"), &[1.0, 0.05]);
    assert!(
        (combined - abnormal_share).abs() < 0.05,
        "regex fires, rules say normal: combined {combined}, truly abnormal {abnormal_share}"
    );
}

#[test]
fn a_labeller_inside_a_joint_view_keeps_its_own_evidence() {
    // Taken jointly, the rules and the regex are one view with one log odds per combination;
    // each still has its own table (the view's summed over the other), so a mention where
    // they disagree shows two labellers pulling apart, which `label diagnose` ranks by.
    let mut rng = uptake_core::seeded::rng(37);
    let mut world = World::new();
    world.add("liver", 3000, 0.3, &mut rng);
    let (rules, regex) = sure_rules_and_eager_regex(&world, &mut rng);
    let labellers = regex_then_rules(regex, rules);
    let hand = true_hand_labels(&world, 0..1000);
    let model = fit(&world, labellers, &hand, &LabelModelSettings::default());
    let votes = [1.0, 0.05];
    assert_eq!(
        model.evidence(Some("liver"), &votes).len(),
        1,
        "one joint view"
    );
    let own = model.labeller_evidence(Some("liver"), &votes);
    // The truth: the regex fires on every lesion and on 60 % of the rest, ln(1 / 0.6); the
    // rules say 0.05 of 5 % of lesions and 95 % of the rest, ln(0.05 / 0.95).
    let (regex_truth, rules_truth) = ((1.0f64 / 0.6).ln(), (0.05f64 / 0.95).ln());
    assert!((own[0] - regex_truth).abs() < 0.2, "regex {}", own[0]);
    assert!((own[1] - rules_truth).abs() < 0.3, "rules {}", own[1]);
}

/// The labellers of [`TRUTHS`] on `world` and on `hand`, except that `l3` is right on every
/// mention of `hand`: a report model scoring its own training sentences.
fn labellers_with_one_trained_on(world: &World, hand: &World) -> Vec<Box<dyn MentionScorer>> {
    let mut rng = uptake_core::seeded::rng(11);
    let perfect = Truth {
        sensitivity: 1.0,
        specificity: 1.0,
    };
    let mut set: Vec<Box<dyn MentionScorer>> = Vec::new();
    for (j, &truth) in TRUTHS.iter().enumerate() {
        let mut outputs = world.outputs(truth, &[], &mut rng);
        let on_hand = if j == 3 { perfect } else { truth };
        outputs.extend(hand.outputs(on_hand, &[], &mut rng));
        let name = format!("l{j}");
        set.push(Box::new(Simulated { name, outputs }));
    }
    set
}

#[test]
fn a_labeller_trained_on_the_hand_labels_has_its_accuracy_learned_from_the_unlabelled_mentions() {
    let mut rng = uptake_core::seeded::rng(12);
    let mut world = World::new();
    world.add("liver", 2000, 0.3, &mut rng);
    let mut labelled = World::new();
    labelled.add("liver", 2000, 0.3, &mut rng);
    labelled.texts = (0..labelled.texts.len()).map(|i| format!("h{i}")).collect();
    let hand = true_hand_labels(&labelled, 0..labelled.texts.len());
    let fit_with = |trained_on_hand: &[&str]| {
        let settings = LabelModelSettings {
            dependencies: Dependencies::Independent,
            trained_on_hand: trained_on_hand.iter().map(|n| n.to_string()).collect(),
            ..Default::default()
        };
        let labellers = labellers_with_one_trained_on(&world, &labelled);
        fit(&world, labellers, &hand, &settings)
    };
    let liver = Ontology::builtin().id("liver").unwrap();
    let trusted = fit_with(&[]).accuracy(3, liver);
    let learned = fit_with(&["l3"]).accuracy(3, liver);
    // l3 is right on every hand-labelled mention and has sensitivity 0.60, specificity 0.90 on
    // the others: from the hand labels the fit learns about 0.8 and 0.95.
    assert!(trusted.sensitivity > 0.72, "{trusted:?}");
    assert!((learned.sensitivity - 0.60).abs() < 0.04, "{learned:?}");
    assert!((learned.specificity - 0.90).abs() < 0.03, "{learned:?}");
}

#[test]
fn a_labeller_trained_on_the_hand_labels_must_be_one_of_the_labellers() {
    let mut rng = uptake_core::seeded::rng(13);
    let mut world = World::new();
    world.add("liver", 200, 0.3, &mut rng);
    let settings = LabelModelSettings {
        trained_on_hand: vec!["bert".into()],
        ..Default::default()
    };
    let hand = true_hand_labels(&world, 0..50);
    let labellers = labellers(&world, &[], 3);
    let err = LabelModel::fit(
        &Ontology::builtin(),
        labellers,
        &world.sentences(),
        &hand,
        &settings,
        &NoProgress,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the labellers trained on the hand labels names `bert`, which is not a labeller (l0, l1, l2, l3)"
    );
}
