//! The labelling state and how it survives crashes.
//!
//! Two files per session, side by side:
//! - `<out>.log` — the journal, append-only JSONL. Its first line names the sample (the
//!   sentence ids, in order); then one line per change: `{"event":"set","id":..,"mentions":[..]}`
//!   holds the complete new state of one sentence (every mention with its span, region and
//!   decision), `{"event":"undo"}` reverts the most recent `set` not already undone. Each line
//!   is written with one `write` and `fsync`ed before the server answers, so a label the page
//!   showed as saved is on disk. Loading replays the lines in order (for a sentence the last
//!   `set` wins); a torn last line (the process died mid-write, so no one was told it was
//!   saved) is cut off.
//! - `<out>` — the consolidated mention file, exactly `uptake_core::LabelledSentence` JSONL (the
//!   format `uptake report-model train --mentions` reads): every finished sentence, in sample
//!   order, rewritten atomically after each change and at start-up. It is derived from the
//!   journal, so losing it loses nothing. It is written through a temporary file of a fixed
//!   name (see `mention_file.rs`), and one a killed server left is removed at the next start.
//!
//! A session needs a sample: a new session with no sentence is refused before any file is made,
//! and a journal whose sample is empty (older versions wrote one) holds no labels and is
//! started afresh, so an empty sample never sticks.

use crate::candidate::{Candidate, RegionCatalog};
use crate::mention_file;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, Write};
use std::path::{Path, PathBuf};
use uptake_core::output_guard::{OutputGuardError, check_output};
use uptake_core::{LabelledSentence, LabelledSpan};

/// What a person decided about one mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Describes abnormal uptake in the region (label 1).
    Abnormal,
    /// Neutral, physiologic or negated (label 0).
    Neutral,
    /// Not a real mention of the region, or the wrong region: left out of the output.
    NotMention,
    /// Left undecided on purpose: left out of the output.
    Skip,
}

impl Decision {
    /// Every decision, in the order the page offers them.
    pub const ALL: [Decision; 4] = [
        Decision::Abnormal,
        Decision::Neutral,
        Decision::NotMention,
        Decision::Skip,
    ];

    fn label(self) -> Option<u8> {
        match self {
            Decision::Abnormal => Some(1),
            Decision::Neutral => Some(0),
            Decision::NotMention | Decision::Skip => None,
        }
    }
}

/// One mention of a sentence as it stands now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentionState {
    /// First character of the mention in the sentence.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// The region it names now.
    pub region: String,
    /// What the person decided; `None` while open.
    pub decision: Option<Decision>,
    /// Added by the person (not proposed by the tagger).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub added: bool,
}

/// A change a person makes to one sentence. `mention` is the index in the sentence's mention
/// list (stable: mentions are never removed, only marked `not_mention`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)] // fields: the mention's index, its new character span, region, decision
pub enum Edit {
    /// Decide about a mention.
    Label { mention: usize, decision: Decision },
    /// Back to undecided.
    Clear { mention: usize },
    /// Give a mention another region.
    Region { mention: usize, region: String },
    /// Move a mention's span (characters).
    Span {
        mention: usize,
        start: usize,
        end: usize,
    },
    /// Add a mention the tagger missed.
    Add {
        start: usize,
        end: usize,
        region: String,
    },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
enum Event {
    Session {
        version: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        annotator: Option<String>,
        ids: Vec<String>,
    },
    Set {
        id: String,
        mentions: Vec<MentionState>,
    },
    Undo,
}

const JOURNAL_VERSION: u32 = 1;

/// Why the session's journal or mention file cannot be used. Messages name the file and line.
#[derive(Debug, thiserror::Error)]
#[allow(missing_docs)] // fields: the file, the 1-based line, the sentence id, the problem
pub enum JournalError {
    /// The journal cannot be read or written.
    #[error("cannot access the journal {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A journal line that does not parse.
    #[error("{path}, line {line}: not a valid journal record: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A journal that does not start with its sample.
    #[error("{path}: the first line must be the session record (the sample)")]
    NoSession { path: PathBuf },
    /// A journal sentence the reports no longer have.
    #[error(
        "{path}, line {line}: sentence {id} is not among the tagged sentences (were the reports or the tagger changed since the session began?)"
    )]
    UnknownSentence {
        path: PathBuf,
        line: usize,
        id: String,
    },
    /// A journal state that does not fit its sentence.
    #[error(
        "{path}, line {line}: sentence {id}: {problem} (were the reports changed since the session began?)"
    )]
    BadState {
        path: PathBuf,
        line: usize,
        id: String,
        problem: EditError,
    },
    /// An output file this tool did not write.
    #[error(
        "{out} exists but its journal {log} does not: refusing to overwrite a mention file this tool did not write (choose another --out)"
    )]
    ForeignOutput { out: PathBuf, log: PathBuf },
    /// Another server holds the journal.
    #[error("{path} is in use by another labelling server (one server per output file)")]
    Locked { path: PathBuf },
    /// A sample with a sentence twice.
    #[error("the sample holds sentence id {id} twice")]
    DuplicateId { id: String },
    /// The mention file cannot be written (the previous one is intact).
    #[error("cannot write the mention file {path}: {source}")]
    Output {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The output path is a symbolic link or a special file.
    #[error(transparent)]
    UnsafeOutput(#[from] OutputGuardError),
    /// A new session without a sentence to label.
    #[error(
        "the sample for {out} is empty: no sentence to label (no journal was written; check the reports and --sample)"
    )]
    EmptySample { out: PathBuf },
}

/// Why an edit was refused. Messages name ids, offsets and regions, never report text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[allow(missing_docs)] // fields: the mention, its span, the sentence length, the other mention
pub enum EditError {
    /// No sentence of the sample has this id.
    #[error("unknown sentence id {0}")]
    UnknownSentence(String),
    /// No mention of the sentence has this index.
    #[error("unknown mention {mention} (the sentence has {count})")]
    UnknownMention { mention: usize, count: usize },
    /// A span that is empty or outside the sentence.
    #[error("span {start}..{end} is empty or outside the sentence of {len} characters")]
    SpanOutOfRange {
        start: usize,
        end: usize,
        len: usize,
    },
    /// A span over another mention.
    #[error("span {start}..{end} overlaps mention {other}")]
    Overlap {
        start: usize,
        end: usize,
        other: usize,
    },
    /// A region the catalog does not have.
    #[error("unknown region {0:?}")]
    UnknownRegion(String),
    /// Undo with an empty history.
    #[error("nothing to undo")]
    NothingToUndo,
}

/// Label counts of one region over the whole sample (regions as currently assigned).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegionCounts {
    /// Mentions labelled abnormal.
    pub abnormal: usize,
    /// Mentions labelled neutral.
    pub neutral: usize,
    /// Mentions marked as not a mention.
    pub not_mention: usize,
    /// Mentions skipped.
    pub skip: usize,
    /// Mentions not decided yet.
    pub open: usize,
}

/// The labelling session: the sample, the state of every sentence, the undo history, and the
/// open journal.
pub struct Journal {
    out_path: PathBuf,
    log_path: PathBuf,
    log: File,
    annotator: Option<String>,
    sample: Vec<Candidate>,
    index: HashMap<String, usize>,
    states: Vec<Vec<MentionState>>,
    /// (sample position, state before the change) of each `set` not undone, oldest first.
    history: Vec<(usize, Vec<MentionState>)>,
    resumed: bool,
}

/// The journal's path for an output file: `<out>.log`.
pub fn journal_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".log");
    PathBuf::from(name)
}

/// Opens (or, for a new session, creates) the journal and locks it, so no other server
/// appends while this one replays. Refuses an output file without a journal.
fn open_locked(out: &Path, log_path: &Path, existing: bool) -> Result<File, JournalError> {
    let io = |source| JournalError::Io {
        path: log_path.to_path_buf(),
        source,
    };
    if !existing && out.exists() {
        return Err(JournalError::ForeignOutput {
            out: out.to_path_buf(),
            log: log_path.to_path_buf(),
        });
    }
    if let Some(dir) = log_path
        .parent()
        .filter(|d| !existing && !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let log = if existing {
        OpenOptions::new()
            .read(true)
            .write(true)
            .open(log_path)
            .map_err(io)?
    } else {
        OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(log_path)
            .map_err(io)?
    };
    lock(&log, log_path)?;
    Ok(log)
}

/// The sampled sentences of `pool` in sample order, and each id's position.
fn sample_of(
    ids: &[String],
    pool: &[Candidate],
    log_path: &Path,
) -> Result<(Vec<Candidate>, HashMap<String, usize>), JournalError> {
    let by_id: HashMap<&str, &Candidate> = pool.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut sample = Vec::with_capacity(ids.len());
    let mut index = HashMap::with_capacity(ids.len());
    for id in ids {
        let candidate = by_id
            .get(id.as_str())
            .ok_or_else(|| JournalError::UnknownSentence {
                path: log_path.to_path_buf(),
                line: 1,
                id: id.clone(),
            })?;
        if index.insert(id.clone(), sample.len()).is_some() {
            return Err(JournalError::DuplicateId { id: id.clone() });
        }
        sample.push((*candidate).clone());
    }
    Ok((sample, index))
}

impl Journal {
    /// Whether `out` has a journal holding a sample to resume ([`Journal::open`] then ignores
    /// the sample it is given, so a caller need not draw one).
    pub fn holds_session(out: &Path) -> Result<bool, JournalError> {
        let log_path = journal_path(out);
        Ok(log_path.exists() && read_journal(&log_path)?.is_some_and(|r| !r.0.is_empty()))
    }

    /// Opens the session writing to `out`. If its journal holds a sample the session resumes
    /// with it (and `sample_ids` is ignored); otherwise a new journal starts with `sample_ids`,
    /// which must not be empty. `pool` must hold every sampled sentence. `out` must not be a
    /// symbolic link or a special file.
    pub fn open(
        out: &Path,
        pool: &[Candidate],
        sample_ids: &[String],
        annotator: Option<String>,
    ) -> Result<Self, JournalError> {
        let log_path = journal_path(out);
        let io = |source| JournalError::Io {
            path: log_path.clone(),
            source,
        };
        check_output(out, &[])?;
        if sample_ids.is_empty() && !Self::holds_session(out)? {
            return Err(JournalError::EmptySample {
                out: out.to_path_buf(),
            });
        }
        let existing = log_path.exists();
        let mut log = open_locked(out, &log_path, existing)?;
        mention_file::remove_stale_temp(out).map_err(|source| JournalError::Output {
            path: out.to_path_buf(),
            source,
        })?;
        // A journal without a complete session line (the process died while creating it) or
        // with an empty sample holds no labels: start it afresh.
        let read = if existing {
            read_journal(&log_path)?.filter(|r| !r.0.is_empty())
        } else {
            None
        };
        let resumed = read.is_some();
        let (ids, events, annotator, good_len) = match read {
            Some((ids, logged_annotator, events, good_len)) => {
                (ids, events, logged_annotator.or(annotator), good_len)
            }
            None => (sample_ids.to_vec(), Vec::new(), annotator, 0),
        };

        let (sample, index) = sample_of(&ids, pool, &log_path)?;
        let states = sample.iter().map(initial_state).collect();

        // Cut a torn last line so the next append starts on a fresh line.
        if log.metadata().map_err(io)?.len() != good_len {
            log.set_len(good_len).map_err(io)?;
            log.sync_data().map_err(io)?;
        }
        log.seek(std::io::SeekFrom::End(0)).map_err(io)?;

        let mut journal = Journal {
            out_path: out.to_path_buf(),
            log_path: log_path.clone(),
            log,
            annotator,
            sample,
            index,
            states,
            history: Vec::new(),
            resumed,
        };
        if resumed {
            for (line, event) in events {
                journal.replay(line, event)?;
            }
        } else {
            journal.append(&Event::Session {
                version: JOURNAL_VERSION,
                annotator: journal.annotator.clone(),
                ids: ids.clone(),
            })?;
            sync_dir(&log_path).map_err(io)?;
        }
        journal.write_output()?;
        Ok(journal)
    }

    fn replay(&mut self, line: usize, event: Event) -> Result<(), JournalError> {
        match event {
            Event::Session { .. } => Err(JournalError::Parse {
                path: self.log_path.clone(),
                line,
                message: "a second session record".into(),
            }),
            Event::Set { id, mentions } => {
                let pos = *self
                    .index
                    .get(&id)
                    .ok_or_else(|| JournalError::UnknownSentence {
                        path: self.log_path.clone(),
                        line,
                        id: id.clone(),
                    })?;
                check_spans(&self.sample[pos], &mentions).map_err(|problem| {
                    JournalError::BadState {
                        path: self.log_path.clone(),
                        line,
                        id,
                        problem,
                    }
                })?;
                let before = std::mem::replace(&mut self.states[pos], mentions);
                self.history.push((pos, before));
                Ok(())
            }
            Event::Undo => {
                if let Some((pos, before)) = self.history.pop() {
                    self.states[pos] = before;
                }
                Ok(())
            }
        }
    }

    /// Whether the session was resumed from an existing journal.
    pub fn resumed(&self) -> bool {
        self.resumed
    }

    /// The name stored in the journal, if any.
    pub fn annotator(&self) -> Option<&str> {
        self.annotator.as_deref()
    }

    /// The mention file the session writes.
    pub fn out_path(&self) -> &Path {
        &self.out_path
    }

    /// The journal (`<out>.log`).
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Sentences in the sample.
    pub fn len(&self) -> usize {
        self.sample.len()
    }

    /// True for an empty sample.
    pub fn is_empty(&self) -> bool {
        self.sample.is_empty()
    }

    /// The sentence at a position of the sample.
    pub fn candidate(&self, pos: usize) -> Option<&Candidate> {
        self.sample.get(pos)
    }

    /// The position of a sentence id in the sample.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The mentions of the sentence at a position, as they stand now.
    pub fn state(&self, pos: usize) -> Option<&[MentionState]> {
        self.states.get(pos).map(Vec::as_slice)
    }

    /// A sentence is finished when every mention has a decision.
    pub fn is_finished(&self, pos: usize) -> bool {
        self.states
            .get(pos)
            .is_some_and(|s| s.iter().all(|m| m.decision.is_some()))
    }

    /// Sentences finished.
    pub fn finished_count(&self) -> usize {
        (0..self.len()).filter(|&p| self.is_finished(p)).count()
    }

    /// The first unfinished sentence (where a resumed session starts), if any.
    pub fn first_open(&self) -> Option<usize> {
        (0..self.len()).find(|&p| !self.is_finished(p))
    }

    /// Whether there is a change to undo.
    pub fn can_undo(&self) -> bool {
        !self.history.is_empty()
    }

    /// Counts of each decision per region, over all sampled sentences.
    pub fn region_counts(&self) -> BTreeMap<String, RegionCounts> {
        let mut counts: BTreeMap<String, RegionCounts> = BTreeMap::new();
        for m in self.states.iter().flatten() {
            let c = counts.entry(m.region.clone()).or_default();
            match m.decision {
                Some(Decision::Abnormal) => c.abnormal += 1,
                Some(Decision::Neutral) => c.neutral += 1,
                Some(Decision::NotMention) => c.not_mention += 1,
                Some(Decision::Skip) => c.skip += 1,
                None => c.open += 1,
            }
        }
        counts
    }

    /// Applies one edit to sentence `id`, journals it (fsynced) and rewrites the output.
    /// Returns the sentence's sample position.
    pub fn apply(
        &mut self,
        id: &str,
        edit: &Edit,
        catalog: &RegionCatalog,
    ) -> Result<usize, ApplyError> {
        let pos = self
            .position(id)
            .ok_or_else(|| EditError::UnknownSentence(id.to_string()))?;
        let mut next = self.states[pos].clone();
        let count = next.len();
        let get = |mention: usize| {
            if mention < count {
                Ok(mention)
            } else {
                Err(EditError::UnknownMention { mention, count })
            }
        };
        match edit {
            Edit::Label { mention, decision } => {
                let i = get(*mention)?;
                next[i].decision = Some(*decision);
            }
            Edit::Clear { mention } => {
                let i = get(*mention)?;
                next[i].decision = None;
            }
            Edit::Region { mention, region } => {
                let i = get(*mention)?;
                if !catalog.contains(region) {
                    return Err(EditError::UnknownRegion(region.clone()).into());
                }
                next[i].region = region.clone();
            }
            Edit::Span {
                mention,
                start,
                end,
            } => {
                let i = get(*mention)?;
                next[i].start = *start;
                next[i].end = *end;
            }
            Edit::Add { start, end, region } => {
                if !catalog.contains(region) {
                    return Err(EditError::UnknownRegion(region.clone()).into());
                }
                next.push(MentionState {
                    start: *start,
                    end: *end,
                    region: region.clone(),
                    decision: None,
                    added: true,
                });
            }
        }
        check_spans(&self.sample[pos], &next)?;
        if next == self.states[pos] {
            return Ok(pos);
        }
        self.append(&Event::Set {
            id: id.to_string(),
            mentions: next.clone(),
        })?;
        let before = std::mem::replace(&mut self.states[pos], next);
        self.history.push((pos, before));
        self.write_output()?;
        Ok(pos)
    }

    /// Reverts the most recent change (journaled as an `undo` record). Returns the position
    /// of the sentence it changed.
    pub fn undo(&mut self) -> Result<usize, ApplyError> {
        if self.history.is_empty() {
            return Err(EditError::NothingToUndo.into());
        }
        self.append(&Event::Undo)?;
        let (pos, before) = self.history.pop().expect("checked above");
        self.states[pos] = before;
        self.write_output()?;
        Ok(pos)
    }

    /// The finished sentences in the mention-file format, in sample order. Mentions marked
    /// `not_mention` or `skip` are left out; a sentence whose mentions were all skipped is
    /// left out entirely (no one looked at it).
    pub fn labelled_sentences(&self) -> Vec<LabelledSentence> {
        let mut out = Vec::new();
        for (pos, candidate) in self.sample.iter().enumerate() {
            let state = &self.states[pos];
            if !self.is_finished(pos) || state.iter().all(|m| m.decision == Some(Decision::Skip)) {
                continue;
            }
            let mut mentions: Vec<LabelledSpan> = state
                .iter()
                .filter_map(|m| {
                    let label = m.decision?.label()?;
                    Some(LabelledSpan {
                        start: m.start,
                        end: m.end,
                        region: m.region.clone(),
                        label,
                    })
                })
                .collect();
            mentions.sort_by_key(|m| (m.start, m.end));
            out.push(LabelledSentence {
                id: Some(candidate.id.clone()),
                exam_id: candidate.exam_id.clone(),
                section: candidate.section.clone(),
                text: candidate.text.clone(),
                mentions,
            });
        }
        out
    }

    fn write_output(&self) -> Result<(), JournalError> {
        mention_file::write(&self.out_path, &self.labelled_sentences()).map_err(|source| {
            JournalError::Output {
                path: self.out_path.clone(),
                source,
            }
        })
    }

    fn append(&mut self, event: &Event) -> Result<(), JournalError> {
        let mut line = serde_json::to_vec(event).expect("journal events always serialise");
        line.push(b'\n');
        let io = |source| JournalError::Io {
            path: self.log_path.clone(),
            source,
        };
        // One write per record (O_APPEND), then fsync: the record is durable before we answer.
        self.log.write_all(&line).map_err(io)?;
        self.log.sync_data().map_err(io)?;
        Ok(())
    }
}

/// Either a refused edit (the person's fault: a 4xx) or a failure to save (a 5xx).
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The edit was refused.
    #[error(transparent)]
    Edit(#[from] EditError),
    /// The edit could not be saved.
    #[error(transparent)]
    Journal(#[from] JournalError),
}

fn initial_state(candidate: &Candidate) -> Vec<MentionState> {
    candidate
        .mentions
        .iter()
        .map(|m| MentionState {
            start: m.start,
            end: m.end,
            region: m.region.clone(),
            decision: None,
            added: false,
        })
        .collect()
}

/// Spans must be non-empty, inside the text, and not overlap each other — except mentions
/// marked `not_mention`, which are dropped from the output and so may overlap their fix.
fn check_spans(candidate: &Candidate, mentions: &[MentionState]) -> Result<(), EditError> {
    let len = candidate.len_chars();
    for m in mentions {
        if m.start >= m.end || m.end > len {
            return Err(EditError::SpanOutOfRange {
                start: m.start,
                end: m.end,
                len,
            });
        }
    }
    let kept: Vec<(usize, &MentionState)> = mentions
        .iter()
        .enumerate()
        .filter(|(_, m)| m.decision != Some(Decision::NotMention))
        .collect();
    for (a, (_, m)) in kept.iter().enumerate() {
        for (j, other) in kept.iter().skip(a + 1) {
            if m.start < other.end && other.start < m.end {
                return Err(EditError::Overlap {
                    start: m.start,
                    end: m.end,
                    other: *j,
                });
            }
        }
    }
    Ok(())
}

type ReadJournal = (Vec<String>, Option<String>, Vec<(usize, Event)>, u64);

/// Reads a journal: the sample ids, the annotator, the change events with their line numbers,
/// and the byte length of the well-formed prefix (a torn last line is excluded). `None` when
/// not even the session line is complete.
fn read_journal(path: &Path) -> Result<Option<ReadJournal>, JournalError> {
    let io = |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = BufReader::new(File::open(path).map_err(io)?);
    let mut session = None;
    let mut events = Vec::new();
    let mut good_len = 0u64;
    let mut buf = Vec::new();
    let mut line_no = 0;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let complete = buf.ends_with(b"\n");
        let parsed = std::str::from_utf8(&buf)
            .map_err(|e| e.to_string())
            .and_then(|s| serde_json::from_str::<Event>(s.trim_end()).map_err(|e| e.to_string()));
        let event = match parsed {
            Ok(event) if complete => event,
            // A last line without its newline was never acknowledged: drop it.
            _ if !complete => break,
            Ok(_) => unreachable!("complete is true here"),
            Err(message) => {
                return Err(JournalError::Parse {
                    path: path.to_path_buf(),
                    line: line_no,
                    message,
                });
            }
        };
        good_len += n as u64;
        match (line_no, event) {
            (1, Event::Session { annotator, ids, .. }) => session = Some((ids, annotator)),
            (1, _) => {
                return Err(JournalError::NoSession {
                    path: path.to_path_buf(),
                });
            }
            (line, event) => events.push((line, event)),
        }
    }
    Ok(session.map(|(ids, annotator)| (ids, annotator, events, good_len)))
}

/// An exclusive advisory lock for the life of the open journal (released by the OS when the
/// process dies), so two servers never interleave records in one journal.
fn lock(file: &File, path: &Path) -> Result<(), JournalError> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(std::fs::TryLockError::WouldBlock) => Err(JournalError::Locked {
            path: path.to_path_buf(),
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(JournalError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Makes a newly created file's directory entry durable.
fn sync_dir(file: &Path) -> std::io::Result<()> {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::candidate::{CandidateMention, RegionInfo};

    fn catalog() -> RegionCatalog {
        RegionCatalog::new(
            ["liver", "spine", "abdomen"]
                .iter()
                .map(|n| RegionInfo {
                    name: n.to_string(),
                    display_name: n.to_uppercase(),
                })
                .collect(),
        )
    }

    fn pool() -> Vec<Candidate> {
        let c = |id: &str, text: &str, mentions: &[(usize, usize, &str)]| Candidate {
            id: id.into(),
            exam_id: Some("E1".into()),
            section: Some("findings".into()),
            text: text.into(),
            context_before: String::new(),
            context_after: String::new(),
            mentions: mentions
                .iter()
                .map(|&(start, end, region)| CandidateMention {
                    start,
                    end,
                    region: region.into(),
                })
                .collect(),
        };
        vec![
            c("s1", "Hypermetabolic liver lesion.", &[(15, 20, "liver")]),
            c(
                "s2",
                "Uptake in the spine and liver.",
                &[(14, 19, "spine"), (24, 29, "liver")],
            ),
        ]
    }

    fn ids() -> Vec<String> {
        vec!["s1".into(), "s2".into()]
    }

    fn label(mention: usize, decision: Decision) -> Edit {
        Edit::Label { mention, decision }
    }

    #[test]
    fn a_finished_sentence_is_written_in_the_mention_file_format() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("m.jsonl");
        let mut j = Journal::open(&out, &pool(), &ids(), None).unwrap();
        j.apply("s2", &label(0, Decision::Abnormal), &catalog())
            .unwrap();
        assert!(
            uptake_core::mentions::read_mentions(&out)
                .unwrap()
                .is_empty(),
            "s2 is half done"
        );
        j.apply("s2", &label(1, Decision::NotMention), &catalog())
            .unwrap();
        let written = uptake_core::mentions::read_mentions(&out).unwrap();
        assert_eq!(written.len(), 1);
        assert_eq!(written[0].id.as_deref(), Some("s2"));
        assert_eq!(
            written[0].mentions,
            vec![LabelledSpan {
                start: 14,
                end: 19,
                region: "spine".into(),
                label: 1
            }]
        );
    }

    #[test]
    fn reopening_replays_every_change_including_undo() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("m.jsonl");
        {
            let mut j = Journal::open(&out, &pool(), &ids(), Some("ann".into())).unwrap();
            j.apply("s1", &label(0, Decision::Abnormal), &catalog())
                .unwrap();
            j.apply("s2", &label(0, Decision::Neutral), &catalog())
                .unwrap();
            j.apply(
                "s2",
                &Edit::Region {
                    mention: 1,
                    region: "abdomen".into(),
                },
                &catalog(),
            )
            .unwrap();
            assert_eq!(j.undo().unwrap(), 1);
        }
        // Resume ignores the new sample: the journal's sample wins.
        let j = Journal::open(&out, &pool(), &["s2".to_string()], None).unwrap();
        assert!(j.resumed());
        assert_eq!(j.len(), 2);
        assert_eq!(j.annotator(), Some("ann"));
        assert_eq!(j.state(0).unwrap()[0].decision, Some(Decision::Abnormal));
        assert_eq!(j.state(1).unwrap()[0].decision, Some(Decision::Neutral));
        assert_eq!(
            j.state(1).unwrap()[1].region,
            "liver",
            "the region change was undone"
        );
        assert_eq!(j.first_open(), Some(1));
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_the_journal_stays_appendable() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("m.jsonl");
        {
            let mut j = Journal::open(&out, &pool(), &ids(), None).unwrap();
            j.apply("s1", &label(0, Decision::Abnormal), &catalog())
                .unwrap();
        }
        let log = journal_path(&out);
        let mut f = OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(br#"{"event":"set","id":"s2","ment"#).unwrap();
        drop(f);
        {
            let mut j = Journal::open(&out, &pool(), &ids(), None).unwrap();
            assert_eq!(j.state(0).unwrap()[0].decision, Some(Decision::Abnormal));
            j.apply("s2", &label(1, Decision::Neutral), &catalog())
                .unwrap();
        }
        let j = Journal::open(&out, &pool(), &ids(), None).unwrap();
        assert_eq!(j.state(1).unwrap()[1].decision, Some(Decision::Neutral));
    }

    #[test]
    fn a_journal_torn_inside_its_session_line_starts_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("m.jsonl");
        std::fs::write(journal_path(&out), br#"{"event":"session","vers"#).unwrap();
        let mut j = Journal::open(&out, &pool(), &ids(), None).unwrap();
        assert!(!j.resumed());
        j.apply("s1", &label(0, Decision::Abnormal), &catalog())
            .unwrap();
        drop(j);
        let j = Journal::open(&out, &pool(), &ids(), None).unwrap();
        assert!(j.resumed());
        assert_eq!(j.finished_count(), 1);
    }

    #[test]
    fn a_new_session_with_an_empty_sample_is_refused_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("m.jsonl");
        let err = Journal::open(&out, &pool(), &[], None)
            .err()
            .expect("an empty sample");
        assert!(matches!(err, JournalError::EmptySample { .. }), "{err}");
        assert!(!journal_path(&out).exists(), "no journal to stick");
        assert!(!out.exists());
    }

    #[test]
    fn a_journal_with_an_empty_sample_does_not_stick() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("m.jsonl");
        // What an earlier version saved for a run whose sample came out empty.
        std::fs::write(
            journal_path(&out),
            "{\"event\":\"session\",\"version\":1,\"ids\":[]}\n",
        )
        .unwrap();
        std::fs::write(&out, "").unwrap();
        assert!(!Journal::holds_session(&out).unwrap());
        let j = Journal::open(&out, &pool(), &ids(), None).unwrap();
        assert!(!j.resumed());
        assert_eq!(j.len(), ids().len(), "the new sample is used");
        drop(j);
        assert!(Journal::holds_session(&out).unwrap());
        assert_eq!(
            Journal::open(&out, &pool(), &[], None).unwrap().len(),
            ids().len()
        );
    }

    #[test]
    fn a_temporary_file_left_by_a_killed_server_is_removed_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("m.jsonl");
        drop(Journal::open(&out, &pool(), &ids(), None).unwrap());
        let stale = dir.path().join(".uptake-tmp-annotate-m.jsonl");
        std::fs::write(&stale, "half a file").unwrap();
        let mut j = Journal::open(&out, &pool(), &ids(), None).unwrap();
        assert!(!stale.exists());
        j.apply("s1", &label(0, Decision::Abnormal), &catalog())
            .unwrap();
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| !n.starts_with(".uptake-tmp-")),
            "{names:?}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_as_output_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.jsonl");
        let out = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&target, &out).unwrap();
        let err = Journal::open(&out, &pool(), &ids(), None)
            .err()
            .expect("refused");
        assert!(matches!(err, JournalError::UnsafeOutput(_)), "{err}");
        assert!(
            std::fs::symlink_metadata(&out)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(!target.exists());
    }

    #[test]
    fn a_corrupt_line_in_the_middle_is_an_error_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("m.jsonl");
        drop(Journal::open(&out, &pool(), &ids(), None).unwrap());
        let log = journal_path(&out);
        let mut f = OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(b"garbage\n{\"event\":\"undo\"}\n").unwrap();
        drop(f);
        let err = Journal::open(&out, &pool(), &ids(), None)
            .err()
            .expect("corrupt journal");
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn an_existing_mention_file_without_a_journal_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("m.jsonl");
        std::fs::write(&out, "precious\n").unwrap();
        let err = Journal::open(&out, &pool(), &ids(), None)
            .err()
            .expect("refused");
        assert!(matches!(err, JournalError::ForeignOutput { .. }), "{err}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious\n");
    }

    #[test]
    fn a_second_server_on_the_same_output_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("m.jsonl");
        let first = Journal::open(&out, &pool(), &ids(), None).unwrap();
        let err = Journal::open(&out, &pool(), &ids(), None)
            .err()
            .expect("locked");
        assert!(matches!(err, JournalError::Locked { .. }), "{err}");
        drop(first);
        assert!(Journal::open(&out, &pool(), &ids(), None).is_ok());
    }

    #[test]
    fn overlapping_spans_are_refused_unless_one_is_not_a_mention() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("m.jsonl"), &pool(), &ids(), None).unwrap();
        let add = Edit::Add {
            start: 10,
            end: 20,
            region: "liver".into(),
        };
        let err = j.apply("s1", &add, &catalog()).unwrap_err();
        assert!(
            matches!(err, ApplyError::Edit(EditError::Overlap { .. })),
            "{err}"
        );
        j.apply("s1", &label(0, Decision::NotMention), &catalog())
            .unwrap();
        j.apply("s1", &add, &catalog()).unwrap();
        assert_eq!(j.state(0).unwrap().len(), 2);
    }

    #[test]
    fn bad_edits_are_refused_and_leave_no_trace() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("m.jsonl");
        let mut j = Journal::open(&out, &pool(), &ids(), None).unwrap();
        let before = std::fs::read(journal_path(&out)).unwrap();
        let cases = [
            ("s9", label(0, Decision::Abnormal)),
            ("s1", label(3, Decision::Abnormal)),
            (
                "s1",
                Edit::Span {
                    mention: 0,
                    start: 20,
                    end: 99,
                },
            ),
            (
                "s1",
                Edit::Span {
                    mention: 0,
                    start: 5,
                    end: 5,
                },
            ),
            (
                "s1",
                Edit::Region {
                    mention: 0,
                    region: "moon".into(),
                },
            ),
        ];
        for (id, edit) in &cases {
            assert!(
                matches!(j.apply(id, edit, &catalog()), Err(ApplyError::Edit(_))),
                "{edit:?}"
            );
        }
        assert!(matches!(
            j.undo(),
            Err(ApplyError::Edit(EditError::NothingToUndo))
        ));
        assert_eq!(std::fs::read(journal_path(&out)).unwrap(), before);
    }
}
