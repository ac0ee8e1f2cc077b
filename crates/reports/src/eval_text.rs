//! How a tagging evaluation reads on a terminal: the recall summary, and on request the missed
//! and extra mentions with their sentence (development data only: it shows sentence text).

use crate::eval::MentionEval;
use crate::tagger::TaggedSpan;
use std::fmt;
use uptake_core::LabelledSentence;

impl fmt::Display for MentionEval {
    /// The counts and the recall, one figure a line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "sentences:          {}", self.sentences)?;
        writeln!(f, "hand mentions:      {}", self.hand)?;
        let recall = 100.0 * self.recall();
        writeln!(
            f,
            "found:              {} (recall {recall:.1} %)",
            self.found
        )?;
        writeln!(f, "tagged mentions:    {}", self.tagged)?;
        writeln!(
            f,
            "extra mentions:     {} (overlap no hand mention)",
            self.extra
        )?;
        writeln!(
            f,
            "wrong-region:       {} (overlap a hand mention of an unrelated region)",
            self.wrong_region
        )
    }
}

/// A list of missed or extra mentions with their sentences, as lines.
pub struct MentionListing<'a> {
    eval: &'a MentionEval,
    sentences: &'a [LabelledSentence],
    misses: bool,
}

impl MentionEval {
    /// The missed hand mentions, a line each: the hand mention, what was tagged instead and
    /// the sentence of `sentences` (the evaluated mention file).
    pub fn misses_shown<'a>(&'a self, sentences: &'a [LabelledSentence]) -> MentionListing<'a> {
        MentionListing {
            eval: self,
            sentences,
            misses: true,
        }
    }

    /// The extra and wrong-region tagged mentions, a line each with the hand region they
    /// overlap (or `none`) and the sentence of `sentences` (the evaluated mention file).
    pub fn extras_shown<'a>(&'a self, sentences: &'a [LabelledSentence]) -> MentionListing<'a> {
        MentionListing {
            eval: self,
            sentences,
            misses: false,
        }
    }
}

impl MentionListing<'_> {
    fn text(&self, sentence: usize) -> &str {
        self.sentences.get(sentence).map_or("", |s| s.text.as_str())
    }

    /// `mention=region`.
    fn tagged(&self, t: &TaggedSpan, sentence: usize) -> String {
        let text = t.span().slice(self.text(sentence)).unwrap_or("");
        format!("{text}={}", t.region)
    }
}

impl fmt::Display for MentionListing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.misses {
            for x in &self.eval.extras {
                let hand = x.hand_region.as_deref().unwrap_or("none");
                let (line, text) = (x.sentence + 1, self.text(x.sentence));
                let tagged = self.tagged(&x.tagged, x.sentence);
                writeln!(f, "extra line {line}: [{tagged}] hand: {hand} | {text}")?;
            }
            return Ok(());
        }
        for m in &self.eval.misses {
            let text = self.text(m.sentence);
            let found: Vec<String> = m
                .tagged
                .iter()
                .map(|t| self.tagged(t, m.sentence))
                .collect();
            writeln!(
                f,
                "miss line {}: [{}] {} | tagged: {} | {text}",
                m.sentence + 1,
                m.span.slice(text).unwrap_or(""),
                m.region,
                found.join("; "),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{Tagger, evaluate_mentions};
    use uptake_core::mentions::read_mentions;
    use uptake_ontology::Ontology;

    const FILE: &str = r#"{"text": "Uptake in the liver.", "mentions": [{"start": 14, "end": 19, "region": "liver", "label": 1}]}
{"text": "Focal activity in the foo.", "mentions": [{"start": 22, "end": 25, "region": "liver", "label": 1}]}
{"text": "Normal spleen.", "mentions": []}
"#;

    #[test]
    fn the_summary_gives_counts_and_recall_and_the_listings_name_lines_and_sentences() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("m.jsonl"), FILE).unwrap();
        let sentences = read_mentions(&dir.path().join("m.jsonl")).unwrap();
        let tagger = Tagger::new(&Ontology::builtin()).unwrap();
        let ev = evaluate_mentions(&tagger, &sentences);
        let summary = ev.to_string();
        assert!(summary.contains("hand mentions:      2\n"), "{summary}");
        assert!(
            summary.contains("found:              1 (recall 50.0 %)"),
            "{summary}"
        );
        assert_eq!(
            ev.misses_shown(&sentences).to_string(),
            "miss line 2: [foo] liver | tagged:  | Focal activity in the foo.\n"
        );
        assert_eq!(
            ev.extras_shown(&sentences).to_string(),
            "extra line 3: [spleen=spleen] hand: none | Normal spleen.\n"
        );
    }
}
