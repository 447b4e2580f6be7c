//! The text of a `flags.toml` and the translation of byte offsets into lines and columns.

use std::path::Path;

use serde::Serialize;

use crate::diagnostic::Span;

const BYTE_ORDER_MARK: char = '\u{feff}';

/// The text of a `flags.toml` and the path it is reported under.
///
/// Byte offsets are turned into `line:column` here, and only here, so every error
/// in every tool points at the same place.
///
/// ```
/// use flags_schema::SourceFile;
///
/// let source = SourceFile::new("flags.toml", "[flags]\n[flags.a]\n");
/// let position = source.position(9);
/// assert_eq!((position.line, position.column), (2, 2));
/// assert_eq!(source.line(2), "[flags.a]");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    path: String,
    text: String,
    line_starts: Vec<usize>,
}

/// A 1-based line and column; the column counts characters, as rustc does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    /// Line number, starting at 1.
    pub line: usize,
    /// Column number in characters, starting at 1.
    pub column: usize,
}

impl SourceFile {
    /// Wraps `text`, to be reported as `path` in messages.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(index, _)| index + 1))
            .collect();
        SourceFile {
            path: path.into(),
            text,
            line_starts,
        }
    }

    /// Reads a file, reported under its path as given.
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// let dir = std::env::temp_dir().join("flags-schema-doc-read");
    /// std::fs::create_dir_all(&dir)?;
    /// std::fs::write(dir.join("flags.toml"), "[flags]\n")?;
    /// let source = flags_schema::SourceFile::read(dir.join("flags.toml"))?;
    /// assert_eq!(source.text(), "[flags]\n");
    /// # Ok(()) }
    /// ```
    pub fn read(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)?;
        Ok(SourceFile::new(path.display().to_string(), text))
    }

    /// The path shown in messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The line and column of a byte offset (clamped to the text).
    pub fn position(&self, offset: usize) -> Position {
        let offset = self.floor_char_boundary(offset.min(self.text.len()));
        let line_index = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let line_start = self.line_starts.get(line_index).copied().unwrap_or(0);
        // A byte order mark is not a column: editors do not show it.
        let line_start = match line_index {
            0 if self.text[..offset].starts_with(BYTE_ORDER_MARK) => BYTE_ORDER_MARK.len_utf8(),
            _ => line_start,
        };
        let column = self.text[line_start..offset].chars().count() + 1;
        Position {
            line: line_index + 1,
            column,
        }
    }

    /// The text of a 1-based line, without its line ending; empty past the end.
    pub fn line(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        let text = self.text[start..end].trim_end_matches(['\n', '\r']);
        match line {
            1 => text.strip_prefix(BYTE_ORDER_MARK).unwrap_or(text),
            _ => text,
        }
    }

    /// The text covered by a span (clamped to the text).
    pub fn slice(&self, span: Span) -> &str {
        let start = self.floor_char_boundary(span.start.min(self.text.len()));
        let end = self.floor_char_boundary(span.end.clamp(start, self.text.len()));
        &self.text[start..end]
    }

    fn floor_char_boundary(&self, mut offset: usize) -> usize {
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}
