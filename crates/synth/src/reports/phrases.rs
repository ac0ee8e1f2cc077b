//! Small phrases every part of a report uses: picking, capitals, articles, sides, names of
//! sites, sizes and SUVs.

use super::vocabulary::{
    AVID, AVID_INTENSE, DISEASE_LYMPHOMA, DISEASE_METASTATIC, NOUNS_BONE, NOUNS_LUNG, NOUNS_ORGAN,
    ORDINALS,
};
use crate::catalogue::{Kind, SiteDef};
use crate::spec::Side;
use rand::Rng;
use rand::seq::IndexedRandom;

/// One item of a non-empty list, chosen at random.
pub(super) fn pick<T: Clone>(rng: &mut (impl Rng + ?Sized), items: &[T]) -> T {
    items.choose(rng).expect("non-empty list").clone()
}

/// The text with its first letter in upper case.
pub(super) fn cap(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// `left`, `right`, or nothing for the midline.
pub(super) fn side_word(side: Side) -> &'static str {
    match side {
        Side::Left => "left",
        Side::Right => "right",
        Side::Midline => "",
    }
}

/// Left or right, at random.
pub(super) fn random_side(rng: &mut (impl Rng + ?Sized)) -> Side {
    if rng.random_bool(0.5) {
        Side::Left
    } else {
        Side::Right
    }
}

/// `left` or `right`, at random.
pub(super) fn random_side_word(rng: &mut (impl Rng + ?Sized)) -> &'static str {
    side_word(random_side(rng))
}

/// Fills the placeholders of a site name.
fn fill_name(template: &str, side: Side, rng: &mut (impl Rng + ?Sized)) -> String {
    let mut s = template.replace("{side}", side_word(side));
    if s.contains("{t}") {
        s = s.replace("{t}", &rng.random_range(1..=12).to_string());
    }
    if s.contains("{l}") {
        s = s.replace("{l}", &rng.random_range(1..=5).to_string());
    }
    if s.contains("{c}") {
        s = s.replace("{c}", &rng.random_range(2..=7).to_string());
    }
    if s.contains("{rib}") {
        s = s.replace("{rib}", pick(rng, &ORDINALS[2..11]));
    }
    s.trim().to_string()
}

/// A name of the site that agrees with the lesion's side (sided names need a side).
pub(super) fn name_for(def: &SiteDef, side: Side, rng: &mut (impl Rng + ?Sized)) -> String {
    let fitting: Vec<&&str> = def
        .names
        .iter()
        .filter(|n| {
            n.contains("{side}") == (side != Side::Midline)
                || (side != Side::Midline && def.sided())
        })
        .collect();
    let template = if fitting.is_empty() {
        pick(rng, def.names)
    } else {
        *pick(rng, &fitting)
    };
    fill_name(template, side, rng)
}

/// Measurements in the many ways reports write them.
pub(super) fn size_text(size_mm: f32, rng: &mut (impl Rng + ?Sized)) -> String {
    let cm = size_mm / 10.0;
    let short = cm * rng.random_range(0.6..0.95);
    match rng.random_range(0..5) {
        0 => format!("{cm:.1} x {short:.1} cm"),
        1 => format!("{cm:.1} cm"),
        2 => format!("{size_mm:.0} mm"),
        3 => format!("{short:.1} cm in short axis"),
        _ => format!("{cm:.1} x {short:.1} x {:.1} cm", short * 0.9),
    }
}

/// SUVmax in the many ways reports write it.
pub(super) fn suv_text(suv: f32, rng: &mut (impl Rng + ?Sized)) -> String {
    match rng.random_range(0..6) {
        0 => format!("SUVmax {suv:.1}"),
        1 => format!("SUV max {suv:.1}"),
        2 => format!("max SUV {suv:.1}"),
        3 => format!("SUVmax: {suv:.1}"),
        4 => format!("SUVmax of {suv:.1}"),
        _ => format!("SUV {suv:.1}"),
    }
}

/// How avid a lesion is called: more emphatic above SUVmax 9.
pub(super) fn avid_adjective(suv: f32, rng: &mut (impl Rng + ?Sized)) -> &'static str {
    if suv > 9.0 {
        pick(rng, &AVID_INTENSE)
    } else {
        pick(rng, &AVID)
    }
}

/// What the findings are called, given why the patient was scanned.
pub(super) fn disease_phrase(indication: &str, rng: &mut (impl Rng + ?Sized)) -> &'static str {
    match indication {
        "lymphoma" => pick(rng, &DISEASE_LYMPHOMA),
        _ => pick(rng, &DISEASE_METASTATIC),
    }
}

/// The noun for the lesion's kind, used with organ and bone names.
pub(super) fn lesion_noun(kind: Kind, rng: &mut (impl Rng + ?Sized)) -> &'static str {
    match kind {
        Kind::Lung => pick(rng, &NOUNS_LUNG),
        Kind::Bone => pick(rng, &NOUNS_BONE),
        _ => pick(rng, &NOUNS_ORGAN),
    }
}

/// Makes "a"/"an" agree with the word that follows.
pub(super) fn fix_article(s: &str) -> String {
    let vowel_start = |w: &str| {
        w.chars().next().is_some_and(|c| "aeiouAEIOU".contains(c))
            || ["FDG", "RUL", "RML", "RLL", "LUL", "LLL", "SUV", "AP "]
                .iter()
                .any(|p| w.starts_with(p))
    };
    let mut out: Vec<String> = Vec::new();
    let words: Vec<&str> = s.split(' ').collect();
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).copied().unwrap_or("");
        let fixed = match *w {
            "a" | "an" | "A" | "An" => {
                let upper = w.starts_with('A');
                let article = if vowel_start(next) && !next.starts_with("one") {
                    "an"
                } else {
                    "a"
                };
                if upper {
                    cap(article)
                } else {
                    article.to_string()
                }
            }
            other => other.to_string(),
        };
        out.push(fixed);
    }
    out.join(" ")
}

/// `a`, `a and b`, `a, b and c`.
pub(super) fn join_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
