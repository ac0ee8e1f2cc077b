//! One region as a person reads it (`uptake ontology show`): its kind, its place in the DAG,
//! its lateral variants and its tagging patterns.

use crate::graph::Ontology;
use crate::region::RegionId;
use std::fmt;

/// Everything the ontology says about one region; prints as an indented block.
pub struct RegionDescription<'a> {
    ontology: &'a Ontology,
    id: RegionId,
}

/// A region name the ontology does not have, with the names closest to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no region `{name}` in {source_name} (similar: {})", similar_text(.similar))]
pub struct UnknownRegion {
    /// The name asked for.
    pub name: String,
    /// The ontology file (or "built in").
    pub source_name: String,
    /// Up to eight similar names.
    pub similar: Vec<String>,
}

fn similar_text(similar: &[String]) -> String {
    if similar.is_empty() {
        "none".into()
    } else {
        similar.join(", ")
    }
}

impl Ontology {
    /// The description of the region `name`, or an error naming similar regions.
    pub fn describe(&self, name: &str) -> Result<RegionDescription<'_>, UnknownRegion> {
        let id = self.id(name).ok_or_else(|| UnknownRegion {
            name: name.to_string(),
            source_name: self.source_name().to_string(),
            similar: self
                .similar_names(name, 8)
                .into_iter()
                .map(String::from)
                .collect(),
        })?;
        Ok(RegionDescription { ontology: self, id })
    }
}

impl RegionDescription<'_> {
    /// Region names joined by commas, `-` for none.
    fn names(&self, ids: &[RegionId]) -> String {
        if ids.is_empty() {
            return "-".into();
        }
        let names: Vec<&str> = ids.iter().map(|i| self.ontology.name(*i)).collect();
        names.join(", ")
    }

    fn variant(&self, variant: Option<RegionId>) -> &str {
        variant.map_or("-", |v| self.ontology.name(v))
    }
}

impl fmt::Display for RegionDescription<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (o, id) = (self.ontology, self.id);
        let r = o.region(id);
        let kind = match (r.task, r.rare) {
            (true, true) => "task region (rare)",
            (true, false) => "task region",
            _ => "finer region",
        };
        writeln!(f, "{} ({})", r.name, r.display_name)?;
        writeln!(f, "  kind:        {kind}")?;
        writeln!(f, "  parents:     {}", self.names(&r.parents))?;
        writeln!(f, "  ancestors:   {}", self.names(o.ancestors(id)))?;
        writeln!(f, "  children:    {}", self.names(o.children(id)))?;
        writeln!(f, "  descendants: {}", self.names(o.descendants(id)))?;
        if let Some((side, base)) = r.lateral_of {
            writeln!(f, "  lateral:     {:?} variant of {}", side, o.name(base))?;
        }
        if r.left.is_some() || r.right.is_some() {
            let (left, right) = (self.variant(r.left), self.variant(r.right));
            writeln!(f, "  variants:    left {left}, right {right}")?;
        }
        if let Some(note) = &r.note {
            writeln!(f, "  note:        {note}")?;
        }
        writeln!(f, "  patterns:")?;
        r.patterns.iter().try_for_each(|p| writeln!(f, "    {p}"))?;
        if !r.exclude.is_empty() {
            writeln!(f, "  exclude:")?;
            r.exclude.iter().try_for_each(|p| writeln!(f, "    {p}"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Ontology;

    #[test]
    fn a_lateral_region_is_described_with_its_place_in_the_dag() {
        let text = Ontology::builtin()
            .describe("left_lungs")
            .unwrap()
            .to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "  kind:        task region");
        assert_eq!(lines[3], "  ancestors:   full, chest, lungs");
        assert!(
            lines.contains(&"  lateral:     Left variant of lungs"),
            "{text}"
        );
    }

    #[test]
    fn an_unknown_region_is_refused_with_similar_names() {
        let err = Ontology::builtin().describe("lung").err().unwrap();
        assert!(err.similar.iter().any(|n| n == "lungs"), "{err}");
        assert!(err.to_string().starts_with("no region `lung` in "), "{err}");
    }
}
