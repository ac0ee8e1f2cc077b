//! Which regions a table has columns for: every region, the 30 task regions, or a list of
//! names. Parsed once from text (`all`, `tasks`, `liver,lungs`), resolved against an ontology.

use crate::graph::Ontology;
use crate::region::RegionId;
use std::fmt;
use std::str::FromStr;

/// A choice of regions, as `--regions` spells it.
///
/// `tasks` means the 30 task regions of shared/regions.md everywhere in uptake.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RegionSelection {
    /// Every region of the ontology, parents before children (`all`).
    #[default]
    All,
    /// The 30 task regions, in the order of shared/regions.md (`tasks`).
    Tasks,
    /// These regions, in this order (`liver,lungs`); no name twice.
    Names(Vec<String>),
}

/// Why a region selection cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    /// Nothing was given.
    #[error("no regions given: use `all`, `tasks` or a comma-separated list of region names")]
    Empty,
    /// A list holds an empty name (`liver,,lungs`).
    #[error("`{list}`: an empty region name in the list")]
    EmptyName {
        /// The list as given.
        list: String,
    },
    /// A list names a region twice.
    #[error("region `{region}` is listed twice")]
    Duplicate {
        /// The repeated name.
        region: String,
    },
    /// A list names a region the ontology does not have.
    #[error("`{region}` is not a region of {ontology}")]
    Unknown {
        /// The unknown name.
        region: String,
        /// Where the ontology came from.
        ontology: String,
    },
}

impl RegionSelection {
    /// The selected regions of `ontology`, in column order.
    pub fn resolve(&self, ontology: &Ontology) -> Result<Vec<RegionId>, SelectionError> {
        match self {
            RegionSelection::All => Ok(ontology.ids().to_vec()),
            RegionSelection::Tasks => Ok(ontology.task_regions()),
            RegionSelection::Names(names) => names
                .iter()
                .map(|name| {
                    ontology.id(name).ok_or_else(|| SelectionError::Unknown {
                        region: name.clone(),
                        ontology: ontology.source_name().to_string(),
                    })
                })
                .collect(),
        }
    }

    /// The names of the selected regions of `ontology`, in column order.
    pub fn names(&self, ontology: &Ontology) -> Result<Vec<String>, SelectionError> {
        Ok(self
            .resolve(ontology)?
            .into_iter()
            .map(|id| ontology.name(id).to_string())
            .collect())
    }
}

impl FromStr for RegionSelection {
    type Err = SelectionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "" => Err(SelectionError::Empty),
            "all" => Ok(RegionSelection::All),
            "tasks" => Ok(RegionSelection::Tasks),
            list => {
                let mut names: Vec<String> = Vec::new();
                for name in list.split(',').map(str::trim) {
                    if name.is_empty() {
                        return Err(SelectionError::EmptyName { list: list.into() });
                    }
                    if names.iter().any(|n| n == name) {
                        return Err(SelectionError::Duplicate {
                            region: name.into(),
                        });
                    }
                    names.push(name.to_string());
                }
                Ok(RegionSelection::Names(names))
            }
        }
    }
}

impl fmt::Display for RegionSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionSelection::All => f.write_str("all"),
            RegionSelection::Tasks => f.write_str("tasks"),
            RegionSelection::Names(names) => f.write_str(&names.join(",")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RegionSelection, SelectionError> {
        text.parse()
    }

    #[test]
    fn all_and_tasks_are_keywords_and_anything_else_a_list() {
        assert_eq!(parse("all"), Ok(RegionSelection::All));
        assert_eq!(parse(" tasks "), Ok(RegionSelection::Tasks));
        assert_eq!(
            parse("liver, lungs"),
            Ok(RegionSelection::Names(vec!["liver".into(), "lungs".into()]))
        );
    }

    #[test]
    fn a_name_listed_twice_is_an_error_naming_it() {
        assert_eq!(
            parse("liver,lungs,liver"),
            Err(SelectionError::Duplicate {
                region: "liver".into()
            })
        );
    }

    #[test]
    fn empty_text_and_empty_names_are_errors() {
        assert_eq!(parse("  "), Err(SelectionError::Empty));
        assert!(matches!(
            parse("liver,,lungs"),
            Err(SelectionError::EmptyName { .. })
        ));
    }

    #[test]
    fn tasks_resolve_to_the_30_task_regions_and_all_to_every_region() {
        let o = Ontology::builtin();
        assert_eq!(RegionSelection::Tasks.resolve(&o).unwrap().len(), 30);
        assert_eq!(RegionSelection::All.resolve(&o).unwrap().len(), o.len());
    }

    #[test]
    fn a_list_resolves_in_its_own_order_and_an_unknown_name_is_named() {
        let o = Ontology::builtin();
        let names = parse("lungs,liver").unwrap().names(&o).unwrap();
        assert_eq!(names, ["lungs", "liver"]);
        let err = parse("liver,livr").unwrap().resolve(&o).unwrap_err();
        assert!(err.to_string().contains("`livr`"), "{err}");
    }

    #[test]
    fn the_text_form_parses_back_to_the_same_selection() {
        for text in ["all", "tasks", "liver,lungs"] {
            assert_eq!(parse(text).unwrap().to_string(), text);
        }
    }
}
