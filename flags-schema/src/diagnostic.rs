//! Located errors, rendered like rustc's and readable by machines.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::source::{Position, SourceFile};

/// A byte range in a `flags.toml`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

impl Span {
    /// The span from `start` to `end`.
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The same bytes as a range.
    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }
}

impl From<Range<usize>> for Span {
    fn from(range: Range<usize>) -> Self {
        Span::new(range.start, range.end)
    }
}

/// How bad a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file is rejected.
    Error,
    /// The file is accepted, but something deserves attention.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem at one place in a `flags.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one line.
    pub message: String,
    /// Where.
    pub span: Span,
    /// A short text printed under the underlined source.
    pub label: Option<String>,
    /// What would be right.
    pub help: Option<String>,
    /// A stable name for the kind of problem, where tools act on it (`"incomplete"`: missing
    /// `owner`, `description` or `expires`).
    pub code: Option<&'static str>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: impl Into<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span: span.into(),
            label: None,
            help: None,
            code: None,
        }
    }

    /// A warning at `span`.
    pub fn warning(span: impl Into<Span>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(span, message)
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the stable name of the kind of problem.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    /// Adds a label under the underlined source.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Renders this diagnostic against its source, like rustc:
    ///
    /// ```text
    /// error: flag `checkout_layout`: split weights add up to 90, not 100
    ///   --> flags.toml:41:9
    ///    |
    /// 41 | split = { classic = 50, one_page = 40 }
    ///    |         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
    /// ```
    pub fn render(&self, source: &SourceFile) -> String {
        let mut out = format!("{}: {}\n", self.severity, self.message);
        out.push_str(&self.render_snippet(source));
        out
    }

    /// The `--> path:line:col` block with the underlined source line and help, without the
    /// first `error: message` line; the macros put it under their own message.
    pub fn render_snippet(&self, source: &SourceFile) -> String {
        let mut located = self.locate(source);
        located.label = self.label.clone();
        located.render_snippet()
    }

    /// The machine-readable form of this diagnostic.
    pub fn locate(&self, source: &SourceFile) -> Located {
        let start = source.position(self.span.start);
        let end = source.position(self.span.end);
        Located {
            path: source.path().to_owned(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            byte_start: self.span.start,
            byte_end: self.span.end,
            severity: self.severity,
            message: self.message.clone(),
            help: self.help.clone(),
            label: self.label.clone(),
            source_line: source.line(start.line).to_owned(),
        }
    }
}

/// A [`Diagnostic`] with its place spelled out, for tools: the macros, the CLI's JSON and SARIF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Located {
    /// The path of the file, as given to [`SourceFile::new`].
    pub path: String,
    /// 1-based line of the start.
    pub line: usize,
    /// 1-based column (in characters) of the start.
    pub column: usize,
    /// 1-based line of the end.
    pub end_line: usize,
    /// 1-based column of the end.
    pub end_column: usize,
    /// Byte offset of the start.
    pub byte_start: usize,
    /// Byte offset of the end.
    pub byte_end: usize,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// What would be right.
    pub help: Option<String>,
    /// A short text printed under the underlined source.
    #[serde(skip)]
    pub label: Option<String>,
    /// The source line where the problem starts.
    pub source_line: String,
}

impl Located {
    /// Renders like rustc: `error: message`, then `--> path:line:col`, the source line with
    /// the problem underlined, and the help.
    ///
    /// ```
    /// use flags_schema::{Located, Severity};
    ///
    /// let located = Located {
    ///     path: "src/main.rs".into(),
    ///     line: 3,
    ///     column: 20,
    ///     end_line: 3,
    ///     end_column: 25,
    ///     byte_start: 0,
    ///     byte_end: 0,
    ///     severity: Severity::Error,
    ///     message: "unknown flag `betta`".into(),
    ///     help: Some("a flag with a similar name exists: `beta`".into()),
    ///     label: None,
    ///     source_line: "    if flags::betta(&ctx) {".into(),
    /// };
    /// assert_eq!(located.render(), "\
    /// error: unknown flag `betta`
    ///  --> src/main.rs:3:20
    ///   |
    /// 3 |     if flags::betta(&ctx) {
    ///   |                    ^^^^^
    ///   |
    ///   = help: a flag with a similar name exists: `beta`
    /// ");
    /// ```
    pub fn render(&self) -> String {
        format!(
            "{}: {}\n{}",
            self.severity,
            self.message,
            self.render_snippet()
        )
    }

    /// [`Located::render`] without the first line.
    pub fn render_snippet(&self) -> String {
        let line_text = self.source_line.replace('\t', " ");
        let line_chars = line_text.chars().count();
        let underline_start = self.column.saturating_sub(1).min(line_chars);
        let underline_end = if self.end_line == self.line {
            self.end_column.saturating_sub(1).min(line_chars)
        } else {
            line_chars
        };
        // Columns count characters; the terminal shows some of them (`日`) two cells wide.
        let byte_of = |chars: usize| {
            line_text
                .char_indices()
                .nth(chars)
                .map_or(line_text.len(), |(byte, _)| byte)
        };
        let (start_byte, end_byte) = (byte_of(underline_start), byte_of(underline_end));
        let indent = line_text[..start_byte].width();
        let width = line_text[start_byte..end_byte.max(start_byte)]
            .width()
            .max(1);
        let pad = " ".repeat(self.line.to_string().len());
        let mut out = format!("{pad}--> {}:{}:{}\n", self.path, self.line, self.column);
        out.push_str(&format!("{pad} |\n"));
        out.push_str(&format!("{} | {}\n", self.line, line_text));
        out.push_str(&format!(
            "{pad} | {}{}",
            " ".repeat(indent),
            "^".repeat(width)
        ));
        if let Some(label) = &self.label {
            out.push(' ');
            out.push_str(label);
        }
        out.push('\n');
        if let Some(help) = &self.help {
            out.push_str(&format!("{pad} |\n{pad} = help: {help}\n"));
        }
        out
    }

    /// The start as a [`Position`].
    pub fn position(&self) -> Position {
        Position {
            line: self.line,
            column: self.column,
        }
    }
}

impl fmt::Display for Located {
    /// `path:line:col: message`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.column, self.message
        )
    }
}

/// Every problem found in one `flags.toml`, sorted by position.
///
/// `Display` renders all of them like rustc; [`Diagnostics::located`] gives the machine form.
///
/// ```
/// let text = "[flags.a]\ndescripton = \"A\"\nowner = \"web\"\npermanent = true\ndefault = 1\n";
/// let errors = flags_schema::Schema::parse("flags.toml", text).unwrap_err();
/// let located = errors.located();
/// assert_eq!(located[0].to_string(), "flags.toml:1:8: flag `a` has no `description`");
/// assert_eq!(located[1].to_string(), "flags.toml:2:1: unknown key `descripton` in flag `a`");
/// assert!(errors.to_string().contains(" --> flags.toml:2:1\n"));
/// ```
#[derive(Debug, Clone)]
pub struct Diagnostics {
    source: Arc<SourceFile>,
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Collects diagnostics about `source`, sorted by where they start.
    pub fn new(source: Arc<SourceFile>, mut items: Vec<Diagnostic>) -> Self {
        items.sort_by_key(|item| (item.span.start, item.span.end));
        items.dedup();
        Diagnostics { source, items }
    }

    /// The file the diagnostics are about.
    pub fn source(&self) -> &SourceFile {
        &self.source
    }

    /// The diagnostics, in source order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether any is an error.
    pub fn has_errors(&self) -> bool {
        self.items
            .iter()
            .any(|item| item.severity == Severity::Error)
    }

    /// The machine-readable form of every diagnostic.
    pub fn located(&self) -> Vec<Located> {
        self.items
            .iter()
            .map(|item| item.locate(&self.source))
            .collect()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, item) in self.items.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            f.write_str(&item.render(&self.source))?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
