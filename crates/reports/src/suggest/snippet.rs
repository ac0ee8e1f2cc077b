//! The suggestions as a printed table and as a TOML snippet to edit into the ontology.

use super::{SuggestedTerm, TermSuggestions};
use std::fmt::{self, Write};
use std::path::Path;
use uptake_core::AtomicWriteError;
use uptake_core::output_guard::check_output;

impl fmt::Display for TermSuggestions {
    /// What was read, then one line per term: count, term, example sentence ids.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} reports, {} findings and impression sentences: {} term(s) of 1 to 3 words occurring at least {} times that no pattern of {} matches",
            self.reports,
            self.sentences,
            self.terms.len(),
            self.min_count,
            self.ontology
        )?;
        for t in &self.terms {
            writeln!(f, "{:>8}  {:<32} {}", t.count, t.term, examples(t))?;
        }
        Ok(())
    }
}

/// The example sentence ids of a term, comma-separated; control characters of an exam id
/// (which a comment cannot hold) shown as `?`.
fn examples(term: &SuggestedTerm) -> String {
    let ids: Vec<String> = term.examples.iter().map(|e| e.to_string()).collect();
    let ids = ids.join(", ");
    ids.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

impl TermSuggestions {
    /// A TOML snippet for `data/ontology.toml`: one commented-out `[[region]]` per term (its
    /// count and example sentence ids above it), so that the snippet as a whole parses as
    /// TOML and each entry does once uncommented.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Terms of findings and impressions that no pattern of the ontology matches\n\
             # (`uptake ontology suggest`), most frequent first.\n\
             # ontology: {}\n\
             # reports: {}; sentences: {}; terms: {}; at least {} occurrences each\n\
             # To add one: uncomment its [[region]], set its name, display name and parents,\n\
             # check its pattern, and paste it into data/ontology.toml (or add the pattern to\n\
             # an existing region). Examples are sentence ids <exam>:<index>, the findings and\n\
             # impression sentences of a report numbered from 0 as `uptake tag` numbers them.",
            self.ontology,
            self.reports,
            self.sentences,
            self.terms.len(),
            self.min_count
        );
        for t in &self.terms {
            let _ = write!(out, "\n{}", region_entry(t));
        }
        out
    }

    /// What `uptake ontology suggest` prints: the snippet when `out` is `None`; else, after
    /// writing the snippet to `out` ([`TermSuggestions::write_toml`]), the table of terms.
    pub fn output(&self, out: Option<&Path>, inputs: &[&Path]) -> Result<String, AtomicWriteError> {
        match out {
            Some(out) => self.write_toml(out, inputs).map(|()| self.to_string()),
            None => Ok(self.to_toml()),
        }
    }

    /// Writes [`TermSuggestions::to_toml`] to `path` atomically, refusing to write over one of
    /// `inputs` (the reports file), a link or a special file.
    pub fn write_toml(&self, path: &Path, inputs: &[&Path]) -> Result<(), AtomicWriteError> {
        check_output(path, inputs)?;
        uptake_core::write_atomic(path, |w| {
            std::io::Write::write_all(w, self.to_toml().as_bytes())
        })
    }
}

/// One commented `[[region]]` for a term.
fn region_entry(t: &SuggestedTerm) -> String {
    let words: Vec<&str> = t.term.split(' ').collect();
    let name: String = (t.term.chars())
        .map(|c| match c.is_ascii_alphanumeric() {
            true => c.to_ascii_lowercase(),
            false => '_',
        })
        .collect();
    let mut display = t.term.clone();
    if let Some(first) = display.get(..1) {
        display.replace_range(..1, &first.to_uppercase());
    }
    let escaped: Vec<String> = words.iter().map(|w| regex::escape(w)).collect();
    format!(
        "# \"{}\": {} times, e.g. {}\n# [[region]]\n# name = \"{name}\"\n# display = \"{display}\"\n# parents = [\"full\"]\n# patterns = ['{}']\n",
        t.term,
        t.count,
        examples(t),
        escaped.join(r"\s+")
    )
}
