//! Rewritten training sentences: mentions swapped for other mentions' text, and two sentences
//! joined into one. Offsets are in characters, as in the mentions file; every label is kept.

use rand::Rng;
use uptake_core::LabelledSentence;

/// The sentence with each mention's text replaced by one drawn from `pool`; spans and labels
/// follow the new text. Offsets are in characters, as in the mentions file.
pub(crate) fn swap_mentions(
    sentence: &LabelledSentence,
    pool: &[String],
    rng: &mut impl Rng,
) -> LabelledSentence {
    let chars: Vec<char> = sentence.text.chars().collect();
    let mut order: Vec<usize> = (0..sentence.mentions.len()).collect();
    order.sort_by_key(|&i| sentence.mentions[i].start);
    let mut text = String::with_capacity(sentence.text.len());
    let mut mentions = sentence.mentions.clone();
    let (mut at, mut len) = (0, 0);
    for i in order {
        let m = &sentence.mentions[i];
        let (start, end) = (m.start.min(chars.len()), m.end.min(chars.len()));
        let before: String = chars[at.min(start)..start].iter().collect();
        len += before.chars().count();
        text.push_str(&before);
        let term = &pool[rng.random_range(0..pool.len())];
        mentions[i].start = len;
        len += term.chars().count();
        mentions[i].end = len;
        text.push_str(term);
        at = end;
    }
    text.extend(&chars[at.min(chars.len())..]);
    LabelledSentence {
        text,
        mentions,
        ..sentence.clone()
    }
}

/// How two sentences are joined into one: the second is lower-cased where it continues the
/// first (clause joiners) and keeps its capital after a full stop.
const JOINERS: [&str; 5] = ["; ", ", while ", ", and ", ", but ", ". "];

/// `first` and `second` as one sentence: `first` loses its final full stop (the joiner has
/// its own), `second`'s spans move past the joint, and every label is kept. Offsets are in
/// characters, as in the mentions file.
pub(crate) fn join_sentences(
    first: &LabelledSentence,
    second: &LabelledSentence,
    rng: &mut impl Rng,
) -> LabelledSentence {
    let joiner = JOINERS[rng.random_range(0..JOINERS.len())];
    let clause = joiner != ". ";
    let mut head = first.text.trim_end().to_string();
    // A clause joiner replaces the full stop; ". " brings its own.
    if head.ends_with('.') {
        head.pop();
    }
    let mut tail: Vec<char> = second.text.trim_start().chars().collect();
    let trimmed = second.text.chars().count() - tail.len();
    // "Physiologic ..." -> "physiologic ...", but "FDG-avid ..." and "PET ..." keep their case.
    if clause
        && tail.first().is_some_and(char::is_ascii_uppercase)
        && tail.get(1).is_some_and(|c| !c.is_ascii_uppercase())
    {
        tail[0] = tail[0].to_ascii_lowercase();
    }
    let head_chars = head.chars().count();
    let offset = head_chars + joiner.chars().count();
    let mut mentions: Vec<_> = first
        .mentions
        .iter()
        .filter(|m| m.end <= head_chars)
        .cloned()
        .collect();
    mentions.extend(
        second
            .mentions
            .iter()
            .filter(|m| m.start >= trimmed)
            .map(|m| {
                let mut m = m.clone();
                m.start = m.start - trimmed + offset;
                m.end = m.end - trimmed + offset;
                m
            }),
    );
    let mut text = head;
    text.push_str(joiner);
    text.extend(tail);
    LabelledSentence {
        text,
        mentions,
        ..first.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use uptake_core::LabelledSpan;

    fn span(start: usize, end: usize, region: &str, label: u8) -> LabelledSpan {
        LabelledSpan {
            start,
            end,
            region: region.into(),
            label,
        }
    }

    #[test]
    fn swapped_mentions_point_at_the_new_text_and_keep_their_labels() {
        let sentence = LabelledSentence {
            id: None,
            exam_id: None,
            section: None,
            text: "Avid liver lesion; the lungs are clear.".into(),
            // Given out of order: the swap must not depend on it.
            mentions: vec![span(23, 28, "lungs", 0), span(5, 10, "liver", 1)],
        };
        let pool = vec!["left adrenal".to_string()];
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let s = swap_mentions(&sentence, &pool, &mut rng);
        assert_eq!(
            s.text,
            "Avid left adrenal lesion; the left adrenal are clear."
        );
        let chars: Vec<char> = s.text.chars().collect();
        for m in &s.mentions {
            let text: String = chars[m.start..m.end].iter().collect();
            assert_eq!(text, "left adrenal");
        }
        assert_eq!(
            s.mentions.iter().map(|m| m.label).collect::<Vec<_>>(),
            vec![0, 1]
        );
        assert_eq!(s.mentions[0].region, "lungs");
    }

    fn mention_texts(s: &LabelledSentence) -> Vec<(String, u8)> {
        let chars: Vec<char> = s.text.chars().collect();
        s.mentions
            .iter()
            .map(|m| (chars[m.start..m.end].iter().collect(), m.label))
            .collect()
    }

    fn sentence(text: &str, mentions: Vec<LabelledSpan>) -> LabelledSentence {
        LabelledSentence {
            id: None,
            exam_id: None,
            section: None,
            text: text.into(),
            mentions,
        }
    }

    #[test]
    fn joined_sentences_keep_every_mention_on_its_own_text_and_label() {
        let first = sentence(
            "Intense uptake in the liver.",
            vec![span(22, 27, "liver", 1)],
        );
        let second = sentence(
            "No abnormal uptake in the lungs or bones.",
            vec![span(26, 31, "lungs", 0), span(35, 40, "skeleton", 0)],
        );
        for seed in 0..20 {
            let s = join_sentences(&first, &second, &mut ChaCha8Rng::seed_from_u64(seed));
            assert_eq!(
                mention_texts(&s),
                vec![
                    ("liver".to_string(), 1),
                    ("lungs".to_string(), 0),
                    ("bones".to_string(), 0)
                ],
                "{}",
                s.text
            );
            assert!(s.text.starts_with("Intense uptake in the liver"));
            assert!(s.text.ends_with("in the lungs or bones."));
        }
    }

    #[test]
    fn a_clause_joiner_drops_the_full_stop_and_lowercases_the_next_word_but_not_an_acronym() {
        let first = sentence("Avid liver lesion.", vec![span(5, 10, "liver", 1)]);
        let plain = sentence("Physiologic bladder activity.", vec![]);
        let acronym = sentence("FDG-avid nodes.", vec![]);
        let mut seen_clause = false;
        for seed in 0..40 {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let s = join_sentences(&first, &plain, &mut rng);
            if s.text.contains(". ") {
                assert_eq!(s.text, "Avid liver lesion. Physiologic bladder activity.");
            } else {
                seen_clause = true;
                assert!(!s.text.contains("lesion."), "{}", s.text);
                assert!(
                    s.text.ends_with(" physiologic bladder activity."),
                    "{}",
                    s.text
                );
            }
            let s = join_sentences(&first, &acronym, &mut ChaCha8Rng::seed_from_u64(seed));
            assert!(s.text.ends_with("FDG-avid nodes."), "{}", s.text);
        }
        assert!(seen_clause);
    }

    #[test]
    fn joining_counts_characters_not_bytes() {
        let first = sentence("Größer Herd.", vec![]);
        let second = sentence("Avid liver.", vec![span(5, 10, "liver", 1)]);
        let s = join_sentences(&first, &second, &mut ChaCha8Rng::seed_from_u64(3));
        assert_eq!(mention_texts(&s), vec![("liver".to_string(), 1)]);
    }

    #[test]
    fn swapping_counts_characters_not_bytes() {
        let sentence = LabelledSentence {
            id: None,
            exam_id: None,
            section: None,
            text: "Größer: liver avid.".into(),
            mentions: vec![span(8, 13, "liver", 1)],
        };
        let pool = vec!["rückenmark".to_string()];
        let s = swap_mentions(&sentence, &pool, &mut ChaCha8Rng::seed_from_u64(0));
        assert_eq!(s.text, "Größer: rückenmark avid.");
        assert_eq!((s.mentions[0].start, s.mentions[0].end), (8, 18));
    }
}
