//! The combined method through `MethodSetup`: it labels a report set with a fitted label
//! model, evaluates on hand-labelled mentions, diagnoses its labellers, and refuses what only
//! the combined method can use.

use uptake_core::shard::Shard;
use uptake_core::{LabelledSentence, NoProgress};
use uptake_labels::paired::MentionMeasure;
use uptake_labels::{
    Aggregation, BuiltinLabeller, LabelSettings, LabellingMethod, MemoScorer, MentionScorer,
    MethodError, MethodSetup, RulesSource, ScoreError, SentenceMentions,
};
use uptake_ontology::{Ontology, RegionSelection};
use uptake_reports::{Report, Tagger};

/// Reports whose liver is abnormal in the even exams and normal in the odd ones.
fn reports() -> Vec<Report> {
    (0..40)
        .map(|i| {
            let text = if i % 2 == 0 {
                "FINDINGS: Intense uptake in the liver. No uptake in the lungs. Mild uptake in the spleen, likely physiologic.\nIMPRESSION: Liver metastasis."
            } else {
                "FINDINGS: No abnormal uptake in the liver. The lungs are clear. Physiologic uptake in the spleen.\nIMPRESSION: No evidence of disease."
            };
            Report::new(&format!("E{i}"), text)
        })
        .collect()
}

fn combined() -> MethodSetup {
    MethodSetup {
        method: LabellingMethod::Combined,
        ..MethodSetup::default()
    }
}

/// Twelve hand-labelled liver mentions of each class.
fn hand() -> Vec<LabelledSentence> {
    let sentence = |text: &str, label| LabelledSentence {
        id: None,
        exam_id: None,
        section: None,
        text: text.into(),
        mentions: vec![uptake_core::LabelledSpan {
            start: text.find("liver").unwrap(),
            end: text.find("liver").unwrap() + 5,
            region: "liver".into(),
            label,
        }],
    };
    (0..12)
        .flat_map(|_| {
            [
                sentence("Intense uptake in the liver.", 1),
                sentence("No abnormal uptake in the liver.", 0),
            ]
        })
        .collect()
}

#[test]
fn a_shard_labels_its_exams_only_with_the_rows_of_the_whole_run() {
    let ontology = Ontology::builtin();
    let label = |shard: Option<Shard>| {
        let settings = LabelSettings {
            shard,
            ..LabelSettings::default()
        };
        let tagger = Tagger::new(&ontology).unwrap();
        // Hand labels anchor the two labellers (unanchored, the fit is refused).
        let setup = MethodSetup {
            hand: hand(),
            ..combined()
        };
        let done = setup.label_reports(Vec::new(), tagger, &reports(), &settings, &NoProgress);
        done.unwrap().labels.table
    };
    let whole = label(None);
    let mut rows = 0;
    for i in 0..3 {
        let shard = Shard::new(i, 3).unwrap();
        let part = label(Some(shard));
        assert!(part.exams().iter().all(|e| shard.contains(e)));
        assert!(!part.is_empty() && part.len() < whole.len());
        for (exam, row) in part.rows() {
            // The label model is fitted on every report, whatever the shard.
            assert_eq!(Some(row), whole.row(exam), "{exam}");
        }
        rows += part.len();
    }
    assert_eq!(rows, whole.len());
}

#[test]
fn the_combined_method_labels_a_report_set_with_a_label_model_fitted_on_it() {
    let ontology = Ontology::builtin();
    let settings = LabelSettings {
        regions: "liver,lungs".parse::<RegionSelection>().unwrap(),
        ..LabelSettings::default()
    };
    let tagger = Tagger::new(&ontology).unwrap();
    let setup = MethodSetup {
        hand: hand(),
        ..combined()
    };
    let done =
        (setup.label_reports(Vec::new(), tagger, &reports(), &settings, &NoProgress)).unwrap();
    assert_eq!(done.scorer, "combined");
    let fit = done.fit.as_ref().unwrap();
    assert_eq!(fit.views, [["regex", "rules"]], "two views: taken jointly");
    assert_eq!(fit.hand_labelled, 24);
    assert_eq!(fit.mentions, done.labels.counts.mentions + 24);
    let livers: Vec<f64> = done
        .labels
        .table
        .rows()
        .map(|(_, v)| v[0].unwrap())
        .collect();
    let liver = |exam: usize| livers[exam];
    assert!(
        liver(0) > 0.5 && liver(1) < 0.5,
        "{} {}",
        liver(0),
        liver(1)
    );
    assert!(
        done.summary("o.csv".as_ref(), "i.csv".as_ref())
            .starts_with("label model: ")
    );
}

#[test]
fn without_a_report_model_or_hand_labels_the_combined_method_is_refused() {
    let tagger = Tagger::new(&Ontology::builtin()).unwrap();
    let settings = LabelSettings::default();
    let err = (combined().label_reports(Vec::new(), tagger, &reports(), &settings, &NoProgress))
        .unwrap_err();
    assert!(err.to_string().contains("is not identifiable"), "{err}");
}

#[test]
fn the_other_methods_keep_their_fixed_scorer_and_report_no_fit() {
    let ontology = Ontology::builtin();
    let setup = MethodSetup {
        aggregation: Some(Aggregation::Max),
        ..MethodSetup::default()
    };
    let tagger = Tagger::new(&ontology).unwrap();
    let done = setup
        .label_reports(
            Vec::new(),
            tagger,
            &reports(),
            &LabelSettings::default(),
            &NoProgress,
        )
        .unwrap();
    assert_eq!((done.scorer.as_str(), done.fit), ("rules", None));
}

#[test]
fn own_rules_and_hand_labels_are_refused_for_a_method_other_than_combined() {
    let own = MethodSetup {
        own_rules: vec!["mine.toml".into()],
        ..MethodSetup::default()
    };
    let err = own.check(0).unwrap_err();
    assert!(matches!(
        err,
        MethodError::OnlyCombined {
            what: "own rules files",
            ..
        }
    ));
    let hand = MethodSetup {
        method: LabellingMethod::Regex,
        hand: vec![LabelledSentence {
            id: None,
            exam_id: None,
            section: None,
            text: "Liver uptake.".into(),
            mentions: Vec::new(),
        }],
        ..MethodSetup::default()
    };
    assert!(
        hand.check(0)
            .unwrap_err()
            .to_string()
            .contains("hand-labelled mentions only apply")
    );
    assert!(
        combined().check(0).is_ok(),
        "combined needs no report model"
    );
    let rules_file = MethodSetup {
        rules: RulesSource::File("r.toml".into()),
        method: LabellingMethod::Regex,
        ..MethodSetup::default()
    };
    assert!(matches!(
        rules_file.check(0),
        Err(MethodError::RulesNotUsed { .. })
    ));
}

#[test]
fn diagnostics_rank_sentences_by_conflict_and_cover_every_task_region_and_labeller() {
    let ontology = Ontology::builtin();
    let tagger = Tagger::new(&ontology).unwrap();
    let d = combined()
        .diagnose_reports(&tagger, Vec::new(), &reports(), &NoProgress)
        .unwrap();
    assert_eq!(d.labellers, ["regex", "rules"]);
    let tasks = ontology.task_regions().len();
    assert_eq!(
        d.rows.len(),
        (tasks + 1) * 2,
        "per task region and `all`, per labeller"
    );
    assert!(d.ranking.windows(2).all(|w| w[0].conflict >= w[1].conflict));
    // The regex baseline calls "physiologic" spleen uptake normal only by its negative word,
    // and "clear lungs" abnormal: the sentences where it and the rules disagree come first.
    let top = &d.ranking[0];
    assert!(top.conflict > 0.0 && top.mentions.iter().any(|m| m.votes[0] != m.votes[1]));
    let all_regex = d
        .rows
        .iter()
        .find(|r| r.region == "all" && r.labeller == "regex")
        .unwrap();
    assert!(
        all_regex.coverage > 0.9 && all_regex.conflict > 0.0,
        "{all_regex:?}"
    );
    let text = d.to_string();
    assert!(text.contains("most disputed sentences: E"), "{text}");
    assert!(
        !text.contains("Intense uptake"),
        "the summary holds ids only"
    );
}

#[test]
fn diagnostics_of_one_joint_view_still_see_its_labellers_disagree() {
    // Anchored by hand labels, the regex and the rules are one joint view: no second view
    // disagrees with its call, yet its members do ("The lungs are clear": the regex fires, the
    // rules say normal), and such sentences are disputed; where both agree with the call
    // (the liver), nothing is.
    let ontology = Ontology::builtin();
    let tagger = Tagger::new(&ontology).unwrap();
    let setup = MethodSetup {
        hand: hand(),
        ..combined()
    };
    let d = (setup.diagnose_reports(&tagger, Vec::new(), &reports(), &NoProgress)).unwrap();
    assert_eq!(d.fit.views, [["regex", "rules"]]);
    let mentions = || d.ranking.iter().flat_map(|s| &s.mentions);
    let split = mentions()
        .find(|m| m.region == "lungs" && m.votes[0] >= 0.5 && m.votes[1] < 0.5)
        .unwrap();
    assert!(split.conflict > 1.0, "{split:?}");
    let liver: Vec<_> = mentions().filter(|m| m.region == "liver").collect();
    assert!(liver.len() >= 40, "every report names the liver");
    assert!(liver.iter().all(|m| m.conflict == 0.0), "{liver:?}");
}

#[test]
fn the_combined_method_aggregates_by_max_unless_told_otherwise() {
    let combined = MethodSetup {
        method: LabellingMethod::Combined,
        ..MethodSetup::default()
    };
    assert_eq!(combined.aggregation(), Aggregation::Max);
    assert_eq!(MethodSetup::default().aggregation(), Aggregation::NoisyOr);
    let told = MethodSetup {
        aggregation: Some(Aggregation::NoisyOr),
        ..combined
    };
    assert_eq!(told.aggregation(), Aggregation::NoisyOr);
}

/// A report model that calls every mention 0.7 and counts the batches it is asked for.
struct CountingModel(std::rc::Rc<std::cell::Cell<usize>>);

impl MentionScorer for CountingModel {
    fn name(&self) -> &str {
        "model"
    }

    fn score(&mut self, s: &[SentenceMentions<'_>]) -> Result<Vec<Vec<f64>>, ScoreError> {
        self.0.set(self.0.get() + 1);
        Ok(s.iter().map(|m| vec![0.7; m.spans.len()]).collect())
    }
}

#[test]
fn a_shared_report_model_scores_each_report_once_for_the_model_and_the_combined_method() {
    let ontology = Ontology::builtin();
    let batches = std::rc::Rc::new(std::cell::Cell::new(0));
    let shared = MemoScorer::new(Box::new(CountingModel(batches.clone())));
    let label = |method| {
        let setup = MethodSetup {
            method,
            ..MethodSetup::default()
        };
        let models: Vec<Box<dyn MentionScorer>> = vec![Box::new(shared.clone())];
        let tagger = Tagger::new(&ontology).unwrap();
        let settings = LabelSettings::default();
        setup.label_reports(models, tagger, &reports(), &settings, &NoProgress)
    };
    label(LabellingMethod::Model).unwrap();
    // The forty reports are two texts: two batches.
    assert_eq!(batches.get(), 2, "one batch per distinct report");
    let combined = label(LabellingMethod::Combined).unwrap();
    assert_eq!(
        combined.fit.unwrap().views.concat(),
        ["regex", "rules", "model"]
    );
    assert_eq!(
        batches.get(),
        2,
        "the fit and the labelling asked for the same batches"
    );
}

#[test]
fn the_combined_method_leaves_out_the_labellers_it_is_told_to() {
    let ontology = Ontology::builtin();
    let settings = LabelSettings {
        regions: "liver".parse::<RegionSelection>().unwrap(),
        ..LabelSettings::default()
    };
    let setup = MethodSetup {
        hand: hand(),
        leave_out: vec![BuiltinLabeller::Regex],
        ..combined()
    };
    let tagger = Tagger::new(&ontology).unwrap();
    let done =
        (setup.label_reports(Vec::new(), tagger, &reports(), &settings, &NoProgress)).unwrap();
    let fit = done.fit.as_ref().unwrap();
    assert_eq!(
        fit.views,
        [["rules"]],
        "the rules alone, anchored by the hand labels"
    );
    let livers: Vec<f64> = (done.labels.table.rows())
        .map(|(_, v)| v[0].unwrap())
        .collect();
    assert!(livers[0] > 0.5 && livers[1] < 0.5, "{livers:?}");
}

#[test]
fn leaving_out_a_labeller_is_refused_for_a_method_other_than_combined() {
    let setup = MethodSetup {
        leave_out: vec![BuiltinLabeller::Regex],
        ..MethodSetup::default()
    };
    assert!(matches!(
        setup.check(0),
        Err(MethodError::OnlyCombined {
            what: "labellers left out",
            ..
        })
    ));
    assert_eq!(
        "regexp".parse::<BuiltinLabeller>().unwrap_err().to_string(),
        "`regexp` is not a built-in labeller (regex, rules)"
    );
}

#[test]
fn a_method_is_evaluated_on_hand_labels_beside_the_rules_with_paired_intervals() {
    // The regex misses a lesion in every sentence that negates something else.
    let mut sentences = hand();
    let text = "Intense uptake in the liver; no uptake in the lungs.";
    sentences.extend((0..12).map(|_| LabelledSentence {
        id: None,
        exam_id: None,
        section: None,
        text: text.into(),
        mentions: vec![uptake_core::LabelledSpan {
            start: 22,
            end: 27,
            region: "liver".into(),
            label: 1,
        }],
    }));
    let evaluate = |method| {
        let setup = MethodSetup {
            method,
            ..MethodSetup::default()
        };
        let ontology = Ontology::builtin();
        (setup.evaluate_mentions(Vec::new(), &ontology, &sentences, 0.5, &NoProgress)).unwrap()
    };
    let regex = evaluate(LabellingMethod::Regex).minus_rules.unwrap();
    let estimate = |m: MentionMeasure| {
        let d = regex.differences.iter().find(|d| d.measure == m).unwrap();
        d.difference.unwrap().estimate
    };
    assert_eq!(estimate(MentionMeasure::Sensitivity), -0.5);
    assert_eq!(estimate(MentionMeasure::Specificity), 0.0);
    assert_eq!(regex.differences.len(), MentionMeasure::ALL.len());
    assert!(
        regex
            .to_string()
            .starts_with("minus the rules, 95 % CI over 2000 resamples of sentences:\n  AUROC ")
    );
    assert_eq!(evaluate(LabellingMethod::Rules).minus_rules, None);
}
