//! Scenario errors (the leaf of the crate): every message names the file, line and column, the
//! key path, and what is allowed. [`Issue`] is what validation finds before the loader attaches
//! a location; [`ScenarioError`] is what a user sees.

use std::fmt;
use std::path::{Path, PathBuf};

/// The class of a scenario error (each has a documented message shape; all exit with code 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorKind {
    /// The file could not be read.
    Io,
    /// Not valid TOML / JSON.
    Syntax,
    /// A key the format does not have (or an unknown enum variant).
    UnknownKey,
    /// A required key is missing.
    MissingKey,
    /// A value of the wrong type (string where a number is expected, …).
    WrongType,
    /// A value outside its allowed range.
    OutOfRange,
    /// Values that are fine alone but contradict each other.
    CrossField,
}

impl ErrorKind {
    /// A short lowercase label used in messages.
    pub const fn label(self) -> &'static str {
        match self {
            ErrorKind::Io => "cannot read",
            ErrorKind::Syntax => "syntax error",
            ErrorKind::UnknownKey => "unknown key",
            ErrorKind::MissingKey => "missing key",
            ErrorKind::WrongType => "wrong type",
            ErrorKind::OutOfRange => "out of range",
            ErrorKind::CrossField => "inconsistent values",
        }
    }
}

/// A scenario that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// What class of problem.
    pub kind: ErrorKind,
    /// The scenario file.
    pub file: PathBuf,
    /// 1-based line and column, when known.
    pub location: Option<(usize, usize)>,
    /// Dotted key path, e.g. `run.horizon_days` (empty for the whole document).
    pub key_path: String,
    /// What is wrong.
    pub message: String,
    /// A hint: "did you mean …", the allowed values or range.
    pub help: Option<String>,
}

impl ScenarioError {
    /// A new error without location; see [`ScenarioError::at`].
    pub fn new(
        kind: ErrorKind,
        file: &Path,
        key_path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ScenarioError {
            kind,
            file: file.to_path_buf(),
            location: None,
            key_path: key_path.into(),
            message: message.into(),
            help: None,
        }
    }

    /// Adds a 1-based (line, column).
    pub fn at(mut self, location: Option<(usize, usize)>) -> Self {
        self.location = location;
        self
    }

    /// Adds a hint.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, col)) = self.location {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, ": {}", self.kind.label())?;
        if !self.key_path.is_empty() {
            write!(f, " at `{}`", self.key_path)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// A validation failure before a location is attached (the loader finds the line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Error class.
    pub kind: ErrorKind,
    /// Dotted key path.
    pub key_path: String,
    /// What is wrong.
    pub message: String,
    /// What is allowed.
    pub help: Option<String>,
}

impl Issue {
    /// An issue at `key_path` with a hint of what is allowed.
    pub fn new(kind: ErrorKind, key_path: &str, message: impl Into<String>, help: &str) -> Self {
        Issue {
            kind,
            key_path: key_path.to_owned(),
            message: message.into(),
            help: Some(help.to_owned()),
        }
    }

    /// A value outside its allowed range.
    pub fn range(key_path: &str, message: impl Into<String>, help: &str) -> Self {
        Issue::new(ErrorKind::OutOfRange, key_path, message, help)
    }

    /// Values that contradict each other.
    pub fn cross(key_path: &str, message: impl Into<String>, help: &str) -> Self {
        Issue::new(ErrorKind::CrossField, key_path, message, help)
    }
}

/// 1-based (line, column) of byte `offset` in `text` (column counts characters).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The closest candidate to `word` if it is plausibly a typo of it.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_suggestions() {
        assert_eq!(line_col("a\nbc\nd", 3), (2, 2));
        assert_eq!(line_col("", 0), (1, 1));
        assert_eq!(
            did_you_mean("horizon_dayz", ["seed", "horizon_days"]),
            Some("horizon_days")
        );
        assert_eq!(did_you_mean("zzz", ["seed", "horizon_days"]), None);
        let e = ScenarioError::new(
            ErrorKind::UnknownKey,
            Path::new("x.toml"),
            "run.sed",
            "no such key",
        )
        .at(Some((3, 1)))
        .with_help("did you mean `seed`?");
        assert_eq!(
            e.to_string(),
            "x.toml:3:1: unknown key at `run.sed`: no such key\n  help: did you mean `seed`?"
        );
    }
}
