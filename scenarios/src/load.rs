//! Loading: a TOML (or JSON) file becomes a validated [`Scenario`], or a [`ScenarioError`] that
//! names the file, line, column and key path, says what is allowed and suggests a fix.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{ErrorKind, ScenarioError, did_you_mean, line_col};
use crate::raw::RawScenario;
use crate::validate::{Issue, Scenario, validate};

/// The largest scenario file accepted.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Scenario file syntax, chosen by extension (`.json` is JSON, anything else TOML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML 1.0.
    Toml,
    /// JSON.
    Json,
}

/// A scenario file read and parsed into a generic table (for sweeps), not yet validated.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where it came from.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// Its syntax.
    pub format: Format,
    /// The document as a generic table.
    pub table: toml::Table,
}

/// A validated scenario with the resolved raw form recorded in manifests.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The resolved raw scenario (every default filled in).
    pub resolved: RawScenario,
    /// The engine-ready scenario.
    pub scenario: Scenario,
}

/// Reads and parses `path` (syntax only).
pub fn read_document(path: &Path) -> Result<Document, ScenarioError> {
    let io_err = |m: String| ScenarioError::new(ErrorKind::Io, path, "", m);
    let meta = std::fs::metadata(path).map_err(|e| io_err(e.to_string()))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(io_err(format!(
            "file is {} bytes; the limit is {MAX_FILE_BYTES}",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| io_err(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let (line, col) = line_col(
            &String::from_utf8_lossy(e.as_bytes()),
            e.utf8_error().valid_up_to(),
        );
        ScenarioError::new(ErrorKind::Syntax, path, "", "the file is not valid UTF-8")
            .at(Some((line, col)))
    })?;
    parse_document(path, text)
}

/// Parses scenario text already in memory (`path` names it in errors and picks the format).
pub fn parse_document(path: &Path, text: String) -> Result<Document, ScenarioError> {
    let format = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        Format::Json
    } else {
        Format::Toml
    };
    let table = match format {
        Format::Toml => toml::from_str::<toml::Table>(&text).map_err(|e| {
            let loc = e.span().map(|s| line_col(&text, s.start));
            ScenarioError::new(ErrorKind::Syntax, path, "", first_line(e.message())).at(loc)
        })?,
        Format::Json => {
            let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                ScenarioError::new(
                    ErrorKind::Syntax,
                    path,
                    "",
                    strip_json_position(&e.to_string()),
                )
                .at(Some((e.line(), e.column())))
            })?;
            let serde_json::Value::Object(_) = v else {
                return Err(ScenarioError::new(
                    ErrorKind::WrongType,
                    path,
                    "",
                    "the document must be a JSON object",
                ));
            };
            toml::Table::deserialize(v).map_err(|e| {
                ScenarioError::new(ErrorKind::WrongType, path, "", e.to_string())
                    .with_help("JSON scenarios may not contain null")
            })?
        }
    };
    Ok(Document {
        path: path.to_path_buf(),
        text,
        format,
        table,
    })
}

/// Reads, parses and validates the base scenario of `path` (its `[sweep]`, if any, is checked
/// but not expanded).
pub fn load(path: &Path) -> Result<Loaded, ScenarioError> {
    let doc = read_document(path)?;
    load_document(&doc)
}

/// Validates the base scenario of a parsed document.
pub fn load_document(doc: &Document) -> Result<Loaded, ScenarioError> {
    let raw: RawScenario = match doc.format {
        Format::Toml => {
            let de = toml::Deserializer::parse(&doc.text).map_err(|e| {
                let loc = e.span().map(|s| line_col(&doc.text, s.start));
                ScenarioError::new(ErrorKind::Syntax, &doc.path, "", first_line(e.message()))
                    .at(loc)
            })?;
            serde_path_to_error::deserialize(de).map_err(|e| {
                let loc = e.inner().span().map(|s| line_col(&doc.text, s.start));
                let path = e.path().to_string();
                serde_error(doc, &path, e.inner().message(), loc)
            })?
        }
        Format::Json => {
            let mut de = serde_json::Deserializer::from_str(&doc.text);
            serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let loc = Some((e.inner().line(), e.inner().column()));
                let path = e.path().to_string();
                serde_error(
                    doc,
                    &path,
                    &strip_json_position(&e.inner().to_string()),
                    loc,
                )
            })?
        }
    };
    finish(doc, raw, None)
}

/// Validates the document with `overrides` (dotted path → value) applied and `[sweep]` removed:
/// one point of a sweep. Errors name the overridden key and the sweep entry's line.
pub fn load_point(
    doc: &Document,
    overrides: &[(String, toml::Value)],
) -> Result<Loaded, ScenarioError> {
    let mut table = doc.table.clone();
    table.remove("sweep");
    // Overrides apply on top of the defaults, so one field of a default schedule can be swept.
    let mut base: RawScenario = serde_path_to_error::deserialize(toml::Value::Table(table))
        .map_err(|e| serde_error(doc, &e.path().to_string(), e.inner().message(), None))?;
    base.fill_allocations();
    let mut table = toml::Table::try_from(&base).map_err(|e| {
        ScenarioError::new(
            ErrorKind::WrongType,
            &doc.path,
            "",
            format!("cannot apply sweep overrides: {e}"),
        )
    })?;
    for (path, value) in overrides {
        set_path(&mut table, path, value.clone()).map_err(|m| {
            ScenarioError::new(ErrorKind::WrongType, &doc.path, path.as_str(), m).at(locate(
                doc,
                &format!("sweep.grid.{path}"),
            )
            .or_else(|| locate(doc, &format!("sweep.zip.{path}"))))
        })?;
    }
    let raw: RawScenario =
        serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
            let path = e.path().to_string();
            let mut err = serde_error(doc, &path, e.inner().message(), None);
            err.message = format!(
                "{} (in a sweep point with {})",
                err.message,
                describe(overrides)
            );
            err
        })?;
    finish(doc, raw, Some(overrides))
}

fn finish(
    doc: &Document,
    mut raw: RawScenario,
    overrides: Option<&[(String, toml::Value)]>,
) -> Result<Loaded, ScenarioError> {
    raw.resolve();
    let scenario = validate(&raw).map_err(|issue: Issue| {
        let mut e = ScenarioError::new(
            issue.kind,
            &doc.path,
            issue.key_path.as_str(),
            issue.message.clone(),
        )
        .at(locate(doc, &issue.key_path));
        e.help = issue.help;
        if let Some(o) = overrides {
            e.message = format!("{} (in a sweep point with {})", e.message, describe(o));
        }
        e
    })?;
    Ok(Loaded {
        resolved: raw,
        scenario,
    })
}

fn describe(overrides: &[(String, toml::Value)]) -> String {
    overrides
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Turns a serde message into a classified error with a suggestion.
fn serde_error(
    doc: &Document,
    path: &str,
    message: &str,
    loc: Option<(usize, usize)>,
) -> ScenarioError {
    let message = first_line(message);
    let path = if path == "." { "" } else { path };
    let loc = loc.or_else(|| locate(doc, path));
    if let Some(rest) = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))
    {
        let unknown = rest.split('`').next().unwrap_or_default();
        let expected: Vec<&str> = rest
            .split_once("expected")
            .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        // A map key that names an unknown enum variant (e.g. an allocation) is a key in the file.
        let path_owned;
        let (what, path) = match path.strip_suffix('?') {
            Some(parent) => {
                path_owned = format!("{parent}{unknown}");
                ("key", path_owned.as_str())
            }
            None if message.starts_with("unknown variant") => ("value", path),
            None => ("key", path),
        };
        let kind = if what == "key" {
            ErrorKind::UnknownKey
        } else {
            ErrorKind::OutOfRange
        };
        let full_path = if what == "key" && !path.ends_with(unknown) {
            if path.is_empty() {
                unknown.to_owned()
            } else {
                format!("{path}.{unknown}")
            }
        } else {
            path.to_owned()
        };
        let mut help = match did_you_mean(unknown, expected.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? "),
            None => String::new(),
        };
        if expected.is_empty() {
            help.push_str("this table has no keys");
        } else {
            help.push_str(&format!("allowed: {}", expected.join(", ")));
        }
        let loc = loc.or_else(|| locate(doc, &full_path));
        return ScenarioError::new(
            kind,
            &doc.path,
            full_path,
            format!("unknown {what} `{unknown}`"),
        )
        .at(loc)
        .with_help(help);
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or_default();
        return ScenarioError::new(
            ErrorKind::MissingKey,
            &doc.path,
            path,
            format!("missing key `{field}`"),
        )
        .at(loc);
    }
    let kind = if message.starts_with("invalid type") {
        ErrorKind::WrongType
    } else {
        ErrorKind::OutOfRange
    };
    ScenarioError::new(kind, &doc.path, path, message).at(loc)
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().trim().to_owned()
}

fn strip_json_position(s: &str) -> String {
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}

/// Sets `value` at dotted `path`, creating tables on the way.
fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) -> Result<(), String> {
    let mut segments = path.split('.').peekable();
    let mut current = table;
    while let Some(seg) = segments.next() {
        if segments.peek().is_none() {
            current.insert(seg.to_owned(), value);
            return Ok(());
        }
        let entry = current
            .entry(seg.to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = match entry {
            toml::Value::Table(t) => t,
            other => {
                return Err(format!(
                    "`{seg}` in `{path}` is a {}, not a table",
                    other.type_str()
                ));
            }
        };
    }
    Err(format!("`{path}` is not a parameter path"))
}

/// Best-effort 1-based location of the deepest existing key of dotted `key_path`.
pub fn locate(doc: &Document, key_path: &str) -> Option<(usize, usize)> {
    if key_path.is_empty() {
        return None;
    }
    match doc.format {
        Format::Toml => locate_toml(&doc.text, key_path),
        Format::Json => locate_json(&doc.text, key_path),
    }
}

fn locate_toml(text: &str, key_path: &str) -> Option<(usize, usize)> {
    let root = toml::de::DeTable::parse(text).ok()?;
    let mut table = root.get_ref();
    let mut found = None;
    for seg in split_path(key_path) {
        let Some((key, value)) = table.iter().find(|(k, _)| k.get_ref().as_ref() == seg) else {
            break;
        };
        found = Some(key.span().start);
        match value.get_ref() {
            toml::de::DeValue::Table(t) => table = t,
            _ => break,
        }
    }
    found.map(|offset| line_col(text, offset))
}

fn locate_json(text: &str, key_path: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    let mut found = None;
    for seg in split_path(key_path) {
        let needle = format!("\"{seg}\"");
        match text.get(from..).and_then(|t| t.find(&needle)) {
            Some(i) => {
                from += i;
                found = Some(from);
                from += needle.len();
            }
            None => break,
        }
    }
    found.map(|offset| line_col(text, offset))
}

/// Splits a dotted path, dropping sequence indices like `[0]`.
fn split_path(key_path: &str) -> impl Iterator<Item = &str> {
    key_path
        .split('.')
        .map(|s| s.split('[').next().unwrap_or(s))
        .filter(|s| !s.is_empty())
}
