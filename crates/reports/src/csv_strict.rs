//! A strict RFC 4180 CSV reader with exact line numbers (LF or CRLF). A quote that closes a
//! quoted field in the middle of it, or a quoted field that never closes, is an error naming
//! the line, never two rows merged into one.

use crate::read_error::ReportError;
use std::path::Path;

/// One field and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CsvField {
    pub(crate) line: u64,
    pub(crate) bytes: Vec<u8>,
}

/// One record and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CsvRow {
    pub(crate) line: u64,
    pub(crate) fields: Vec<CsvField>,
}

impl CsvRow {
    /// A record of one empty or blank field: a blank line.
    pub(crate) fn is_blank(&self) -> bool {
        self.fields
            .iter()
            .all(|f| f.bytes.iter().all(u8::is_ascii_whitespace))
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    i: usize,
    line: u64,
}

impl Cursor<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.i + ahead).copied()
    }

    /// At a record end: `\n`, `\r\n` or the end of the input.
    fn at_record_end(&self) -> bool {
        matches!(
            (self.peek(0), self.peek(1)),
            (None, _) | (Some(b'\n'), _) | (Some(b'\r'), Some(b'\n'))
        )
    }
}

/// Parses all records of `bytes` (a UTF-8 BOM already removed).
pub(crate) fn parse_csv(bytes: &[u8], path: &Path) -> Result<Vec<CsvRow>, ReportError> {
    let mut c = Cursor {
        bytes,
        i: 0,
        line: 1,
    };
    let mut rows = Vec::new();
    while c.i < bytes.len() {
        let mut row = CsvRow {
            line: c.line,
            fields: Vec::new(),
        };
        loop {
            row.fields.push(field(&mut c, path)?);
            match c.peek(0) {
                Some(b',') => c.i += 1,
                Some(b'\r') => {
                    c.i += 2;
                    c.line += 1;
                    break;
                }
                Some(b'\n') => {
                    c.i += 1;
                    c.line += 1;
                    break;
                }
                _ => break,
            }
        }
        rows.push(row);
    }
    Ok(rows)
}

/// One field, quoted or not; the cursor ends on the delimiter or record end after it.
fn field(c: &mut Cursor, path: &Path) -> Result<CsvField, ReportError> {
    let mut out = CsvField {
        line: c.line,
        bytes: Vec::new(),
    };
    if c.peek(0) != Some(b'"') {
        // Unquoted: up to a comma or the record end; a quote inside is kept as it is.
        while c.peek(0) != Some(b',') && !c.at_record_end() {
            out.bytes.push(c.bytes[c.i]);
            c.i += 1;
        }
        return Ok(out);
    }
    let opened = c.line;
    c.i += 1;
    loop {
        match c.peek(0) {
            None => {
                return Err(ReportError::Csv {
                    path: path.to_path_buf(),
                    line: opened,
                    message: "a quoted field opened on this line is never closed (a stray quote?)"
                        .into(),
                });
            }
            Some(b'"') if c.peek(1) == Some(b'"') => {
                out.bytes.push(b'"');
                c.i += 2;
            }
            Some(b'"') => {
                c.i += 1;
                break;
            }
            Some(b) => {
                if b == b'\n' {
                    c.line += 1;
                }
                out.bytes.push(b);
                c.i += 1;
            }
        }
    }
    if c.peek(0) == Some(b',') || c.at_record_end() {
        return Ok(out);
    }
    let message = match opened == c.line {
        true => "a quote inside a quoted field must be doubled (\"\")".to_string(),
        false => format!(
            "a quote inside a quoted field must be doubled (\"\"), or the field opened on line {opened} is missing its closing quote"
        ),
    };
    Err(ReportError::Csv {
        path: path.to_path_buf(),
        line: c.line,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<(u64, Vec<String>)> {
        parse_csv(text.as_bytes(), Path::new("r.csv"))
            .unwrap()
            .into_iter()
            .map(|r| {
                let fields = r
                    .fields
                    .iter()
                    .map(|f| String::from_utf8(f.bytes.clone()).unwrap());
                (r.line, fields.collect())
            })
            .collect()
    }

    #[test]
    fn quoted_fields_hold_commas_line_breaks_and_doubled_quotes() {
        assert_eq!(
            rows("a,b\r\n1,\"x, \"\"y\"\"\r\nz\"\r\n2,w\r\n"),
            [
                (1, vec!["a".into(), "b".into()]),
                (2, vec!["1".into(), "x, \"y\"\r\nz".into()]),
                (4, vec!["2".into(), "w".into()]),
            ]
        );
    }

    #[test]
    fn a_quote_in_an_unquoted_field_is_kept() {
        assert_eq!(rows("a,5\" mass\n")[0].1[1], "5\" mass");
    }
}
