//! Where in the phantom a lesion's `site` is.
//!
//! The report generator names sites in ontology style (`right_upper_lobe`, `t11_vertebra`,
//! `left_level_ii_lymph_node`, `para-aortic`...). The phantom's structures use the same style,
//! so most names match exactly; others are matched by normalisation and keywords; anything else
//! falls back to the lesion's task `region` (any site whose task region lies at or below it).

use crate::anatomy::Anatomy;
use crate::spec::Side;
use crate::taxonomy::is_ancestor_or_self;

/// How a site was resolved (recorded in the region map so consumers can audit it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Resolution {
    /// A structure of exactly this name.
    Exact,
    /// Matched after normalising the name (case, hyphens, plurals, "node" vs "lymph_node").
    Normalised,
    /// Matched by a keyword (e.g. "upper lobe", "rib", "l3").
    Keyword,
    /// No anatomy of that name: placed anywhere in the lesion's task region.
    Region,
}

fn normalise(site: &str) -> String {
    let mut s = site
        .trim()
        .to_ascii_lowercase()
        .replace(['-', ' ', '/'], "_");
    for (from, to) in [
        ("_lymph_nodes", "_lymph_node"),
        ("_nodes", "_lymph_node"),
        ("lymph_node_", ""),
    ] {
        s = s.replace(from, to);
    }
    if s.ends_with("_node") && !s.ends_with("_lymph_node") {
        s = format!("{}_lymph_node", s.trim_end_matches("_node"));
    }
    s.replace("paraaortic", "para_aortic").replace("__", "_")
}

/// Side written in the name, if any.
fn side_of(name: &str) -> Option<Side> {
    if name.starts_with("left_") || name.contains("_left") {
        Some(Side::Left)
    } else if name.starts_with("right_") || name.contains("_right") {
        Some(Side::Right)
    } else {
        None
    }
}

/// Keyword rules: (words that must all appear, structure name to use; `{side}` is replaced by
/// `left_`/`right_` or tried for both).
const KEYWORDS: &[(&[&str], &str)] = &[
    (&["lingula"], "lingula"),
    (&["middle", "lobe"], "right_middle_lobe"),
    (&["upper", "lobe"], "{side}upper_lobe"),
    (&["lower", "lobe"], "{side}lower_lobe"),
    (&["sacr"], "sacrum"),
    (&["ilium"], "{side}iliac_bone"),
    (&["saliv"], "{side}parotid"),
    (&["shoulder"], "shoulder_girdle"),
    (&["pelvic", "node"], "{side}internal_iliac_lymph_node"),
    (&["iliac", "bone"], "{side}iliac_bone"),
    (&["iliac", "wing"], "{side}iliac_bone"),
    (&["acetab"], "acetabulum"),
    (&["pubi"], "pubis_ischium"),
    (&["ischi"], "pubis_ischium"),
    (&["rib"], "ribs"),
    (&["stern"], "sternum"),
    (&["clavic"], "shoulder_girdle"),
    (&["scapul"], "shoulder_girdle"),
    (&["humer"], "humerus"),
    (&["femor", "head"], "acetabulum"),
    (&["femur"], "femur"),
    (&["femoral", "bone"], "femur"),
    (&["tonsil"], "tonsils"),
    (&["tongue"], "tongue"),
    (&["oropharyn"], "tonsils"),
    (&["nasophar"], "nasopharynx"),
    (&["parotid"], "{side}parotid"),
    (&["brain"], "brain"),
    (&["cerebr"], "brain"),
    (&["thyroid"], "thyroid"),
    (&["laryn"], "larynx"),
    (&["hypophar"], "larynx"),
    (&["esophag"], "esophagus"),
    (&["heart"], "heart"),
    (&["pericard"], "heart"),
    (&["breast"], "{side}breast"),
    (&["supraclav"], "{side}supraclavicular_lymph_node"),
    (&["submandib", "node"], "cervical_level_1"),
    (&["submental"], "cervical_level_1"),
    (&["jugulodigastric"], "cervical_level_2"),
    (&["posterior_triangle"], "cervical_level_5"),
    (&["axill"], "{side}axillary_lymph_node"),
    (&["pectoral"], "{side}axillary_lymph_node"),
    (&["hil"], "{side}hilar_lymph_node"),
    (&["subcarinal"], "subcarinal_lymph_node"),
    (&["precarinal"], "precarinal_lymph_node"),
    (&["carina"], "subcarinal_lymph_node"),
    (&["paratrache"], "{side}paratracheal_lymph_node"),
    (&["prevascular"], "prevascular_lymph_node"),
    (&["aortopulmonary"], "aortopulmonary_lymph_node"),
    (&["mammary"], "{side}internal_mammary_lymph_node"),
    (&["paraesoph"], "paraesophageal_lymph_node"),
    (&["mediastin"], "prevascular_lymph_node"),
    (&["retrocrural"], "{side}retrocrural_lymph_node"),
    (&["para_aortic"], "para_aortic_lymph_node"),
    (&["periaortic"], "para_aortic_lymph_node"),
    (&["aortocaval"], "aortocaval_lymph_node"),
    (&["interaortocaval"], "aortocaval_lymph_node"),
    (&["caval"], "paracaval_lymph_node"),
    (&["retroperiton"], "para_aortic_lymph_node"),
    (&["celiac"], "celiac_lymph_node"),
    (&["porta"], "porta_hepatis_lymph_node"),
    (&["portocaval"], "portocaval_lymph_node"),
    (&["gastrohepatic"], "gastrohepatic_lymph_node"),
    (&["peripancrea"], "peripancreatic_lymph_node"),
    (&["mesenter"], "mesenteric_lymph_node"),
    (&["common_iliac"], "{side}common_iliac_lymph_node"),
    (&["external_iliac"], "{side}external_iliac_lymph_node"),
    (&["internal_iliac"], "{side}internal_iliac_lymph_node"),
    (&["obturator"], "{side}obturator_lymph_node"),
    (&["iliac", "node"], "{side}external_iliac_lymph_node"),
    (&["inguinal"], "{side}inguinal_lymph_node"),
    (&["femoral", "node"], "{side}inguinal_lymph_node"),
    (&["pancrea", "head"], "pancreatic_head"),
    (&["uncinate"], "pancreatic_head"),
    (&["pancrea", "body"], "pancreatic_body"),
    (&["pancrea", "tail"], "pancreatic_tail"),
    (&["pancrea"], "pancreatic_body"),
    (&["adrenal"], "{side}adrenal"),
    (&["kidney"], "{side}kidney"),
    (&["renal"], "{side}kidney"),
    (&["liver"], "liver"),
    (&["hepat"], "liver"),
    (&["spleen"], "spleen"),
    (&["splenic"], "spleen"),
    (&["stomach"], "stomach"),
    (&["gastric"], "stomach"),
    (&["colon"], "colon"),
    (&["bowel"], "small_bowel"),
    (&["bladder"], "bladder"),
    (&["prostat"], "prostate"),
    (&["uter"], "uterus"),
    (&["cervix"], "uterus"),
    (&["ovar"], "{side}ovary"),
    (&["rect"], "rectum"),
    (&["lung"], "{side}lower_lobe"),
    (&["pulmonary"], "{side}lower_lobe"),
];

/// Vertebra names: `t11_vertebra`, `t11`, `l3_vertebral_body`, `c5` -> `t11_vertebra`...
fn vertebra(name: &str) -> Option<String> {
    let head = name.split('_').next()?;
    let (letter, digits) = head.split_at(1);
    let n: u32 = digits.parse().ok()?;
    let max = match letter {
        "c" => 7,
        "t" => 12,
        "l" => 5,
        _ => return None,
    };
    (1..=max)
        .contains(&n)
        .then(|| format!("{letter}{n}_vertebra"))
}

/// Cervical node level from `level_ii`, `level_2`, `level_iib`, `cervical_level_4`...
fn cervical_level(name: &str) -> Option<u32> {
    let rest = &name[name.find("level_")? + "level_".len()..];
    let word = rest.split('_').next()?.trim_end_matches(['a', 'b']);
    let n = match word {
        "1" | "i" => 1,
        "2" | "ii" => 2,
        "3" | "iii" => 3,
        "4" | "iv" => 4,
        "5" | "v" => 5,
        "6" | "vi" => 6,
        _ => return None,
    };
    Some(n)
}

/// Finds structures for one lesion: only sites whose task region lies at or below the
/// lesion's `region`, on the lesion's side where a name has both sides.
struct Finder<'a> {
    anatomy: &'a Anatomy,
    region: &'a str,
    side: Side,
}

impl Finder<'_> {
    /// Whether structure `i` is a site in the lesion's region.
    fn fits(&self, i: usize) -> bool {
        let s = &self.anatomy.structures[i];
        s.site
            && (is_ancestor_or_self(self.region, s.task_region)
                || s.also_region
                    .is_some_and(|r| is_ancestor_or_self(self.region, r)))
    }

    /// Structures of that name in the region, on the lesion's side when the name has both.
    fn by_name(&self, name: &str) -> Vec<usize> {
        let all: Vec<usize> = self
            .anatomy
            .named(name)
            .into_iter()
            .filter(|&i| self.fits(i))
            .collect();
        let sided: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| self.side != Side::Midline && self.anatomy.structures[i].side == self.side)
            .collect();
        if sided.is_empty() { all } else { sided }
    }

    /// A vertebra, a spine segment or a cervical node level named in the (normalised) site.
    fn by_level(&self, norm: &str) -> Vec<usize> {
        if let Some(v) = vertebra(norm) {
            let found = self.by_name(&v);
            if !found.is_empty() {
                return found;
            }
        }
        for (segment, letter, count) in [
            ("cervical_spine", "c", 7),
            ("thoracic_spine", "t", 12),
            ("lumbar_spine", "l", 5),
        ] {
            if norm.contains(segment) {
                let found: Vec<usize> = (1..=count)
                    .flat_map(|n| self.by_name(&format!("{letter}{n}_vertebra")))
                    .collect();
                if !found.is_empty() {
                    return found;
                }
            }
        }
        match cervical_level(norm) {
            Some(level) => self.by_name(&format!("cervical_level_{level}")),
            None => Vec::new(),
        }
    }

    /// The first keyword rule whose words all appear in the (normalised) site.
    fn by_keyword(&self, norm: &str) -> Vec<usize> {
        let named_side = side_of(norm).unwrap_or(self.side);
        for (words, target) in KEYWORDS {
            // Hyphenation varies ("para-tracheal", "paratracheal"): compare without separators too.
            let compact = norm.replace('_', "");
            if !words
                .iter()
                .all(|w| norm.contains(w) || compact.contains(&w.replace('_', "")))
            {
                continue;
            }
            let candidates: Vec<String> = if target.contains("{side}") {
                match named_side {
                    Side::Left => vec![target.replace("{side}", "left_")],
                    Side::Right => vec![target.replace("{side}", "right_")],
                    Side::Midline => vec![
                        target.replace("{side}", "right_"),
                        target.replace("{side}", "left_"),
                        target.replace("{side}", ""),
                    ],
                }
            } else {
                vec![target.to_string()]
            };
            let found: Vec<usize> = candidates.iter().flat_map(|c| self.by_name(c)).collect();
            if !found.is_empty() {
                return found;
            }
        }
        Vec::new()
    }

    /// Fallback: a site of the region itself (chest wall -> chest, not a lung lobe below it),
    /// else any site below it; on the lesion's side when it has one.
    fn in_region(&self) -> Vec<usize> {
        let structures = &self.anatomy.structures;
        let exactly = |i: &usize| {
            let s = &structures[*i];
            s.task_region == self.region || s.also_region == Some(self.region)
        };
        let own: Vec<usize> = (0..structures.len())
            .filter(|&i| self.fits(i))
            .filter(exactly)
            .collect();
        let in_region: Vec<usize> = if own.is_empty() {
            (0..structures.len()).filter(|&i| self.fits(i)).collect()
        } else {
            own
        };
        let same_side: Vec<usize> = in_region
            .iter()
            .copied()
            .filter(|&i| self.side == Side::Midline || structures[i].side == self.side)
            .collect();
        if same_side.is_empty() {
            in_region
        } else {
            same_side
        }
    }
}

/// The structures a lesion may go into, and how they were found. Only structures whose task
/// region lies at or below the lesion's `region` qualify, so a lesion always counts for the
/// region the spec says.
pub(crate) fn resolve(
    anatomy: &Anatomy,
    site: &str,
    region: &str,
    side: Side,
) -> (Vec<usize>, Resolution) {
    let finder = Finder {
        anatomy,
        region,
        side,
    };
    let exact = finder.by_name(site);
    if !exact.is_empty() {
        return (exact, Resolution::Exact);
    }
    let norm = normalise(site);
    let found = finder.by_name(&norm);
    if !found.is_empty() {
        return (found, Resolution::Normalised);
    }
    let found = finder.by_level(&norm);
    if !found.is_empty() {
        return (found, Resolution::Keyword);
    }
    let found = finder.by_keyword(&norm);
    if !found.is_empty() {
        return (found, Resolution::Keyword);
    }
    (finder.in_region(), Resolution::Region)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anatomy::BodySize;
    use crate::spec::Sex;

    fn anatomy() -> Anatomy {
        Anatomy::build(BodySize {
            height_cm: 170.0,
            weight_kg: 70.0,
            sex: Sex::Female,
        })
    }

    fn names(a: &Anatomy, found: &[usize]) -> Vec<String> {
        let mut n: Vec<String> = found
            .iter()
            .map(|&i| a.structures[i].name.clone())
            .collect();
        n.dedup();
        n
    }

    #[test]
    fn ontology_style_names_match_exactly() {
        let a = anatomy();
        for site in [
            "right_upper_lobe",
            "cervical_level_2",
            "subcarinal_lymph_node",
            "spleen",
            "skull",
        ] {
            let (found, how) = resolve(&a, site, "full", Side::Midline);
            assert_eq!(how, Resolution::Exact, "{site}");
            assert_eq!(names(&a, &found), vec![site.to_string()]);
        }
    }

    #[test]
    fn vertebrae_resolve_from_short_names() {
        let a = anatomy();
        let (found, _) = resolve(&a, "T11", "spine", Side::Midline);
        assert_eq!(names(&a, &found), vec!["t11_vertebra".to_string()]);
    }

    #[test]
    fn keywords_keep_the_side() {
        let a = anatomy();
        let (found, how) = resolve(
            &a,
            "left para-tracheal node",
            "paratracheal_lymph_node",
            Side::Left,
        );
        assert_eq!(how, Resolution::Keyword);
        assert_eq!(
            names(&a, &found),
            vec!["left_paratracheal_lymph_node".to_string()]
        );
    }

    #[test]
    fn an_unknown_site_falls_back_to_its_region_and_side() {
        let a = anatomy();
        let (found, how) = resolve(&a, "zygomatic_arch_of_nowhere", "right_lungs", Side::Right);
        assert_eq!(how, Resolution::Region);
        assert!(!found.is_empty());
        assert!(
            found
                .iter()
                .all(|&i| a.structures[i].task_region == "right_lungs")
        );
    }

    #[test]
    fn a_site_outside_the_lesion_region_is_not_used() {
        let a = anatomy();
        // "iliac bone" is pelvic skeleton; a lesion counted as an iliac node must stay a node.
        let (found, _) = resolve(&a, "left_iliac_bone", "iliac_lymph_node", Side::Left);
        assert!(
            found
                .iter()
                .all(|&i| a.structures[i].task_region == "iliac_lymph_node")
        );
    }
}
