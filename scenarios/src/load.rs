//! Loading: a TOML (or JSON) file is read once (bounded by the bytes actually read) and parsed
//! once into a [`Document`]; sweep points and CLI overrides are applied to that parsed document
//! as typed values, then [`mod@crate::validate`] checks the result. Every error names the file, line,
//! column and key path, says what is allowed and suggests a fix.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::error::{ErrorKind, Issue, ScenarioError, did_you_mean, line_col};
use crate::format::RawScenario;
use crate::limits::{MAX_FILE_BYTES, MAX_SEED};
use crate::node_csv::{NodeTable, read_node_csv};
use crate::validate::{Spec, validate};

/// Scenario file syntax, chosen by extension (`.json` is JSON, anything else TOML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML 1.0.
    Toml,
    /// JSON.
    Json,
}

/// A scenario file read and parsed once: its text (for error locations) and the document as
/// written (defaults filled by serde, not yet resolved or validated).
#[derive(Debug, Clone)]
pub struct Document {
    /// Where it came from.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// Its syntax.
    pub format: Format,
    raw: RawScenario,
    /// Overrides applied to the document as written ([`Document::with_overrides`]), for
    /// error messages: a value they set has no line in `text`.
    overridden: Vec<(String, toml::Value)>,
    /// Node CSV files read so far, by path: every point of a sweep reads a file once.
    node_csvs: NodeCsvCache,
}

type NodeCsvCache = Arc<Mutex<BTreeMap<PathBuf, Arc<NodeTable>>>>;

/// A validated scenario with the resolved document recorded in manifests.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The resolved document (every default filled in).
    pub resolved: RawScenario,
    /// The validated scenario.
    pub spec: Spec,
}

impl Loaded {
    /// The same scenario with run seed `seed` (a sweep's Monte Carlo seed or the CLI's
    /// `--seed`): a typed change of one validated value, so nothing is parsed or validated
    /// again. The result describes one run, so its resolved document has no `[sweep]`.
    pub fn with_seed(mut self, seed: u64) -> Loaded {
        assert!(seed <= MAX_SEED, "seed {seed} beyond the validated range");
        self.resolved.run.seed = seed;
        self.resolved.sweep = None;
        self.spec.set_seed(seed);
        self
    }
}

/// Reads and parses `path` (at most [`MAX_FILE_BYTES`] bytes, counted as they are read, so a
/// pipe or a device cannot make it read without bound).
pub fn read_document(path: &Path) -> Result<Document, ScenarioError> {
    let bytes = read_bounded(path)?;
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

/// The bytes of `path`, at most [`MAX_FILE_BYTES`] of them, counted as they are read.
pub(crate) fn read_bounded(path: &Path) -> Result<Vec<u8>, ScenarioError> {
    let io_err = |m: String| ScenarioError::new(ErrorKind::Io, path, "", m);
    let file = std::fs::File::open(path).map_err(|e| io_err(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_err(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(io_err(format!(
            "the file is too large: more than {MAX_FILE_BYTES} bytes (the limit)"
        )));
    }
    Ok(bytes)
}

/// Parses scenario text already in memory (`path` names it in errors and picks the format).
/// A leading byte-order mark is ignored in both formats.
pub fn parse_document(path: &Path, text: String) -> Result<Document, ScenarioError> {
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    };
    let format = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        Format::Json
    } else {
        Format::Toml
    };
    let mut doc = Document {
        path: path.to_path_buf(),
        text,
        format,
        raw: RawScenario::default(),
        overridden: Vec::new(),
        node_csvs: NodeCsvCache::default(),
    };
    doc.raw = match format {
        Format::Toml => doc.parse_toml()?,
        Format::Json => doc.parse_json()?,
    };
    Ok(doc)
}

/// Reads, parses and validates the base scenario of `path` (its `[sweep]`, if any, is checked
/// but not expanded).
pub fn load(path: &Path) -> Result<Loaded, ScenarioError> {
    read_document(path)?.load()
}

impl Document {
    fn parse_toml(&self) -> Result<RawScenario, ScenarioError> {
        let de = toml::Deserializer::parse(&self.text).map_err(|e| {
            let loc = e.span().map(|s| line_col(&self.text, s.start));
            ScenarioError::new(ErrorKind::Syntax, &self.path, "", first_line(e.message())).at(loc)
        })?;
        serde_path_to_error::deserialize(de).map_err(|e| {
            let loc = e.inner().span().map(|s| line_col(&self.text, s.start));
            serde_error(self, &e.path().to_string(), e.inner().message(), loc)
        })
    }

    fn parse_json(&self) -> Result<RawScenario, ScenarioError> {
        if !self.text.trim_start().starts_with('{') && !self.text.trim().is_empty() {
            return Err(ScenarioError::new(
                ErrorKind::WrongType,
                &self.path,
                "",
                "the document must be a JSON object",
            ));
        }
        let mut de = serde_json::Deserializer::from_str(&self.text);
        let raw = serde_path_to_error::deserialize(&mut de).map_err(|e| self.json_error(&e))?;
        de.end().map_err(|e| {
            ScenarioError::new(
                ErrorKind::Syntax,
                &self.path,
                "",
                strip_json_position(&e.to_string()),
            )
            .at(Some((e.line(), e.column())))
        })?;
        Ok(raw)
    }

    fn json_error(&self, e: &serde_path_to_error::Error<serde_json::Error>) -> ScenarioError {
        let inner = e.inner();
        let loc = Some((inner.line(), inner.column()));
        let message = strip_json_position(&inner.to_string());
        if inner.is_syntax() || inner.is_eof() {
            return ScenarioError::new(ErrorKind::Syntax, &self.path, "", message).at(loc);
        }
        let mut err = serde_error(self, &e.path().to_string(), &message, loc);
        if message.starts_with("invalid type: null") {
            err.help = Some("JSON scenarios may not contain null: leave the key out".into());
        }
        err
    }

    /// The document as written (defaults filled by serde, nothing resolved).
    pub fn raw(&self) -> &RawScenario {
        &self.raw
    }

    /// Resolves and validates the base scenario (its `[sweep]`, if any, is checked, not expanded).
    pub fn load(&self) -> Result<Loaded, ScenarioError> {
        self.finish(self.raw.clone(), None)
    }

    /// One point of a sweep: the document without `[sweep]`, with `overrides` (dotted path →
    /// value) applied on top of its defaults, resolved and validated. Errors name the overridden
    /// key and the sweep entry's line.
    pub fn load_point(&self, overrides: &[(String, toml::Value)]) -> Result<Loaded, ScenarioError> {
        let mut base = self.raw.clone();
        base.sweep = None;
        if overrides.is_empty() {
            return self.finish(base, Some(overrides));
        }
        let raw = self.apply(base, overrides, "in a sweep point with")?;
        self.finish(raw, Some(overrides))
    }

    /// The same document with `overrides` (dotted path → value, the keys a sweep takes) set on
    /// top of its defaults; its `[sweep]`, if any, stays. Nothing is validated yet (that is
    /// [`Document::load`]); errors from either name the overridden key.
    pub fn with_overrides(
        &self,
        overrides: &[(String, toml::Value)],
    ) -> Result<Document, ScenarioError> {
        let mut doc = self.clone();
        if overrides.is_empty() {
            return Ok(doc);
        }
        doc.raw = self.apply(self.raw.clone(), overrides, "with the override")?;
        doc.overridden.extend(overrides.iter().cloned());
        Ok(doc)
    }

    /// `base` (defaults filled in) with `overrides` set; `context` introduces them in errors.
    fn apply(
        &self,
        mut base: RawScenario,
        overrides: &[(String, toml::Value)],
        context: &str,
    ) -> Result<RawScenario, ScenarioError> {
        // Overrides apply on top of the defaults, so one field of a default schedule can be swept.
        base.fill_allocations();
        let mut table = toml::Table::try_from(&base).map_err(|e| {
            ScenarioError::new(
                ErrorKind::WrongType,
                &self.path,
                "",
                format!("cannot apply overrides: {e}"),
            )
        })?;
        for (path, value) in overrides {
            set_path(&mut table, path, value.clone()).map_err(|m| {
                ScenarioError::new(ErrorKind::WrongType, &self.path, path.as_str(), m)
                    .at(self.sweep_entry_location(path))
            })?;
        }
        serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
            let path = e.path().to_string();
            let mut err = serde_error(self, &path, e.inner().message(), None);
            err.message = format!("{} ({context} {})", err.message, describe(overrides));
            err
        })
    }

    fn sweep_entry_location(&self, path: &str) -> Option<(usize, usize)> {
        locate(self, &format!("sweep.grid.{path}"))
            .or_else(|| locate(self, &format!("sweep.zip.{path}")))
    }

    fn finish(
        &self,
        mut raw: RawScenario,
        overrides: Option<&[(String, toml::Value)]>,
    ) -> Result<Loaded, ScenarioError> {
        self.attach_node_csvs(&mut raw)?;
        raw.resolve();
        let spec = validate(&raw).map_err(|issue| {
            let mut e = self.error(issue);
            if let Some(o) = overrides.filter(|o| !o.is_empty()) {
                e.message = format!("{} (in a sweep point with {})", e.message, describe(o));
            }
            e
        })?;
        Ok(Loaded {
            resolved: raw,
            spec,
        })
    }

    /// Reads the CSV of every node group with `from_csv` (relative to this file's folder) and
    /// attaches its rows, its row count and its SHA-256 (checked against `csv_sha256` if the
    /// scenario gives one).
    fn attach_node_csvs(&self, raw: &mut RawScenario) -> Result<(), ScenarioError> {
        for (g, group) in raw.economy.node_groups.iter_mut().enumerate() {
            let Some(file) = &group.from_csv else {
                continue;
            };
            let key = |k: &str| format!("economy.node_groups[{g}].{k}");
            let located = |k: &str, kind, message: String| {
                self.error(Issue::new(
                    kind,
                    &key(k),
                    message,
                    "see scenarios/README.md, node groups from data",
                ))
            };
            let path = self.path.parent().unwrap_or(Path::new("")).join(file);
            let table = self.node_csv(&path)?;
            if let Some(expected) = &group.csv_sha256
                && *expected != table.sha256
            {
                return Err(located(
                    "csv_sha256",
                    ErrorKind::CrossField,
                    format!(
                        "{} has SHA-256 {}, not the {expected} this scenario pins",
                        path.display(),
                        table.sha256
                    ),
                ));
            }
            let rows = table.rows.len() as u64;
            if group.count != 0 && group.count != rows {
                return Err(located(
                    "count",
                    ErrorKind::CrossField,
                    format!(
                        "count = {} but {} has {rows} nodes",
                        group.count,
                        path.display()
                    ),
                ));
            }
            group.count = rows;
            group.csv_sha256 = Some(table.sha256.clone());
            group.csv_rows = Some(Arc::clone(&table.rows));
        }
        Ok(())
    }

    fn node_csv(&self, path: &Path) -> Result<Arc<NodeTable>, ScenarioError> {
        // A poisoned lock only means another thread panicked while reading: the map is intact.
        let mut cache = self.node_csvs.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(t) = cache.get(path) {
            return Ok(t.clone());
        }
        let table = Arc::new(read_node_csv(path)?);
        cache.insert(path.to_path_buf(), table.clone());
        Ok(table)
    }

    /// A validation issue of this document as a user-facing error, located at its key.
    pub fn error(&self, issue: Issue) -> ScenarioError {
        // A value set by an override has no line in the file: name the override instead.
        let by_override = self
            .overridden
            .iter()
            .find(|(k, _)| issue.key_path == *k || issue.key_path.starts_with(&format!("{k}.")));
        let (message, location) = match by_override {
            Some((k, v)) => (
                format!("{} (set by the override {k} = {v})", issue.message),
                None,
            ),
            None => (issue.message, locate(self, &issue.key_path)),
        };
        let mut e = ScenarioError::new(issue.kind, &self.path, issue.key_path.as_str(), message)
            .at(location);
        e.help = issue.help;
        e
    }
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
