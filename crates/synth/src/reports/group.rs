//! The body parts a report's findings are grouped under, in the order they are written.

use crate::taxonomy::is_ancestor_or_self;

/// A body part of the findings section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Group {
    HeadNeck,
    Chest,
    AbdomenPelvis,
    Bones,
}

/// The body parts in report order.
pub(super) const GROUPS: [Group; 4] = [
    Group::HeadNeck,
    Group::Chest,
    Group::AbdomenPelvis,
    Group::Bones,
];

/// The body part a finding in `region` is written under (bones before their body part).
pub(super) fn group_of(region: &str) -> Group {
    if is_ancestor_or_self("skeleton", region) {
        Group::Bones
    } else if is_ancestor_or_self("head_neck", region) {
        Group::HeadNeck
    } else if is_ancestor_or_self("chest", region) {
        Group::Chest
    } else {
        Group::AbdomenPelvis
    }
}

/// The findings sentences of each body part, in report order.
#[derive(Debug, Default)]
pub(super) struct Findings([Vec<String>; 4]);

impl Findings {
    /// Adds a sentence to a body part.
    pub(super) fn push(&mut self, group: Group, sentence: String) {
        self.0[group as usize].push(sentence);
    }

    /// Adds sentences to a body part.
    pub(super) fn extend(&mut self, group: Group, sentences: Vec<String>) {
        self.0[group as usize].extend(sentences);
    }

    /// The sentences of each body part, in report order.
    pub(super) fn by_group(&self) -> &[Vec<String>; 4] {
        &self.0
    }

    /// Radiologists do not write in a fixed order inside a body part: half of the time the
    /// first sentence swaps with a random one.
    pub(super) fn shuffle_openings(&mut self, rng: &mut (impl rand::Rng + ?Sized)) {
        for v in self.0.iter_mut() {
            if v.len() > 1 && rng.random_bool(0.5) {
                let last = v.len() - 1;
                v.swap(0, rng.random_range(0..=last));
            }
        }
    }
}
