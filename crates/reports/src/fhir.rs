//! HL7 FHIR `DiagnosticReport` resources (a Bundle, one resource, or NDJSON with one resource
//! per line) as report records: the text from `presentedForm` (text/plain, base64 `data`), else
//! `conclusion`; the status from `status`; the date from `issued` (else `effectiveDateTime`);
//! the exam id from an identifier (see [`FhirId`]). Other resource types are skipped.

use crate::read_error::ReportError;
use crate::record::{Location, RawRecord};
use base64::Engine;
use serde_json::Value;
use std::path::Path;

/// Which identifier of a `DiagnosticReport` is the exam id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FhirId {
    /// The accession identifier (`type.coding.code` `ACSN`), else the first identifier, else
    /// the resource `id`.
    Accession,
    /// The resource `id`.
    ResourceId,
    /// The identifier whose `system` is this URI.
    System(String),
}

/// The records of a FHIR file and how many resources of other types it held.
pub(crate) struct FhirRecords {
    pub(crate) records: Vec<RawRecord>,
    pub(crate) other_resources: usize,
}

/// Reads a Bundle, a single resource or NDJSON (UTF-8, BOM removed).
pub(crate) fn parse_fhir(text: &str, path: &Path, id: &FhirId) -> Result<FhirRecords, ReportError> {
    let mut out = FhirRecords {
        records: Vec::new(),
        other_resources: 0,
    };
    let json_error = |at: Location, message: String| ReportError::Json {
        path: path.to_path_buf(),
        at,
        message,
    };
    let resources: Vec<(Location, Value)> = match serde_json::from_str::<Value>(text) {
        Ok(doc) if doc.get("resourceType").and_then(Value::as_str) == Some("Bundle") => doc
            .get("entry")
            .and_then(Value::as_array)
            .map(|entries| {
                entries
                    .iter()
                    .enumerate()
                    .filter_map(|(i, e)| Some((Location::Entry(i + 1), e.get("resource")?.clone())))
                    .collect()
            })
            .unwrap_or_default(),
        Ok(doc) => vec![(Location::Line(1), doc)],
        Err(_) => {
            let mut lines = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let at = Location::Line(i as u64 + 1);
                // serde_json messages give positions and expectations, never the input text.
                let value =
                    serde_json::from_str(line).map_err(|e| json_error(at, e.to_string()))?;
                lines.push((at, value));
            }
            lines
        }
    };
    for (at, resource) in resources {
        if resource.get("resourceType").and_then(Value::as_str) != Some("DiagnosticReport") {
            out.other_resources += 1;
            continue;
        }
        out.records
            .push(record(&resource, at, id).map_err(|m| json_error(at, m))?);
    }
    Ok(out)
}

/// One DiagnosticReport as a record.
fn record(r: &Value, at: Location, id: &FhirId) -> Result<RawRecord, String> {
    let str_of = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    Ok(RawRecord {
        at,
        id: exam_id(r, id),
        text: text_of(r)?,
        status: str_of(r.get("status")),
        kind: None,
        date: str_of(r.get("issued")).or_else(|| str_of(r.get("effectiveDateTime"))),
    })
}

fn exam_id(r: &Value, id: &FhirId) -> Option<String> {
    let identifiers = r
        .get("identifier")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let value = |i: &Value| i.get("value").and_then(Value::as_str).map(str::to_string);
    let resource_id = || r.get("id").and_then(Value::as_str).map(str::to_string);
    match id {
        FhirId::ResourceId => resource_id(),
        FhirId::System(system) => identifiers
            .iter()
            .find(|i| i.get("system").and_then(Value::as_str) == Some(system))
            .and_then(value),
        FhirId::Accession => {
            let is_accession = |i: &&Value| {
                i.pointer("/type/coding")
                    .and_then(Value::as_array)
                    .is_some_and(|codings| {
                        codings
                            .iter()
                            .any(|c| c.get("code").and_then(Value::as_str) == Some("ACSN"))
                    })
            };
            identifiers
                .iter()
                .find(is_accession)
                .or(identifiers.first())
                .and_then(value)
                .or_else(resource_id)
        }
    }
}

/// The plain-text presented forms (base64 `data`, joined by blank lines), else `conclusion`.
fn text_of(r: &Value) -> Result<Option<String>, String> {
    let forms = r
        .get("presentedForm")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut texts = Vec::new();
    for (i, form) in forms.iter().enumerate() {
        let content_type = form
            .get("contentType")
            .and_then(Value::as_str)
            .unwrap_or("");
        let Some(data) = form.get("data").and_then(Value::as_str) else {
            continue;
        };
        if !content_type.to_ascii_lowercase().starts_with("text/plain") {
            continue;
        }
        // base64Binary may be wrapped over lines.
        let data: String = data.split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .map_err(|e| format!("presentedForm {}: the data is not base64: {e}", i + 1))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("presentedForm {}: the text is not UTF-8", i + 1))?;
        texts.push(text);
    }
    if !texts.is_empty() {
        return Ok(Some(texts.join("\n\n")));
    }
    Ok(r.get("conclusion")
        .and_then(Value::as_str)
        .map(str::to_string))
}
