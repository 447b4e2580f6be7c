//! Finding `flags.toml`, reading it once per compilation, and turning its errors into
//! compile errors.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use flags_schema::{Date, Partial, Schema, SourceFile};
use proc_macro2::Span;

/// A parsed `flags.toml`.
pub(crate) struct Loaded {
    /// The canonical path, for `include_str!` and the runtime's store registry.
    pub(crate) path: PathBuf,
    /// The file as validated.
    pub(crate) schema: Schema,
    /// Its text, as read and validated.
    pub(crate) source: String,
    /// Identifies this content: typed keys evaluate by position only in a store of the same.
    pub(crate) schema_id: u64,
}

/// Why a `flags.toml` cannot be used.
pub(crate) enum LoadError {
    /// None was found; these folders were searched.
    NotFound(Vec<PathBuf>),
    /// The file given does not exist or cannot be read.
    Unreadable(PathBuf, std::io::Error),
    /// The file is not valid: every error, each located, and what could be read of it when
    /// it is well-formed TOML.
    Invalid(flags_schema::Diagnostics, Option<Box<Partial>>),
}

/// One parse per file and content, for the whole compilation (the macro library stays loaded
/// in the compiler, and in rust-analyzer, across invocations). Errors are never cached.
static CACHE: LazyLock<Mutex<HashMap<PathBuf, Cached>>> = LazyLock::new(Mutex::default);

/// A parse, with what the file system said of its file, and when it was made.
struct Cached {
    stamp: Stamp,
    made: SystemTime,
    loaded: Arc<Loaded>,
}

/// What the file system says of a file: its size, its modification time (`None` where it
/// has none), and on Unix its inode and change time, which no program can set back (`cp -p`
/// and `touch -r` set the modification time).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    changed: Option<(u64, i64, i64)>,
}

impl Stamp {
    fn of(metadata: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        let changed = {
            use std::os::unix::fs::MetadataExt;
            Some((metadata.ino(), metadata.ctime(), metadata.ctime_nsec()))
        };
        #[cfg(not(unix))]
        let changed = None;
        Stamp {
            len: metadata.len(),
            modified: metadata.modified().ok(),
            changed,
        }
    }
}

impl Cached {
    /// Whether a file of this stamp is the one parsed, without reading it: only if its time
    /// is well before the parse (as git tells a racily clean file), since an edit within one
    /// tick of a coarse clock may keep the stamp. Else the text is compared.
    fn is_surely(&self, stamp: Stamp) -> bool {
        stamp == self.stamp
            && stamp.modified.is_some_and(|modified| {
                self.made
                    .duration_since(modified)
                    .is_ok_and(|age| age > Duration::from_secs(2))
            })
    }
}

/// Finds the `flags.toml` for a macro called in `caller` (`None` when the compiler does not
/// say): `explicit` relative to the caller's folder (like `include_str!`), else `FLAGS_TOML`
/// (relative to the crate's folder), else the nearest one upward from the caller's folder,
/// which for a crate's own sources reaches the folder of its `Cargo.toml` first.
pub(crate) fn locate(explicit: Option<&str>, caller: Option<&Path>) -> Result<PathBuf, LoadError> {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let caller_dir = caller
        .and_then(Path::parent)
        .filter(|dir| dir.is_dir())
        .map(Path::to_path_buf);
    let start = caller_dir.or(manifest_dir.clone()).unwrap_or_default();
    if let Some(explicit) = explicit {
        let path = start.join(explicit);
        return path
            .canonicalize()
            .map_err(|error| LoadError::Unreadable(path, error));
    }
    if let Some(configured) = std::env::var_os("FLAGS_TOML").filter(|path| !path.is_empty()) {
        let path = manifest_dir.unwrap_or_default().join(configured);
        return path
            .canonicalize()
            .map_err(|error| LoadError::Unreadable(path, error));
    }
    search_upward(&start)
}

/// The nearest `flags.toml` in `start` or a folder above it. Searched every time, not
/// remembered: it takes a few `stat`s, and a file added nearer while rust-analyzer's macro
/// server keeps running is then found at once.
pub(crate) fn search_upward(start: &Path) -> Result<PathBuf, LoadError> {
    let start = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
    let mut searched = Vec::new();
    for dir in start.ancestors() {
        searched.push(dir.to_path_buf());
        let candidate = dir.join("flags.toml");
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(LoadError::NotFound(searched))
}

/// Reads `path`, and validates it unless the same text was validated before.
pub(crate) fn load(path: &Path, caller: Option<&Path>) -> Result<Arc<Loaded>, LoadError> {
    let unreadable = |error| LoadError::Unreadable(path.to_path_buf(), error);
    let stamp = Stamp::of(&std::fs::metadata(path).map_err(unreadable)?);
    let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(cached) = cache.get(path)
        && cached.is_surely(stamp)
    {
        return Ok(Arc::clone(&cached.loaded));
    }
    let text = std::fs::read_to_string(path).map_err(unreadable)?;
    let made = SystemTime::now();
    if let Some(cached) = cache.get_mut(path)
        && cached.loaded.source == text
    {
        // The same text: its stamp is the one to trust from now on.
        (cached.stamp, cached.made) = (stamp, made);
        return Ok(Arc::clone(&cached.loaded));
    }
    let source = Arc::new(SourceFile::new(display(path, caller), text));
    let schema = Schema::parse_partial(Arc::clone(&source))
        .map_err(|(diagnostics, partial)| LoadError::Invalid(diagnostics, partial))?;
    let mut hasher = DefaultHasher::new();
    path.hash(&mut hasher);
    source.text().hash(&mut hasher);
    let loaded = Arc::new(Loaded {
        path: path.to_path_buf(),
        schema,
        source: source.text().to_owned(),
        // Never zero: that is no store's id.
        schema_id: hasher.finish() | 1,
    });
    cache.insert(
        path.to_path_buf(),
        Cached {
            stamp,
            made,
            loaded: Arc::clone(&loaded),
        },
    );
    Ok(loaded)
}

/// The path as the user thinks of it: relative to the crate's folder when inside it (usually
/// just `flags.toml`), otherwise relative to the calling file's folder, like `include_str!`.
pub(crate) fn display(path: &Path, caller: Option<&Path>) -> String {
    let canonical = |dir: PathBuf| dir.canonicalize().unwrap_or(dir);
    if let Some(manifest_dir) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from)
        && let Ok(inside) = path.strip_prefix(canonical(manifest_dir))
    {
        return inside.display().to_string();
    }
    if let Some(caller_dir) = caller.and_then(Path::parent).map(Path::to_path_buf) {
        let caller_dir = canonical(caller_dir);
        let mut up = String::new();
        for ancestor in caller_dir.ancestors() {
            if let Ok(rest) = path.strip_prefix(ancestor) {
                return format!("{up}{}", rest.display());
            }
            up.push_str("../");
        }
    }
    path.display().to_string()
}

/// Today, for expiry: `FLAGS_TODAY=YYYY-MM-DD` when set (reproducible builds and tests),
/// otherwise the system clock, in UTC.
pub(crate) fn today() -> Date {
    std::env::var("FLAGS_TODAY")
        .ok()
        .and_then(|text| Date::parse(text.trim()))
        .unwrap_or_else(Date::today_utc)
}

impl LoadError {
    /// The full report, for `flags!()`: every error with its source line.
    pub(crate) fn to_error(&self, span: Span) -> syn::Error {
        match self {
            LoadError::Invalid(diagnostics, _) => {
                let mut errors = diagnostics.iter().map(|diagnostic| {
                    let located = diagnostic.locate(diagnostics.source());
                    let snippet = diagnostic.render_snippet(diagnostics.source());
                    let snippet: String = snippet
                        .lines()
                        .skip(1)
                        .map(|line| format!("{line}\n"))
                        .collect();
                    syn::Error::new(span, format!("{located}\n{}", snippet.trim_end()))
                });
                let mut combined = errors
                    .next()
                    .unwrap_or_else(|| syn::Error::new(span, "flags.toml is invalid"));
                for error in errors {
                    combined.combine(error);
                }
                combined
            }
            other => syn::Error::new(span, other.summary()),
        }
    }

    /// The short report, for each `#[feature_flag]`: one line per error, the details being
    /// shown at `flags!()`.
    pub(crate) fn to_short_error(&self, span: Span) -> syn::Error {
        match self {
            // `#[feature_flag]` takes no path: only `FLAGS_TOML` names a file elsewhere.
            LoadError::NotFound(searched) => syn::Error::new(
                span,
                format!(
                    "no flags.toml found; searched these folders:\n{}\n\
                     help: create flags.toml next to Cargo.toml, or name it in `FLAGS_TOML` \
                     (`.cargo/config.toml`: `[env] FLAGS_TOML = \"config/flags.toml\"`, \
                     relative to the crate), as `#[feature_flag]` reads no `flags!(\"...\")` path",
                    folder_list(searched)
                ),
            ),
            LoadError::Invalid(diagnostics, _) => {
                let lines: Vec<String> = diagnostics
                    .located()
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                syn::Error::new(
                    span,
                    format!(
                        "flags.toml is invalid, so this feature flag cannot be checked:\n{}",
                        lines.join("\n")
                    ),
                )
            }
            other => syn::Error::new(span, other.summary()),
        }
    }

    fn summary(&self) -> String {
        match self {
            LoadError::NotFound(searched) => format!(
                "no flags.toml found; searched these folders:\n{}\n\
                 help: create flags.toml next to Cargo.toml, or name it: \
                 `flags!(\"path/to/flags.toml\")`",
                folder_list(searched)
            ),
            LoadError::Unreadable(path, error) => {
                format!("cannot read {}: {error}", path.display())
            }
            LoadError::Invalid(diagnostics, _) => diagnostics.to_string(),
        }
    }
}

/// The folders searched, a line each.
fn folder_list(searched: &[PathBuf]) -> String {
    searched
        .iter()
        .map(|dir| format!("  {}", dir.display()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "[flags.beta]\ndescription = \"Beta\"\nowner = \"web\"\nexpires = 2099-01-01\ndefault = false\n";

    /// A temporary folder, removed when the returned guard is dropped.
    fn scratch(name: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::Builder::new()
            .prefix(&format!("flags-macros-{name}-"))
            .tempdir()
            .unwrap();
        let path = dir.path().canonicalize().unwrap();
        (dir, path)
    }

    #[test]
    fn a_file_is_parsed_once_until_it_changes() {
        let (_dir, folder) = scratch("cache");
        let path = folder.join("flags.toml");
        std::fs::write(&path, VALID).unwrap();
        let first = load(&path, None).ok().unwrap();
        let second = load(&path, None).ok().unwrap();
        assert!(
            Arc::ptr_eq(&first, &second),
            "the second use reads the cache"
        );

        std::fs::write(&path, VALID.replace("false", "true ")).unwrap();
        let changed = load(&path, None).ok().unwrap();
        assert!(
            !Arc::ptr_eq(&first, &changed),
            "a changed file is parsed again"
        );
        assert_ne!(first.schema_id, changed.schema_id);
    }

    #[test]
    fn errors_are_not_cached() {
        let (_dir, folder) = scratch("errors");
        let path = folder.join("flags.toml");
        std::fs::write(&path, "[flags.beta]\n").unwrap();
        assert!(matches!(load(&path, None), Err(LoadError::Invalid(..))));
        std::fs::write(&path, VALID).unwrap();
        assert!(load(&path, None).is_ok());
    }

    #[test]
    fn the_nearest_file_upward_is_found_and_a_missing_one_lists_the_folders() {
        let (_dir, root) = scratch("search");
        let nested = root.join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(root.join("a/flags.toml"), VALID).unwrap();
        assert_eq!(search_upward(&nested).ok(), Some(root.join("a/flags.toml")));
        // A file added nearer is found at once.
        std::fs::write(nested.join("flags.toml"), VALID).unwrap();
        assert_eq!(search_upward(&nested).ok(), Some(nested.join("flags.toml")));
        std::fs::remove_file(nested.join("flags.toml")).unwrap();
        std::fs::remove_file(root.join("a/flags.toml")).unwrap();
        let Err(LoadError::NotFound(searched)) = search_upward(&nested) else {
            // Some folder above the temporary folder has a flags.toml: nothing to check.
            return;
        };
        assert_eq!(searched[0], nested);
        assert_eq!(searched[1], root.join("a"));
        assert_eq!(searched.last().map(PathBuf::as_path), Some(Path::new("/")));
    }
}
