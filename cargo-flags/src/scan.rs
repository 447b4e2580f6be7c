//! Finds every reference to a flag in one Rust file, with `syn` (all code, whatever its `cfg`):
//! `#[feature_flag(...)]` (also under `cfg_attr`), paths through a `flags` module
//! (`flags::name`, `flags::name_detail`, `flags::NAME`, `flags::Enum::Variant`,
//! `use flags::...`, the module renamed or imported whole), the same inside macro calls, and
//! string keys given to the runtime's by-name API.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, LineColumn, Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Ident, Lit, Meta, Token};

/// The store methods that take a flag's name as a string.
const BY_NAME: &[&str] = &[
    "get_by_name",
    "detail_by_name",
    "set_by_name",
    "kill_by_name",
    "clear_by_name",
];

/// A place in a file: 1-based line and column (in characters), and where it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    /// Line of the start.
    pub line: usize,
    /// Column of the start.
    pub column: usize,
    /// Line of the end.
    pub end_line: usize,
    /// Column of the end.
    pub end_column: usize,
    /// Byte offset of the start in the file.
    pub byte_start: usize,
    /// Byte offset of the end.
    pub byte_end: usize,
}

impl Place {
    /// Moved `by` bytes further into the file.
    fn shift(&mut self, by: usize) {
        self.byte_start += by;
        self.byte_end += by;
    }

    fn of(span: Span) -> Place {
        let (start, end): (LineColumn, LineColumn) = (span.start(), span.end());
        let bytes = span.byte_range();
        Place {
            line: start.line,
            column: start.column + 1,
            end_line: end.line,
            end_column: end.column + 1,
            byte_start: bytes.start,
            byte_end: bytes.end,
        }
    }
}

/// A name written in code that may refer to a flag; which flag is decided against the
/// `flags.toml` of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mention {
    /// `flags::NAME` (an accessor, detail accessor, key or enum: told apart by its case).
    Path {
        /// The segment after `flags::`.
        name: String,
        /// The segment after that, for `flags::Enum::Variant`.
        next: Option<String>,
        /// Perhaps not the generated module's: written without `flags::` in a file that
        /// imports `flags::*`, or through another module (`cli::flags::Args` may be any
        /// module called `flags`). It names a flag if it is one, and is any other name if not.
        imported: bool,
    },
    /// `#[feature_flag(NAME [= VARIANT], fallback = PATH, ...)]`.
    Attribute {
        /// The flag.
        flag: String,
        /// The variant, for a variant flag.
        variant: Option<String>,
        /// The function annotated.
        function: String,
        /// The last segment of the fallback's path.
        fallback: Option<String>,
        /// Where the fallback is named.
        fallback_place: Option<Place>,
    },
    /// `store.get_by_name("NAME", ...)` and the other by-name methods.
    ByName {
        /// The flag's name as written.
        flag: String,
    },
}

/// One mention, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// What.
    pub mention: Mention,
    /// Where.
    pub place: Place,
    /// The path to the module before it (`app` in `app::flags::beta`, `app::cli` in
    /// `app::cli::flags::Args`), when it does not start at the crate's own root or a parent:
    /// perhaps another crate's generated module.
    pub via: Option<String>,
    /// Found only because its module imports a whole `flags` module (`use app::flags::*;`):
    /// any name called or capitalised there (`helper(..)`, `Context`), a flag's only if it
    /// is one, wherever the glob comes from.
    pub through_glob: bool,
    /// The inline modules around it in its file (`["tests"]` in `mod tests { .. }`).
    pub module: Vec<String>,
    /// Written through the `flags` of its own module (`flags::x`, `self::flags::x`,
    /// `use flags::x`, a rename of it, a glob `use flags::*` of the module, a by-name call on
    /// no other module's store), not through `crate::flags`, `super::flags`, a rename of
    /// either, or a parent's glob: a `flags!("...")` in its module, or one around it in the
    /// file, answers it.
    pub local: bool,
}

/// Everything found in one file.
#[derive(Debug, Default)]
pub struct FileScan {
    /// The file.
    pub path: PathBuf,
    /// Its text, to show lines in reports.
    pub text: String,
    /// The mentions, in source order.
    pub found: Vec<Found>,
    /// The paths given to `flags!("...")`, each with the inline modules around the call:
    /// the module it generates is that module's `flags`.
    pub explicit_flags_tomls: Vec<(Vec<String>, String)>,
    /// The inline modules around each `flags!()` without a path (none at the top of the
    /// file): it generates that module's `flags`, from the file the macros find for this file
    /// (which is not the crate's when the crate's root names another with `flags!("...")`).
    pub generated_in_modules: Vec<Vec<String>>,
    /// The file calls `flags!()` (or `flags!("...")`) among its own items, outside inline
    /// modules: in a crate's root, that generates `crate::flags`.
    pub generates_top_module: bool,
    /// How often each name is called or referred to as a function (to tell whether a fallback
    /// is used outside `#[feature_flag]`).
    pub names: HashMap<String, usize>,
    /// Why the file could not be parsed, if it could not.
    pub parse_error: Option<(String, Place)>,
    /// Whether it calls `flags!()`.
    pub defines_flags: bool,
    /// Whether it declares a module called `flags` itself, at its top level (`mod flags;`,
    /// `mod flags { .. }`): in a crate root, `crate::flags` is then that module, not the
    /// generated one.
    pub declares_flags_module: bool,
    /// Its `mod NAME;` declarations: the files of the crate it brings in.
    pub modules: Vec<ModuleDeclaration>,
    /// The files it `include!`s, as written (relative to its folder).
    pub includes: Vec<String>,
    /// For the declarations of `modules` (by position) made in the file's code, what the
    /// module declaring them imports: a file module's `use super::*;` brings it in.
    pub parent_scopes: HashMap<usize, ParentScope>,
}

/// What a module imports of `flags` modules, for the file modules it declares.
#[derive(Debug, Clone, Default)]
pub struct ParentScope(Scope);

/// `mod NAME;` (the module is in another file), perhaps inside inline modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleDeclaration {
    /// The folders the inline modules around it add: their names, or their `#[path]`.
    pub inline: Vec<String>,
    /// Whether the outermost of those has a `#[path]`: its folder is then taken from the
    /// file's own folder, even in a file that is not a `mod.rs`.
    pub inline_path: bool,
    /// The module's name.
    pub name: String,
    /// Its `#[path = "..."]`, if any.
    pub path: Option<String>,
}

impl FileScan {
    /// The text of a 1-based line.
    pub fn line(&self, line: usize) -> &str {
        self.text.lines().nth(line.saturating_sub(1)).unwrap_or("")
    }
}

/// Reads and scans one file: a crate root, or the file of a module declared in a module that
/// imports `parent`.
pub fn scan_file(path: &Path, parent: Option<&ParentScope>) -> std::io::Result<FileScan> {
    let text = std::fs::read_to_string(path)?;
    Ok(scan_module(path.to_path_buf(), text, parent))
}

/// Scans the text of a file.
pub fn scan_text(path: PathBuf, text: String) -> FileScan {
    scan_module(path, text, None)
}

/// Scans the text of a file of a module declared in a module that imports `parent`.
pub fn scan_module(path: PathBuf, text: String, parent: Option<&ParentScope>) -> FileScan {
    let mut scan = FileScan {
        path,
        ..FileScan::default()
    };
    // `syn` drops a byte order mark and a `#!` line before it reads the rest, which its
    // spans' byte offsets count from.
    let dropped_bom = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let dropped = match syn::parse_file(&text) {
        Ok(file) => {
            let mut visitor = Visitor {
                scan: &mut scan,
                scope: Imports::scope(&file.items, parent.map(|parent| &parent.0)),
                parent: parent.map(|parent| parent.0.clone()),
                inline: Vec::new(),
                inline_path: false,
                module: Vec::new(),
                module_start: 0,
                builds_stores: false,
                settled: Vec::new(),
            };
            visitor.visit_file(&file);
            visitor.forget_own_stores_names();
            let settled = std::mem::take(&mut visitor.settled);
            scan.found.extend(settled);
            dropped_bom + file.shebang.as_ref().map_or(0, String::len)
        }
        Err(error) => {
            scan.parse_error = Some((error.to_string(), Place::of(error.span())));
            // Its modules are still the crate's: a syntax error in the crate root (or syntax
            // newer than `syn`) must not hide every other file.
            scan.modules = match text.parse::<TokenStream>() {
                Ok(tokens) => {
                    let mut modules = Vec::new();
                    declared_in_tokens(tokens, &mut Vec::new(), &mut false, &mut modules);
                    modules
                }
                // Unbalanced delimiters: line by line.
                Err(_) => declared_in_text(&text),
            };
            dropped_bom + shebang_length(&text[dropped_bom..])
        }
    };
    if dropped > 0 {
        for found in &mut scan.found {
            found.place.shift(dropped);
            if let Mention::Attribute {
                fallback_place: Some(place),
                ..
            } = &mut found.mention
            {
                place.shift(dropped);
            }
        }
        if let Some((_, place)) = &mut scan.parse_error {
            place.shift(dropped);
        }
    }
    scan.found.sort_by_key(|found| found.place);
    scan.text = text;
    scan
}

/// The length of the `#!` line `syn::parse_file` drops from `text` (not an inner attribute's
/// `#![`); as `syn` finds it, but for comments between `#!` and `[`.
fn shebang_length(text: &str) -> usize {
    match text.strip_prefix("#!") {
        Some(rest) if !rest.trim_start().starts_with('[') => text.find('\n').unwrap_or(text.len()),
        _ => 0,
    }
}

struct Visitor<'a> {
    scan: &'a mut FileScan,
    /// What the module being read calls the generated module: `flags`, and names it imports
    /// it as (`use crate::flags as f;`); whether it imports everything in it
    /// (`use crate::flags::*;`).
    scope: Scope,
    /// The scope of its parent module, which `super::` reaches: `None` in a crate's root.
    parent: Option<Scope>,
    /// The folders of the inline modules being read, for the files they declare, and
    /// whether the outermost has a `#[path]`.
    inline: Vec<String>,
    inline_path: bool,
    /// The names of the inline modules being read.
    module: Vec<String>,
    /// Where the mentions of the module being read start, and whether it builds a store of
    /// its own (`Store::from_toml`, `Store::new`: tests, tools), whose flags its by-name
    /// calls then name rather than the flags.toml's.
    module_start: usize,
    builds_stores: bool,
    /// The mentions of inner modules already read, set apart from their parents'.
    settled: Vec<Found>,
}

/// A call of `store()` in a module that may be a generated one: see [`Visitor::module_store`].
struct ModuleStore {
    /// Whose module it is ([`Found::via`]).
    via: Option<String>,
    /// Whether it is this module's own (see [`Found::local`]).
    local: bool,
    /// Whether it is a generated module for sure, not perhaps another called `flags`.
    generated: bool,
}

/// How a module imports the generated module: under other names, and whole. Imports are a
/// module's own: its inner modules have theirs.
#[derive(Default)]
struct Imports {
    renames: Vec<String>,
    /// The renames of this module's own `flags` (`use flags as f;`, `use self::flags as f;`).
    local_renames: Vec<String>,
    /// Names that stand for some other module called `flags` here: one imported from
    /// another crate or module (`use cli::flags;`, `use cli::flags as f;`), or declared
    /// here (`mod flags;`, command-line options, say). A name through one is a flag's only
    /// if it is a flag.
    others: Vec<String>,
    /// For names in `others` imported from a path (`use app::flags;`), the path before.
    origins: Vec<(String, String)>,
    glob: bool,
    /// For a module imported whole from elsewhere (`use app::flags::*;`), the path before.
    glob_origin: Option<String>,
    /// The module imported whole is this module's own `flags` (`use flags::*;`).
    glob_local: bool,
    /// The module calls `flags!()`: `flags` is its own generated module, whatever the
    /// parent's `flags` is.
    generates: bool,
    /// `use super::*;`: the parent's imports are this module's too (a `tests` module's, say).
    parents: bool,
    /// The parent module's scope, which `use super::...` imports from.
    parent: Option<Scope>,
}

/// What a module calls the generated module (`flags`, renames), which of those names may be
/// another module called `flags`, and whether it imports the module whole.
#[derive(Debug, Clone, Default)]
struct Scope {
    modules: Vec<String>,
    others: Vec<String>,
    origins: Vec<(String, String)>,
    glob: bool,
    glob_origin: Option<String>,
    glob_local: bool,
    /// See [`Imports::local_renames`]: the module's own, never a parent's.
    local_renames: Vec<String>,
}

impl Scope {
    /// Where the name `name`, imported from a path (`use app::flags;`), comes from.
    fn origin(&self, name: &str) -> Option<String> {
        self.origins
            .iter()
            .find(|(alias, _)| alias == name)
            .map(|(_, origin)| origin.clone())
    }

    /// For a name of another module called `flags` here, where it was imported from.
    fn other(&self, name: &str) -> Option<Option<String>> {
        self.others
            .iter()
            .any(|other| other == name)
            .then(|| self.origin(name))
    }
}

impl Imports {
    /// The scope of a module of these items; `outer` is its parent's, which `use super::*`
    /// brings in.
    fn scope(items: &[syn::Item], outer: Option<&Scope>) -> Scope {
        let mut imports = Imports {
            parent: outer.cloned(),
            ..Imports::default()
        };
        for item in items {
            imports.visit_item(item);
        }
        let mut own: Vec<String> = imports
            .renames
            .iter()
            .chain(&imports.others)
            .cloned()
            .collect();
        if imports.generates {
            own.push("flags".to_owned());
        }
        let mut scope = Scope {
            modules: vec!["flags".to_owned()],
            others: imports.others,
            origins: imports.origins,
            glob: imports.glob,
            glob_origin: imports.glob_origin,
            glob_local: imports.glob_local,
            local_renames: imports.local_renames,
        };
        scope.modules.extend(own.iter().cloned());
        if imports.parents
            && let Some(parent) = outer
        {
            // The parent's names, as the parent means them, unless this module names its own.
            for name in parent.modules.iter().filter(|name| !own.contains(name)) {
                if !scope.modules.contains(name) {
                    scope.modules.push(name.clone());
                }
                if parent.others.contains(name) && !scope.others.contains(name) {
                    scope.others.push(name.clone());
                    scope.origins.extend(
                        parent
                            .origins
                            .iter()
                            .filter(|(alias, _)| alias == name)
                            .cloned(),
                    );
                }
            }
            // The parent's renames of its own `flags` still name it here, unless this module
            // generates a `flags` of its own (whose `flags!()` then answers nothing it
            // reaches through them: not noted).
            if !imports.generates {
                for name in &parent.local_renames {
                    if !own.contains(name) && !scope.local_renames.contains(name) {
                        scope.local_renames.push(name.clone());
                    }
                }
            }
            if !scope.glob && parent.glob {
                scope.glob_origin.clone_from(&parent.glob_origin);
                // The parent's glob is the parent's module, not this one's.
                scope.glob_local = false;
            }
            scope.glob |= parent.glob;
        }
        scope
    }

    /// `prefix` is the path so far, unless it starts at the crate's root or a parent
    /// (`Some(None)`); `None` before the first segment. `local`: the path so far is empty or
    /// `self`, so that a `flags` here is the module's own.
    fn walk_use(
        &mut self,
        tree: &syn::UseTree,
        through_other: bool,
        prefix: Option<Option<String>>,
        local: bool,
    ) {
        let origin = prefix.clone().flatten();
        let origin = origin.as_deref();
        match tree {
            // `use flags_runtime::flags;` imports the macro that generates the module.
            syn::UseTree::Name(_) | syn::UseTree::Rename(_)
                if matches!(origin, Some("flags_runtime" | "flags_macros")) => {}
            syn::UseTree::Name(name) if name.ident == "flags" => {
                self.import_flags(None, through_other, origin, local);
            }
            syn::UseTree::Rename(rename) if rename.ident == "flags" => {
                self.import_flags(Some(&rename.rename), through_other, origin, local);
            }
            // `use cli::options as flags;`: another module by that name.
            syn::UseTree::Rename(rename) if rename.rename == "flags" => {
                self.other("flags".to_owned(), origin);
            }
            syn::UseTree::Path(path) if prefix.is_none() && path.ident == "super" => {
                if matches!(&*path.tree, syn::UseTree::Glob(_)) {
                    self.parents = true;
                }
                let items: Vec<&syn::UseTree> = match &*path.tree {
                    syn::UseTree::Group(group) => group.items.iter().collect(),
                    tree => vec![tree],
                };
                for item in items {
                    let (name, imported_as) = match item {
                        syn::UseTree::Name(name) => (Some(&name.ident), &name.ident),
                        syn::UseTree::Rename(rename) => (Some(&rename.ident), &rename.rename),
                        _ => (None, &path.ident),
                    };
                    // The parent's other module called `flags` is another here too, imported
                    // itself or through (`use super::flags::{self as options}`).
                    match (name.and_then(|name| self.parent_other(name)), item) {
                        (Some(origin), _) => self.other(name_of(imported_as), origin.as_deref()),
                        (None, syn::UseTree::Path(inner)) => {
                            match self.parent_other(&inner.ident) {
                                Some(origin) => self.walk_use(item, true, Some(origin), false),
                                // `use super::super::flags`: a module further up, whose
                                // names are not followed.
                                None => {
                                    let above = inner.ident == "super";
                                    self.walk_use(item, above, Some(None), false);
                                }
                            }
                        }
                        (None, _) => self.walk_use(item, false, Some(None), false),
                    }
                }
            }
            syn::UseTree::Path(path) => {
                if path.ident == "flags" {
                    // `use x::flags::{self, ..}`, `use x::flags::{self as f}`: the module
                    // itself, as `use x::flags;` and `use x::flags as f;` import it.
                    let items: Vec<&syn::UseTree> = match &*path.tree {
                        syn::UseTree::Group(group) => group.items.iter().collect(),
                        tree => vec![tree],
                    };
                    for item in items {
                        match item {
                            syn::UseTree::Name(name) if name.ident == "self" => {
                                self.import_flags(None, through_other, origin, local);
                            }
                            syn::UseTree::Rename(rename) if rename.ident == "self" => {
                                let rename = Some(&rename.rename);
                                self.import_flags(rename, through_other, origin, local);
                            }
                            _ => {}
                        }
                    }
                    let glob = matches!(&*path.tree, syn::UseTree::Glob(_))
                        || matches!(&*path.tree, syn::UseTree::Group(group)
                            if group.items.iter().any(|item| matches!(item, syn::UseTree::Glob(_))));
                    if glob && !self.glob {
                        self.glob_origin = origin.map(str::to_owned);
                        self.glob_local = local;
                    }
                    self.glob |= glob;
                }
                if path.ident == "super" && matches!(&*path.tree, syn::UseTree::Glob(_)) {
                    self.parents = true;
                }
                let local = local && prefix.is_none() && path.ident == "self";
                self.walk_use(
                    &path.tree,
                    through_other || !is_relative_root(&path.ident),
                    Some(extend_prefix(prefix, &path.ident)),
                    local,
                );
            }
            syn::UseTree::Group(group) => {
                for item in &group.items {
                    self.walk_use(item, through_other, prefix.clone(), local);
                }
            }
            _ => {}
        }
    }

    /// A module called `flags` imported itself, as `flags` or under `rename`: through
    /// another module, some other module called `flags`; else the generated one (as `flags`,
    /// nothing to note).
    fn import_flags(
        &mut self,
        rename: Option<&Ident>,
        through_other: bool,
        origin: Option<&str>,
        local: bool,
    ) {
        match (rename, through_other) {
            (None, true) => self.other("flags".to_owned(), origin),
            (None, false) => {}
            (Some(rename), true) => self.other(name_of(rename), origin),
            (Some(rename), false) => self.rename(name_of(rename), local),
        }
    }

    /// Where the parent imported `ident` from, if it is another module called `flags` there
    /// (`None` inside: declared there, not imported).
    fn parent_other(&self, ident: &Ident) -> Option<Option<String>> {
        self.parent.as_ref()?.other(&name_of(ident))
    }

    fn rename(&mut self, name: String, local: bool) {
        if local {
            self.local_renames.push(name.clone());
        }
        self.renames.push(name);
    }

    fn other(&mut self, name: String, root: Option<&str>) {
        if let Some(root) = root {
            self.origins.push((name.clone(), root.to_owned()));
        }
        self.others.push(name);
    }
}

impl<'ast> Visit<'ast> for Imports {
    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        // `flags!()` generates the module; one written out is another.
        if module.ident == "flags" {
            self.others.push("flags".to_owned());
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.walk_use(&item.tree, false, None, true);
    }

    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        if is_flags_macro(&item.mac) && takes_our_arguments(&item.mac.tokens) {
            self.generates = true;
        }
        if declares_module_flags_in(&item.mac) {
            self.others.push("flags".to_owned());
        }
    }
}

/// Whether `mac` is a `flags!` (ours, or another crate's of that name).
fn is_flags_macro(mac: &syn::Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "flags")
}

/// Whether a `flags!` call takes what ours does, nothing or a path: `flagset::flags! { .. }`
/// is another.
fn takes_our_arguments(tokens: &TokenStream) -> bool {
    tokens.is_empty() || syn::parse2::<syn::LitStr>(tokens.clone()).is_ok()
}

/// After `flags` in a token stream: `!(..)` as our macro takes it.
fn flags_call_after(tokens: &[TokenTree]) -> bool {
    matches!(
        tokens,
        [TokenTree::Punct(bang), TokenTree::Group(arguments), ..]
            if bang.as_char() == '!' && takes_our_arguments(&arguments.stream())
    )
}

/// Whether the macro call `mac`, among items, declares a module called `flags`
/// (`cfg_if! { if #[cfg(..)] { mod flags; } }`); a macro's definition declares nothing.
fn declares_module_flags_in(mac: &syn::Macro) -> bool {
    !mac.path.is_ident("macro_rules") && declares_module_flags(mac.tokens.clone())
}

/// Whether `tokens` declare a module called `flags` (`mod flags;` or `mod flags { .. }`).
fn declares_module_flags(tokens: TokenStream) -> bool {
    let mut after_mod = false;
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) if after_mod && ident == "flags" => true,
        TokenTree::Ident(ident) => {
            after_mod = ident == "mod";
            false
        }
        TokenTree::Group(group) => {
            after_mod = false;
            declares_module_flags(group.stream())
        }
        TokenTree::Punct(_) | TokenTree::Literal(_) => {
            after_mod = false;
            false
        }
    })
}

impl Visitor<'_> {
    fn push(&mut self, mention: Mention, span: Span) {
        self.push_via(mention, span, None, true);
    }

    fn push_via(&mut self, mention: Mention, span: Span, via: Option<String>, local: bool) {
        self.scan.found.push(Found {
            mention,
            place: Place::of(span),
            via,
            through_glob: false,
            module: self.module.clone(),
            local,
        });
    }

    /// A name found only because the module imports a `flags` module whole.
    fn push_through_glob(&mut self, mention: Mention, span: Span) {
        self.scan.found.push(Found {
            mention,
            place: Place::of(span),
            via: self.scope.glob_origin.clone(),
            through_glob: true,
            module: self.module.clone(),
            local: self.scope.glob_local,
        });
    }

    /// The crate or module whose generated module `module` is, when not this crate's: the
    /// path `before` it, written out, or for a bare name where it was imported from.
    fn via(&self, before: &[&syn::PathSegment], module: &Ident) -> Option<String> {
        match before {
            [] => self.origin_of(module),
            [first, ..] if is_relative_root(&first.ident) => None,
            before => Some(
                before
                    .iter()
                    .map(|segment| name_of(&segment.ident))
                    .collect::<Vec<_>>()
                    .join("::"),
            ),
        }
    }

    /// Where an imported name of the module comes from (`use app::flags;`: `app`).
    fn origin_of(&self, ident: &Ident) -> Option<String> {
        self.scope.origin(&name_of(ident))
    }

    fn count(&mut self, name: &Ident) {
        *self.scan.names.entry(name_of(name)).or_default() += 1;
    }

    /// `flags::a::b` in a token stream (macro bodies), and by-name calls.
    fn tokens(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut attribute_body = None;
        for (index, token) in tokens.iter().enumerate() {
            match token {
                // `#[...]`: an attribute, perhaps `feature_flag` on a function further on. Its
                // tokens are not uses of the names in it, as the attributes outside macros
                // are not.
                TokenTree::Punct(punct) if punct.as_char() == '#' => {
                    if let Some(TokenTree::Group(group)) = tokens.get(index + 1)
                        && group.delimiter() == Delimiter::Bracket
                    {
                        attribute_body = Some(index + 1);
                        if let Ok(meta) = syn::parse2::<Meta>(group.stream())
                            && let Some(function) = function_after(&tokens[index + 2..])
                        {
                            self.attribute(&meta, function);
                        }
                    }
                }
                TokenTree::Group(_) if attribute_body == Some(index) => {}
                TokenTree::Group(group) => self.tokens(group.stream()),
                // `flags_runtime::flags!()` where `syn` does not look (`cfg_if! { .. }`).
                TokenTree::Ident(ident)
                    if ident == "flags" && flags_call_after(&tokens[index + 1..]) =>
                {
                    self.scan.defines_flags = true;
                }
                TokenTree::Ident(ident) if self.is_module(ident) => {
                    if let Some((name, rest)) = after_path_separator(&tokens[index + 1..]) {
                        let next = after_path_separator(rest).map(|(next, _)| name_of(next));
                        let before = module_path_before(&tokens[..index]);
                        let local = self.is_own_module(ident)
                            && (before.is_none() || through_self(&tokens[..index]));
                        let via = match before {
                            None => self.origin_of(ident),
                            Some(prefix) => prefix,
                        };
                        self.push_via(
                            Mention::Path {
                                name: name_of(name),
                                next,
                                imported: through_other_module(&tokens[..index])
                                    || self.is_other(ident),
                            },
                            name.span(),
                            via,
                            local,
                        );
                    }
                }
                // After `use flags::*`: `beta(&ctx)`, `BETA`, `Layout::OnePage`, where not a
                // method, field or path segment.
                TokenTree::Ident(ident)
                    if self.scope.glob
                        && !follows_path_or_field(&tokens[..index])
                        && (is_type_or_key(ident)
                            || matches!(tokens.get(index + 1), Some(TokenTree::Group(group))
                                if group.delimiter() == Delimiter::Parenthesis)) =>
                {
                    let next =
                        after_path_separator(&tokens[index + 1..]).map(|(next, _)| name_of(next));
                    self.push_through_glob(
                        Mention::Path {
                            name: name_of(ident),
                            next,
                            imported: true,
                        },
                        ident.span(),
                    );
                    self.count(ident);
                }
                TokenTree::Ident(ident) if BY_NAME.contains(&ident.to_string().as_str()) => {
                    if let Some(TokenTree::Group(arguments)) = arguments_after(&tokens[index + 1..])
                        && arguments.delimiter() == Delimiter::Parenthesis
                        && let Some(TokenTree::Literal(literal)) =
                            arguments.stream().into_iter().next()
                        && let Lit::Str(name) = Lit::new(literal.clone())
                    {
                        self.push(Mention::ByName { flag: name.value() }, literal.span());
                    }
                }
                TokenTree::Ident(ident) => self.count(ident),
                _ => {}
            }
        }
    }
}

/// The argument list after a method's name, past a turbofish (`::<bool>`) if there is one.
fn arguments_after(tokens: &[TokenTree]) -> Option<&TokenTree> {
    match tokens {
        [
            TokenTree::Punct(first),
            TokenTree::Punct(second),
            TokenTree::Punct(open),
            rest @ ..,
        ] if first.as_char() == ':' && second.as_char() == ':' && open.as_char() == '<' => {
            let mut depth = 1usize;
            let mut position = 0;
            while depth > 0 {
                match rest.get(position)? {
                    TokenTree::Punct(punct) if punct.as_char() == '<' => depth += 1,
                    TokenTree::Punct(punct) if punct.as_char() == '>' => depth -= 1,
                    _ => {}
                }
                position += 1;
            }
            rest.get(position)
        }
        [first, ..] => Some(first),
        [] => None,
    }
}

/// After `flags`: `::` then an identifier.
fn after_path_separator(tokens: &[TokenTree]) -> Option<(&Ident, &[TokenTree])> {
    match tokens {
        [
            TokenTree::Punct(first),
            TokenTree::Punct(second),
            TokenTree::Ident(name),
            rest @ ..,
        ] if first.as_char() == ':' && second.as_char() == ':' => Some((name, rest)),
        _ => None,
    }
}

impl<'ast> Visit<'ast> for Visitor<'_> {
    fn visit_item_fn(&mut self, function: &'ast syn::ItemFn) {
        self.attributes(&function.attrs, &function.sig.ident);
        visit::visit_item_fn(self, function);
    }

    fn visit_impl_item_fn(&mut self, function: &'ast syn::ImplItemFn) {
        self.attributes(&function.attrs, &function.sig.ident);
        visit::visit_impl_item_fn(self, function);
    }

    fn visit_trait_item_fn(&mut self, function: &'ast syn::TraitItemFn) {
        self.attributes(&function.attrs, &function.sig.ident);
        visit::visit_trait_item_fn(self, function);
    }

    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        if self.inline.is_empty() && module.ident == "flags" {
            self.scan.declares_flags_module = true;
        }
        let Some((_, items)) = &module.content else {
            for path in module_paths(&module.attrs) {
                self.scan
                    .parent_scopes
                    .insert(self.scan.modules.len(), ParentScope(self.scope.clone()));
                self.scan.modules.push(ModuleDeclaration {
                    inline: self.inline.clone(),
                    inline_path: self.inline_path,
                    name: name_of(&module.ident),
                    path,
                });
            }
            return visit::visit_item_mod(self, module);
        };
        let path = path_attribute(&module.attrs);
        let outermost = self.inline.is_empty();
        let scope = Imports::scope(items, Some(&self.scope));
        let outer = std::mem::replace(&mut self.scope, scope);
        let outer_parent = self.parent.replace(outer.clone());
        if outermost {
            self.inline_path = path.is_some();
        }
        self.inline
            .push(path.unwrap_or_else(|| name_of(&module.ident)));
        self.module.push(name_of(&module.ident));
        let stores = (
            std::mem::replace(&mut self.module_start, self.scan.found.len()),
            std::mem::take(&mut self.builds_stores),
        );
        visit::visit_item_mod(self, module);
        self.forget_own_stores_names();
        // Settled: whether the parent builds stores says nothing of this module's calls.
        let own: Vec<Found> = self.scan.found.drain(self.module_start..).collect();
        self.settled.extend(own);
        (self.module_start, self.builds_stores) = stores;
        self.inline.pop();
        self.module.pop();
        self.scope = outer;
        self.parent = outer_parent;
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        // After `use flags::*`, `beta(&ctx)` calls an accessor, if `beta` is a flag.
        if self.scope.glob
            && let Expr::Path(function) = &*call.func
            && function.qself.is_none()
            && function.path.leading_colon.is_none()
            && let [segment] = function.path.segments.iter().collect::<Vec<_>>()[..]
            && !is_type_or_key(&segment.ident)
        {
            self.glob_mention(&[segment]);
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<&syn::PathSegment> = path.segments.iter().collect();
        if let [.., store, constructor] = &segments[..]
            && store.ident == "Store"
            && (constructor.ident == "from_toml" || constructor.ident == "new")
        {
            self.builds_stores = true;
        }
        // After `use flags::*`, a key (`BETA`) or enum (`Layout::OnePage`); accessors are
        // found where they are called, as a variable may share their name.
        if self.scope.glob
            && path.leading_colon.is_none()
            && segments
                .first()
                .is_some_and(|first| !self.is_module(&first.ident) && is_type_or_key(&first.ident))
        {
            self.glob_mention(&segments);
        }
        for (index, segment) in segments.iter().enumerate() {
            // `super::flags::x`: the parent's `flags`, whatever it is there.
            if index == 1
                && segments[0].ident == "super"
                && let Some((other, origin)) = self.in_parent(&segment.ident)
            {
                self.path_mention(&segments, index + 1, other, origin, false);
                continue;
            }
            if self.is_module(&segment.ident) {
                // `super::super::flags`: a module further up, whose names are not followed.
                let above_the_parent = index >= 2
                    && segments[..index]
                        .iter()
                        .all(|before| before.ident == "super");
                let through_other_module = index
                    .checked_sub(1)
                    .and_then(|before| segments.get(before))
                    .is_some_and(|before| !is_relative_root(&before.ident))
                    || above_the_parent
                    || self.is_other(&segment.ident);
                let via = self.via(&segments[..index], &segment.ident);
                let local = self.is_own_module(&segment.ident)
                    && match &segments[..index] {
                        [] => true,
                        [only] => only.ident == "self",
                        _ => false,
                    };
                self.path_mention(&segments, index + 1, through_other_module, via, local);
            }
        }
        if let Some(last) = segments.last() {
            self.count(&last.ident);
        }
        visit::visit_path(self, path);
    }

    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        // In the crate's root, it declares the crate's `flags`.
        if self.inline.is_empty() && declares_module_flags_in(&item.mac) {
            self.scan.declares_flags_module = true;
        }
        // Ours takes nothing or a path: `flagset::flags! { .. }` is another.
        let tokens = &item.mac.tokens;
        if self.module.is_empty() && is_flags_macro(&item.mac) && takes_our_arguments(tokens) {
            self.scan.generates_top_module = true;
        }
        // An included file in an item's place holds items (in an expression's place, an
        // expression: not a file of the crate's modules).
        if item
            .mac
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "include")
            && let Ok(path) = syn::parse2::<syn::LitStr>(item.mac.tokens.clone())
        {
            self.scan.includes.push(path.value());
        }
        visit::visit_item_macro(self, item);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.walk_use(&item.tree, false, None, true);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        self.count(&call.method);
        if BY_NAME.contains(&call.method.to_string().as_str())
            && let Some(Expr::Lit(literal)) = call.args.first()
            && let Lit::Str(name) = &literal.lit
        {
            let mention = Mention::ByName { flag: name.value() };
            let store = self.module_store(&call.receiver);
            if let Some(ModuleStore {
                via,
                local,
                generated: true,
            }) = store
            {
                // The generated module's store, whatever other stores the module builds.
                self.settled.push(Found {
                    mention,
                    place: Place::of(name.span()),
                    via,
                    through_glob: false,
                    module: self.module.clone(),
                    local,
                });
            } else if let Some(ModuleStore { via: Some(via), .. }) = store {
                // The store of a module imported from elsewhere: a library's generated one,
                // if the library generates its module.
                self.push_via(mention, name.span(), Some(via), false);
            } else {
                self.push(mention, name.span());
            }
        }
        visit::visit_expr_method_call(self, call);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let is_flags_macro = is_flags_macro(mac);
        self.scan.defines_flags |= is_flags_macro && takes_our_arguments(&mac.tokens);
        // `mod NAME;` in a macro's tokens (`cfg_if!`) declares a file of the crate too.
        let (mut inline, mut inline_path) = (self.inline.clone(), self.inline_path);
        declared_in_tokens(
            mac.tokens.clone(),
            &mut inline,
            &mut inline_path,
            &mut self.scan.modules,
        );
        if is_flags_macro && let Ok(path) = syn::parse2::<syn::LitStr>(mac.tokens.clone()) {
            self.scan
                .explicit_flags_tomls
                .push((self.module.clone(), path.value()));
        } else if is_flags_macro && mac.tokens.is_empty() {
            self.scan.generated_in_modules.push(self.module.clone());
        } else if let Ok(arguments) =
            Punctuated::<Expr, Token![,]>::parse_terminated.parse2(mac.tokens.clone())
        {
            // Most macros take expressions (`println!`, `assert_eq!`, `vec!`): read as the
            // code around them is, they resolve `super::flags` and other crates' stores alike.
            for argument in &arguments {
                self.visit_expr(argument);
            }
        } else {
            // A `macro_rules!` body runs nothing where it is written.
            let defined = self.scan.defines_flags;
            self.tokens(mac.tokens.clone());
            if mac.path.is_ident("macro_rules") {
                self.scan.defines_flags = defined;
            }
        }
        visit::visit_macro(self, mac);
    }
}

/// The `mod NAME;` declarations in `tokens` (a macro's, or a file `syn` cannot parse), with
/// their `#[path]`, inside inline modules as they nest.
fn declared_in_tokens(
    tokens: TokenStream,
    inline: &mut Vec<String>,
    inline_path: &mut bool,
    modules: &mut Vec<ModuleDeclaration>,
) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut index = 0;
    while let Some(token) = tokens.get(index) {
        if let TokenTree::Ident(keyword) = token
            && keyword == "mod"
            && let Some(TokenTree::Ident(name)) = tokens.get(index + 1)
        {
            let paths = paths_before(&tokens[..index]);
            let path = paths
                .iter()
                .find_map(|(path, conditional)| (!conditional).then(|| path.clone()));
            match tokens.get(index + 2) {
                Some(TokenTree::Punct(end)) if end.as_char() == ';' => {
                    for path in candidates(paths) {
                        modules.push(ModuleDeclaration {
                            inline: inline.clone(),
                            inline_path: *inline_path,
                            name: name_of(name),
                            path,
                        });
                    }
                }
                Some(TokenTree::Group(body)) if body.delimiter() == Delimiter::Brace => {
                    let outer_path = *inline_path;
                    if inline.is_empty() {
                        *inline_path = path.is_some();
                    }
                    inline.push(path.unwrap_or_else(|| name_of(name)));
                    declared_in_tokens(body.stream(), inline, inline_path, modules);
                    inline.pop();
                    *inline_path = outer_path;
                    index += 3;
                    continue;
                }
                _ => {}
            }
        }
        if let TokenTree::Group(group) = token {
            declared_in_tokens(group.stream(), inline, inline_path, modules);
        }
        index += 1;
    }
}

/// The `#[path = "..."]` values among the attributes before a `mod` (and its `pub(...)`),
/// as [`paths_in`] gives them.
fn paths_before(before: &[TokenTree]) -> Vec<(String, bool)> {
    let mut paths = Vec::new();
    let mut end = before.len();
    // `pub`, `pub(crate)`.
    if let Some(TokenTree::Group(group)) = before.get(end.wrapping_sub(1))
        && group.delimiter() == Delimiter::Parenthesis
        && matches!(before.get(end.wrapping_sub(2)), Some(TokenTree::Ident(word)) if word == "pub")
    {
        end -= 2;
    } else if matches!(before.get(end.wrapping_sub(1)), Some(TokenTree::Ident(word)) if word == "pub")
    {
        end -= 1;
    }
    while end >= 2 {
        let (TokenTree::Punct(hash), TokenTree::Group(body)) = (&before[end - 2], &before[end - 1])
        else {
            break;
        };
        if hash.as_char() != '#' || body.delimiter() != Delimiter::Bracket {
            break;
        }
        if let Ok(meta) = syn::parse2::<Meta>(body.stream()) {
            paths_in(&meta, false, &mut paths);
        }
        end -= 2;
    }
    paths
}

/// The `mod NAME;` lines of a file that cannot even be split into tokens (a delimiter left
/// open mid-edit): outside comments, after any attributes on the line.
fn declared_in_text(text: &str) -> Vec<ModuleDeclaration> {
    let mut in_block_comment = false;
    text.lines()
        .filter_map(|line| {
            let mut rest = line.trim_start();
            if in_block_comment {
                let (_, after) = rest.split_once("*/").unwrap_or(("", ""));
                in_block_comment = !rest.contains("*/");
                rest = after.trim_start();
            }
            if let Some((before, _)) = rest.split_once("//") {
                rest = before;
            }
            if let Some((before, after)) = rest.split_once("/*") {
                in_block_comment = !after.contains("*/");
                rest = before;
            }
            let mut path = None;
            while let Some(attribute) = rest.strip_prefix("#[") {
                let (body, after) = attribute.split_once(']')?;
                if let Some(value) = body.trim().strip_prefix("path") {
                    let value = value.trim_start().strip_prefix('=')?.trim();
                    path = Some(value.trim_matches('"').to_owned());
                }
                rest = after.trim_start();
            }
            if let Some(after) = rest.strip_prefix("pub") {
                rest = after.trim_start();
                if rest.starts_with('(') {
                    rest = rest[rest.find(')')? + 1..].trim_start();
                }
            }
            let declared = rest.strip_prefix("mod")?;
            let name = declared
                .trim_start()
                .trim_end()
                .strip_suffix(';')?
                .trim_end();
            let name = name.strip_prefix("r#").unwrap_or(name);
            let identifier = !name.is_empty()
                && declared.starts_with(char::is_whitespace)
                && name.chars().all(|c| c.is_alphanumeric() || c == '_');
            identifier.then(|| ModuleDeclaration {
                inline: Vec::new(),
                inline_path: false,
                name: name.to_owned(),
                path,
            })
        })
        .collect()
}

/// The value of a `#[path = "..."]` attribute among `attrs`.
fn path_attribute(attrs: &[syn::Attribute]) -> Option<String> {
    let mut paths = Vec::new();
    for attribute in attrs {
        paths_in(&attribute.meta, false, &mut paths);
    }
    paths
        .into_iter()
        .find_map(|(path, conditional)| (!conditional).then_some(path))
}

/// Where the file of a `mod NAME;` with these attributes may be: each `#[path]`, including
/// those a `#[cfg_attr(.., path = "..")]` sets, and the usual place (`None`) unless a
/// `#[path]` holds whatever the `cfg`. The compiler reads one; all are the crate's code.
fn module_paths(attrs: &[syn::Attribute]) -> Vec<Option<String>> {
    let mut paths = Vec::new();
    for attribute in attrs {
        paths_in(&attribute.meta, false, &mut paths);
    }
    candidates(paths)
}

fn candidates(paths: Vec<(String, bool)>) -> Vec<Option<String>> {
    let always = paths.iter().any(|(_, conditional)| !conditional);
    let mut candidates: Vec<Option<String>> =
        paths.into_iter().map(|(path, _)| Some(path)).collect();
    if !always {
        candidates.push(None);
    }
    candidates
}

/// The `path = "..."` values in an attribute: itself, or inside `cfg_attr(predicate, ..)`
/// at any depth (`conditional` then).
fn paths_in(meta: &Meta, conditional: bool, paths: &mut Vec<(String, bool)>) {
    match meta {
        Meta::NameValue(pair) if pair.path.is_ident("path") => {
            if let Expr::Lit(literal) = &pair.value
                && let Lit::Str(path) = &literal.lit
            {
                paths.push((path.value(), conditional));
            }
        }
        Meta::List(list) if list.path.is_ident("cfg_attr") => {
            if let Ok(nested) =
                list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            {
                for meta in nested.iter().skip(1) {
                    paths_in(meta, true, paths);
                }
            }
        }
        _ => {}
    }
}

impl Visitor<'_> {
    /// In a module that builds stores of its own, its by-name calls are about those.
    fn forget_own_stores_names(&mut self) {
        if self.builds_stores
            && let Some(own) = self.scan.found.get_mut(self.module_start..)
        {
            let kept: Vec<Found> = own
                .iter()
                .filter(|found| !matches!(found.mention, Mention::ByName { .. }))
                .cloned()
                .collect();
            self.scan.found.truncate(self.module_start);
            self.scan.found.extend(kept);
        }
    }

    /// The segment at `at` of a path (and the one after it), as a mention.
    fn path_mention(
        &mut self,
        segments: &[&syn::PathSegment],
        at: usize,
        imported: bool,
        via: Option<String>,
        local: bool,
    ) {
        let Some(name) = segments.get(at) else {
            return;
        };
        let next = segments.get(at + 1).map(|next| name_of(&next.ident));
        self.push_via(
            Mention::Path {
                name: name_of(&name.ident),
                next,
                imported,
            },
            name.ident.span(),
            via,
            local,
        );
    }

    /// The first segment of a path, and the one after it, found only because the module
    /// imports a `flags` module whole.
    fn glob_mention(&mut self, segments: &[&syn::PathSegment]) {
        let Some(name) = segments.first() else {
            return;
        };
        let next = segments.get(1).map(|next| name_of(&next.ident));
        self.push_through_glob(
            Mention::Path {
                name: name_of(&name.ident),
                next,
                imported: true,
            },
            name.ident.span(),
        );
    }

    /// Whether `receiver` is `flags::store()`, the store of a module that may be a generated
    /// one, and if so which.
    fn module_store(&self, receiver: &Expr) -> Option<ModuleStore> {
        let Expr::Call(call) = receiver else {
            return None;
        };
        let Expr::Path(function) = &*call.func else {
            return None;
        };
        let segments: Vec<&syn::PathSegment> = function.path.segments.iter().collect();
        match segments[..] {
            [.., module, store] if store.ident == "store" && self.is_module(&module.ident) => {
                let before = &segments[..segments.len() - 2];
                let local = self.is_own_module(&module.ident)
                    && match before {
                        [] => true,
                        [only] => only.ident == "self",
                        _ => false,
                    };
                Some(ModuleStore {
                    via: self.via(before, &module.ident),
                    local,
                    generated: !self.is_other(&module.ident),
                })
            }
            _ => None,
        }
    }

    /// What `super::NAME` is when the parent module calls a `flags` module `NAME`: whether
    /// it may be another module called `flags` (and then where the parent imported it from).
    fn in_parent(&self, ident: &Ident) -> Option<(bool, Option<String>)> {
        let parent = self.parent.as_ref()?;
        let name = name_of(ident);
        if !parent.modules.contains(&name) {
            return None;
        }
        match parent.other(&name) {
            Some(origin) => Some((true, origin)),
            None => Some((false, None)),
        }
    }

    /// Whether `ident` names this module's own `flags`: itself, or a rename of it.
    fn is_own_module(&self, ident: &Ident) -> bool {
        ident == "flags" || self.scope.local_renames.contains(&name_of(ident))
    }

    /// Whether `ident` names the generated module in this file.
    fn is_module(&self, ident: &Ident) -> bool {
        let name = name_of(ident);
        self.scope.modules.contains(&name)
    }

    /// Whether `ident`, a name of the generated module, may be another module too.
    fn is_other(&self, ident: &Ident) -> bool {
        let name = name_of(ident);
        self.scope.others.contains(&name)
    }

    /// A `use` tree down to the generated module's segment; `through_other` says whether
    /// the path so far goes through a module other than the crate's root or a parent
    /// (`use other::flags::Args`: perhaps another module called `flags`).
    /// `prefix` is the path so far, unless it starts at the crate's root or a parent
    /// (`Some(None)`); `None` before the first segment. `local`: the path so far is empty or
    /// `self` (see [`Found::local`]).
    fn walk_use(
        &mut self,
        tree: &syn::UseTree,
        through_other: bool,
        prefix: Option<Option<String>>,
        local: bool,
    ) {
        match tree {
            syn::UseTree::Path(path) if prefix.is_none() && path.ident == "super" => {
                self.walk_super_use(&path.tree);
            }
            syn::UseTree::Path(path) if self.is_module(&path.ident) => {
                let local = local && self.is_own_module(&path.ident);
                let via = match prefix {
                    None => self.origin_of(&path.ident),
                    Some(prefix) => prefix,
                };
                let imported = through_other || self.is_other(&path.ident);
                self.use_tree(&path.tree, imported, via.as_deref(), local);
            }
            syn::UseTree::Path(path) => {
                let local = local && prefix.is_none() && path.ident == "self";
                let prefix = extend_prefix(prefix, &path.ident);
                self.walk_use(
                    &path.tree,
                    through_other || !is_relative_root(&path.ident),
                    Some(prefix),
                    local,
                );
            }
            syn::UseTree::Group(group) => {
                for item in &group.items {
                    self.walk_use(item, through_other, prefix.clone(), local);
                }
            }
            syn::UseTree::Name(_) | syn::UseTree::Rename(_) | syn::UseTree::Glob(_) => {}
        }
    }

    /// The part of a `use super::...` after `super`: the parent's names.
    fn walk_super_use(&mut self, tree: &syn::UseTree) {
        if let syn::UseTree::Path(path) = tree
            && let Some((other, origin)) = self.in_parent(&path.ident)
        {
            self.use_tree(&path.tree, other, origin.as_deref(), false);
        } else if let syn::UseTree::Group(group) = tree {
            for item in &group.items {
                self.walk_super_use(item);
            }
        } else {
            // `use super::super::..`: a module further up, whose names are not followed.
            let above = matches!(tree, syn::UseTree::Path(path) if path.ident == "super");
            self.walk_use(tree, above, Some(None), false);
        }
    }

    fn use_tree(&mut self, tree: &syn::UseTree, imported: bool, via: Option<&str>, local: bool) {
        match tree {
            syn::UseTree::Name(name) => self.use_name(&name.ident, imported, via, local),
            syn::UseTree::Rename(rename) => self.use_name(&rename.ident, imported, via, local),
            syn::UseTree::Path(path) => {
                let next = match &*path.tree {
                    syn::UseTree::Name(name) => Some(name_of(&name.ident)),
                    _ => None,
                };
                self.push_via(
                    Mention::Path {
                        name: name_of(&path.ident),
                        next,
                        imported,
                    },
                    path.ident.span(),
                    via.map(str::to_owned),
                    local,
                );
            }
            syn::UseTree::Group(group) => {
                for item in &group.items {
                    self.use_tree(item, imported, via, local);
                }
            }
            syn::UseTree::Glob(_) => {}
        }
    }

    fn use_name(&mut self, ident: &Ident, imported: bool, via: Option<&str>, local: bool) {
        if ident != "self" {
            self.push_via(
                Mention::Path {
                    name: name_of(ident),
                    next: None,
                    imported,
                },
                ident.span(),
                via.map(str::to_owned),
                local,
            );
        }
    }

    fn attributes(&mut self, attributes: &[syn::Attribute], function: &Ident) {
        for attribute in attributes {
            self.attribute(&attribute.meta, function);
        }
    }

    /// `#[feature_flag(...)]` on `function`, also inside `#[cfg_attr(..., feature_flag(...))]`.
    fn attribute(&mut self, meta: &Meta, function: &Ident) {
        let Meta::List(list) = meta else {
            return;
        };
        let Some(last) = list.path.segments.last() else {
            return;
        };
        if last.ident == "cfg_attr" {
            // The predicate (`feature = "x"`, `all(unix, not(test))`, `true`), then the
            // attributes it applies, each read on its own: one that is not a plain attribute
            // (`unsafe(no_mangle)`) does not hide the others.
            let mut parts = vec![TokenStream::new()];
            for token in list.tokens.clone() {
                match (&token, parts.last_mut()) {
                    (TokenTree::Punct(punct), _) if punct.as_char() == ',' => {
                        parts.push(TokenStream::new());
                    }
                    (_, Some(part)) => part.extend([token]),
                    (_, None) => {}
                }
            }
            for part in parts.into_iter().skip(1) {
                if let Ok(meta) = syn::parse2::<Meta>(part) {
                    self.attribute(&meta, function);
                }
            }
            return;
        }
        if last.ident != "feature_flag" {
            return;
        }
        if let Ok((flag, variant, fallback)) = parse_arguments.parse2(list.tokens.clone()) {
            let fallback_place = fallback.as_ref().map(|path| Place::of(path.span()));
            let mention = Mention::Attribute {
                flag: name_of(&flag),
                variant: variant.map(|variant| name_of(&variant)),
                function: name_of(function),
                fallback: fallback
                    .and_then(|path| path.segments.last().map(|last| name_of(&last.ident))),
                fallback_place,
            };
            self.push(mention, flag.span());
        }
    }
}

/// Whether a name is written as a type or constant is (`Layout`, `BETA`): not as a variable.
fn is_type_or_key(ident: &Ident) -> bool {
    name_of(ident).starts_with(|first: char| first.is_ascii_uppercase())
}

/// Whether a path goes on from here to the crate's own modules: `crate::flags`, `self::`,
/// `super::`.
fn is_relative_root(ident: &Ident) -> bool {
    ident == "crate" || ident == "self" || ident == "super"
}

/// Whether the tokens before a path segment end with `self ::`, itself not after another
/// segment: `self::flags` is the module's own.
fn through_self(before: &[TokenTree]) -> bool {
    match before {
        [
            earlier @ ..,
            TokenTree::Ident(root),
            TokenTree::Punct(first),
            TokenTree::Punct(second),
        ] if root == "self" && first.as_char() == ':' && second.as_char() == ':' => !matches!(
            earlier,
            [.., TokenTree::Punct(colon)] if colon.as_char() == ':'
        ),
        _ => false,
    }
}

/// The path that the tokens before `flags` end with: `None` for none (a bare `flags`),
/// `Some(None)` for one from the crate's root or a parent (`crate::`, `super::`), else the
/// path (`app`, `app::cli`).
fn module_path_before(before: &[TokenTree]) -> Option<Option<String>> {
    let mut rest = before;
    let mut modules = Vec::new();
    while let [
        earlier @ ..,
        TokenTree::Ident(module),
        TokenTree::Punct(first),
        TokenTree::Punct(second),
    ] = rest
        && first.as_char() == ':'
        && second.as_char() == ':'
    {
        modules.push(module);
        rest = earlier;
    }
    let first = modules.last()?;
    if is_relative_root(first) {
        return Some(None);
    }
    let path: Vec<String> = modules.iter().rev().map(|module| name_of(module)).collect();
    Some(Some(path.join("::")))
}

/// A `use` path so far, one segment longer: see [`Imports::walk_use`].
fn extend_prefix(prefix: Option<Option<String>>, segment: &Ident) -> Option<String> {
    match prefix {
        None if is_relative_root(segment) => None,
        None => Some(name_of(segment)),
        Some(None) => None,
        Some(Some(path)) => Some(format!("{path}::{}", name_of(segment))),
    }
}

/// Whether the tokens before `flags` end with `other::`, a module not known to be the crate's
/// root or one of its parents.
fn through_other_module(before: &[TokenTree]) -> bool {
    match before {
        [
            ..,
            TokenTree::Ident(module),
            TokenTree::Punct(first),
            TokenTree::Punct(second),
        ] if first.as_char() == ':' && second.as_char() == ':' => !is_relative_root(module),
        _ => false,
    }
}

/// Whether the tokens before a name make it a method, a field, a later segment of a path or
/// a function being declared: `x.beta(..)`, `a::beta`, `fn beta`.
fn follows_path_or_field(before: &[TokenTree]) -> bool {
    match before.last() {
        Some(TokenTree::Punct(punct)) => matches!(punct.as_char(), '.' | ':'),
        Some(TokenTree::Ident(ident)) => ident == "fn",
        _ => false,
    }
}

/// A name as the compiler sees it: `r#type` is `type`.
fn name_of(ident: &Ident) -> String {
    ident.unraw().to_string()
}

/// In a macro's tokens, the name of the function an attribute at the start of `tokens`
/// belongs to: after its other attributes and qualifiers, `fn NAME`.
fn function_after(tokens: &[TokenTree]) -> Option<&Ident> {
    let mut tokens = tokens.iter();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Ident(ident) if ident == "fn" => {
                return match tokens.next()? {
                    TokenTree::Ident(name) => Some(name),
                    _ => None,
                };
            }
            // A body or an item ends the search: the attribute was on something else.
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => return None,
            TokenTree::Punct(punct) if punct.as_char() == ';' => return None,
            _ => {}
        }
    }
    None
}

/// `NAME [= VARIANT], key = value, ...`: the flag, its variant and the fallback.
fn parse_arguments(
    input: ParseStream<'_>,
) -> syn::Result<(Ident, Option<Ident>, Option<syn::Path>)> {
    let flag: Ident = input.parse()?;
    let variant = if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        Some(input.parse::<Ident>()?)
    } else {
        None
    };
    let mut fallback = None;
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        let key: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        if key == "fallback" {
            fallback = Some(input.parse::<syn::Path>()?);
        } else {
            let _: Expr = input.parse()?;
        }
    }
    Ok((flag, variant, fallback))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mentions(source: &str) -> Vec<(Mention, usize, usize)> {
        scan_text(PathBuf::from("lib.rs"), source.to_owned())
            .found
            .into_iter()
            .map(|found| (found.mention, found.place.line, found.place.column))
            .collect()
    }

    /// The by-name mentions of `source`.
    fn by_name(source: &str) -> Vec<(Mention, usize, usize)> {
        mentions(source)
            .into_iter()
            .filter(|(mention, ..)| matches!(mention, Mention::ByName { .. }))
            .collect()
    }

    /// A name through a `flags` module that may be another module.
    fn imported(name: &str, next: Option<&str>) -> Mention {
        Mention::Path {
            name: name.to_owned(),
            next: next.map(str::to_owned),
            imported: true,
        }
    }

    fn path(name: &str, next: Option<&str>) -> Mention {
        Mention::Path {
            name: name.to_owned(),
            next: next.map(str::to_owned),
            imported: false,
        }
    }

    #[test]
    fn finds_every_kind_of_mention() {
        let source = r#"
use crate::flags::{self, CheckoutLayout, NEW_FLOW};

#[feature_flag(new_flow, fallback = Self::old)]
fn new(ctx: &Context) {}

#[cfg(feature = "never")]
fn hidden(ctx: &Context) -> bool {
    flags::ghost(ctx)
}

fn main() {
    let layout = flags::checkout_layout_detail(&ctx);
    println!("{}", flags::greeting(&ctx));
    store.set_by_name("page_size", 3);
    assert!(store.get_by_name::<bool>("in_a_macro", &ctx).unwrap());
    match x { flags::CheckoutLayout::OnePage => {} }
}
"#;
        assert_eq!(
            mentions(source),
            [
                (path("CheckoutLayout", None), 2, 26),
                (path("NEW_FLOW", None), 2, 42),
                (
                    Mention::Attribute {
                        flag: "new_flow".into(),
                        variant: None,
                        function: "new".into(),
                        fallback: Some("old".into()),
                        fallback_place: Some(Place {
                            line: 4,
                            column: 37,
                            end_line: 4,
                            end_column: 46,
                            byte_start: 90,
                            byte_end: 99
                        }),
                    },
                    4,
                    16
                ),
                (path("ghost", None), 9, 12),
                (path("checkout_layout_detail", None), 13, 25),
                (path("greeting", None), 14, 27),
                (
                    Mention::ByName {
                        flag: "page_size".into()
                    },
                    15,
                    23
                ),
                (
                    Mention::ByName {
                        flag: "in_a_macro".into()
                    },
                    16,
                    39
                ),
                (path("CheckoutLayout", Some("OnePage")), 17, 22),
            ]
        );
    }

    /// `super::flags` in a file module is its parent's `flags`: here command-line options,
    /// however the child imports or names them.
    #[test]
    fn super_flags_is_the_parents() {
        let parent = scan_text(
            PathBuf::from("mod.rs"),
            "pub mod flags;\npub mod run;\n".to_owned(),
        );
        let scope = parent.parent_scopes.get(&1).cloned();
        let child = "use super::flags::Args;\nuse super::flags as options;\n\
                     use super::flags::{self as opts};\n\
                     fn f() { let _ = (super::flags::Args, options::Args, opts::Args); }\n";
        let scan = scan_module(PathBuf::from("run.rs"), child.to_owned(), scope.as_ref());
        let mentions: Vec<Mention> = scan.found.into_iter().map(|found| found.mention).collect();
        assert_eq!(
            mentions,
            [
                imported("Args", None),
                imported("Args", None),
                imported("Args", None),
                imported("Args", None)
            ]
        );
    }

    /// A module called `flags` declared in a macro's tokens (`cfg_if!`) is declared all the
    /// same: the crate's `flags` is then not the generated one, here or in its children.
    #[test]
    fn a_flags_module_declared_in_a_macro_is_declared() {
        let root = "cfg_if::cfg_if! {\n    if #[cfg(feature = \"cli\")] {\n        mod flags;\n    }\n}\n\
                    fn f() { let _ = flags::Args::default(); }\n";
        let scan = scan_text(PathBuf::from("main.rs"), root.to_owned());
        assert!(scan.declares_flags_module);
        assert_eq!(mentions(root), [(imported("Args", Some("default")), 6, 25)]);
        let inner = "mod cli { cfg_if::cfg_if! { if #[cfg(unix)] { mod flags; } } }\n";
        assert!(!scan_text(PathBuf::from("main.rs"), inner.to_owned()).declares_flags_module);
    }

    /// A file runs our macro where `syn` reads the call, and where only tokens are read
    /// (`cfg_if!`); another crate's `flags!` (`flagset`) is not ours.
    #[test]
    fn calls_of_our_flags_macro_are_told_from_others() {
        let defines =
            |text: &str| scan_text(PathBuf::from("main.rs"), text.to_owned()).defines_flags;
        assert!(defines("flags_runtime::flags!();\n"));
        assert!(defines("flags_runtime::flags!(\"config/flags.toml\");\n"));
        assert!(defines("fn f() { flags_runtime::flags!(); }\n"));
        assert!(defines(
            "cfg_if::cfg_if! {\n    if #[cfg(unix)] {\n        flags_runtime::flags!();\n    }\n}\n"
        ));
        assert!(!defines(
            "flagset::flags! {\n    enum Mode: u8 { Read, Write }\n}\n"
        ));
        assert!(!defines(
            "macro_rules! with_flags {\n    () => { flags_runtime::flags!(); };\n}\n"
        ));
        assert!(!defines("fn f() { let _ = flags::beta(&ctx); }\n"));
    }

    /// Byte offsets count from the start of the file, though `syn` reads it without its byte
    /// order mark and `#!` line.
    #[test]
    fn byte_offsets_count_a_byte_order_mark_and_a_shebang() {
        let body = "fn f() { flags::beta(&ctx); }\n";
        for prefix in [
            "",
            "\u{feff}",
            "#!/usr/bin/env run-cargo-script\n",
            "\u{feff}#!/x\n",
        ] {
            let text = format!("{prefix}{body}");
            let scan = scan_text(PathBuf::from("main.rs"), text.clone());
            let [found] = &scan.found[..] else {
                panic!("{:?}", scan.found);
            };
            let place = found.place;
            assert_eq!(
                &text[place.byte_start..place.byte_end],
                "beta",
                "{prefix:?}"
            );
        }
        let broken = "\u{feff}#!/x\nfn f( {\n";
        let scan = scan_text(PathBuf::from("main.rs"), broken.to_owned());
        let (_, place) = scan.parse_error.unwrap();
        assert_eq!(&broken[place.byte_start..], "{\n");
    }

    #[test]
    fn use_super_glob_brings_the_parents_imports() {
        let source = r#"
use crate::flags::*;
use crate::flags as f;
mod tests {
    use super::*;
    fn t() { let _ = beta(&ctx); let _ = f::gamma(&ctx); }
}
mod unrelated {
    fn u() { let _ = delta(&ctx); }
}
"#;
        assert_eq!(
            mentions(source),
            [
                (imported("beta", None), 6, 22),
                (path("gamma", None), 6, 45)
            ]
        );
    }

    #[test]
    fn another_module_called_flags_may_be_any_module() {
        let source = r#"
fn main() {
    let args = cli::flags::Args::parse();
    let beta = crate::flags::beta(&ctx) || super::flags::gamma(&ctx) || flags::delta(&ctx);
    println!("{}", app_flags::flags::epsilon(&ctx));
}
"#;
        assert_eq!(
            mentions(source),
            [
                (imported("Args", Some("parse")), 3, 28),
                (path("beta", None), 4, 30),
                (path("gamma", None), 4, 58),
                (path("delta", None), 4, 80),
                (imported("epsilon", None), 5, 38),
            ]
        );
    }

    /// A `flags` imported from elsewhere, renamed from elsewhere, or declared in the file is
    /// perhaps not the generated module: its names are flags only if they are flags.
    #[test]
    fn other_modules_called_flags_by_import_or_declaration_may_be_any_module() {
        let from_a_crate = r#"
use clap_app::flags;
use other::flags as options;
use crate::flags as ours;
fn main() {
    let args = flags::Args::parse();
    let more = options::Extra::parse();
    let beta = ours::beta(&ctx);
}
"#;
        assert_eq!(
            mentions(from_a_crate),
            [
                (imported("Args", Some("parse")), 6, 23),
                (imported("Extra", Some("parse")), 7, 25),
                (path("beta", None), 8, 22),
            ]
        );
        let declared = r#"
mod flags;
fn main() { let args = flags::Args::from_env(); }
mod tests {
    use super::*;
    fn t() { flags::Args::default(); }
}
"#;
        assert_eq!(
            mentions(declared),
            [
                (imported("Args", Some("from_env")), 3, 31),
                (imported("Args", Some("default")), 6, 21),
            ]
        );
    }

    /// Which mentions reach their module's own `flags` (answered by a `flags!("...")` there):
    /// directly, through `self::`, a rename of it (also one a parent made, brought in with
    /// `use super::*`); not `crate::flags` or a rename of it.
    #[test]
    fn own_flags_are_told_from_the_crates() {
        let source = r#"
mod outer {
    flags_runtime::flags!("../outer.toml");
    use flags as own;
    use crate::flags as app;
    fn f(c: &Context) { flags::a(c); self::flags::b(c); own::c(c); app::d(c); crate::flags::e(c); }
    mod inner {
        use super::*;
        fn g(c: &Context) { own::h(c); app::i(c); }
    }
}
"#;
        let local: Vec<(String, bool)> = scan_text(PathBuf::from("lib.rs"), source.to_owned())
            .found
            .into_iter()
            .filter_map(|found| match found.mention {
                Mention::Path { name, .. } => Some((name, found.local)),
                _ => None,
            })
            .collect();
        let expected = [
            ("a", true),
            ("b", true),
            ("c", true),
            ("d", false),
            ("e", false),
            ("h", true),
            ("i", false),
        ]
        .map(|(name, local)| (name.to_owned(), local));
        assert_eq!(local, expected);
    }

    /// `use flags_runtime::flags;` imports the macro: the module it generates is the
    /// generated one, whose unknown names are mistakes.
    #[test]
    fn importing_the_macro_is_no_other_module() {
        let source = r#"
use flags_runtime::{feature_flag, flags, Context};
flags!();
fn hidden(ctx: &Context) -> bool { flags::new_registraton_flow(ctx) }
"#;
        assert_eq!(
            mentions(source),
            [(path("new_registraton_flow", None), 4, 43)]
        );
    }

    /// `self` in a `use` group imports the module itself: renamed (`{self as f}`), or from
    /// another crate (`app::flags::{self, Layout}`), where its names are flags only if they are.
    #[test]
    fn self_in_a_use_group_imports_the_module() {
        let source = r#"
use crate::flags::{self as f};
mod other {
    use app::flags::{self, Layout};
    fn g() { flags::Args::parse(); }
}
fn main() { f::dark_mode(&ctx); }
"#;
        assert_eq!(
            mentions(source),
            [
                (imported("Layout", None), 4, 28),
                (imported("Args", Some("parse")), 5, 21),
                (path("dark_mode", None), 7, 16),
            ]
        );
    }

    #[test]
    fn by_name_calls_on_a_files_own_stores_are_not_about_flags_toml() {
        let own = r#"
fn store_test() {
    let store = Store::from_toml("t.toml", TEXT).unwrap();
    store.kill_by_name("tmp").unwrap();
}
"#;
        assert_eq!(mentions(own), []);
        // Nor does a store built around an inner module change that module's calls.
        let outer = r#"
fn scratch() -> Store { Store::new(schema) }
pub mod admin {
    pub fn off() { crate::flags::store().kill_by_name("maintenance").unwrap(); }
}
"#;
        assert!(mentions(outer).iter().any(
            |(mention, ..)| matches!(mention, Mention::ByName { flag } if flag == "maintenance")
        ));
        // Only the module that builds a store: a test module's store is not the admin's.
        let mixed = r#"
fn admin() { flags::store().kill_by_name("maintenance").unwrap(); }
mod tests {
    fn t() { Store::from_toml("t.toml", TEXT).unwrap().kill_by_name("tmp").unwrap(); }
}
"#;
        assert_eq!(
            by_name(mixed),
            [(
                Mention::ByName {
                    flag: "maintenance".into()
                },
                2,
                42
            )]
        );
        // The generated module's store is the flags.toml's, even beside a store of the
        // module's own (or another type called `Store`).
        let beside = r#"
mod admin {
    struct Store;
    impl Store { fn new() -> Self { Store } }
    pub fn off() {
        let _scratch = Store::new();
        crate::flags::store().kill_by_name("maintenance").unwrap();
        _scratch.kill_by_name("tmp");
    }
}
"#;
        assert_eq!(
            by_name(beside),
            [(
                Mention::ByName {
                    flag: "maintenance".into()
                },
                7,
                44
            )]
        );
        let shared = "fn admin() { flags::store().kill_by_name(\"beta\").unwrap(); }";
        assert_eq!(
            mentions(shared),
            [
                (path("store", None), 1, 21),
                (
                    Mention::ByName {
                        flag: "beta".into()
                    },
                    1,
                    42
                )
            ]
        );
    }

    /// The flag and function of each `#[feature_flag]` found.
    fn attributes(source: &str) -> Vec<(String, String)> {
        mentions(source)
            .into_iter()
            .filter_map(|(mention, _, _)| match mention {
                Mention::Attribute { flag, function, .. } => Some((flag, function)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn feature_flag_is_found_under_cfg_attr_and_in_macro_calls() {
        let source = r#"
#[cfg_attr(feature = "beta", feature_flag(in_cfg_attr, fallback = old))]
fn a(ctx: &Context) {}

#[cfg_attr(test, cfg_attr(unix, feature_flag(nested, fallback = old)))]
fn b(ctx: &Context) {}

cfg_if::cfg_if! {
    if #[cfg(feature = "x")] {
        #[inline]
        #[feature_flag(in_a_macro, fallback = old)]
        pub async fn c(ctx: &Context) {}
    }
}

#[cfg_attr(all(unix, not(test)), unsafe(no_mangle), feature_flag(after_unsafe, fallback = old))]
fn d(ctx: &Context) {}

#[cfg_attr(true, feature_flag(always, fallback = old))]
fn e(ctx: &Context) {}

#[cfg_attr(feature = "beta", inline)]
fn not_flagged() {}
"#;
        let found = |flag: &str, function: &str| (flag.to_owned(), function.to_owned());
        assert_eq!(
            attributes(source),
            [
                found("in_cfg_attr", "a"),
                found("nested", "b"),
                found("in_a_macro", "c"),
                found("after_unsafe", "d"),
                found("always", "e"),
            ]
        );
        // The fallback named in the macro's attribute is not a use of it.
        assert_eq!(
            scan_text(PathBuf::from("lib.rs"), source.into())
                .names
                .get("old"),
            None
        );
    }

    #[test]
    fn raw_identifiers_name_what_they_spell() {
        let source = r#"
use crate::flags::r#beta;

#[feature_flag(r#gamma, fallback = old)]
fn f(ctx: &Context) -> bool {
    flags::r#delta(ctx) && m!(flags::r#epsilon(ctx))
}
"#;
        let names: Vec<String> = mentions(source)
            .into_iter()
            .map(|(mention, _, _)| match mention {
                Mention::Path { name, .. } => name,
                Mention::Attribute { flag, .. } => flag,
                Mention::ByName { flag } => flag,
            })
            .collect();
        assert_eq!(names, ["beta", "gamma", "delta", "epsilon"]);
    }

    #[test]
    fn the_module_is_found_under_another_name_and_imported_whole() {
        let source = r#"
use crate::flags as f;
use crate::flags::{*, CheckoutLayout};

fn g(ctx: &Context) -> bool {
    f::beta(ctx) && gamma(ctx) && m!(f::delta(ctx))
}
"#;
        let found: Vec<(String, bool)> = mentions(source)
            .into_iter()
            .filter_map(|(mention, _, _)| match mention {
                Mention::Path { name, imported, .. } => Some((name, imported)),
                _ => None,
            })
            .collect();
        let spelt = |name: &str| (name.to_owned(), false);
        let imported = |name: &str| (name.to_owned(), true);
        for expected in [
            spelt("CheckoutLayout"),
            spelt("beta"),
            imported("gamma"),
            spelt("delta"),
        ] {
            assert!(found.contains(&expected), "{expected:?} in {found:?}");
        }
        // Through the module's other name, never as a name of its own.
        assert!(!found.contains(&imported("f")), "{found:?}");
    }

    #[test]
    fn a_whole_import_counts_calls_keys_and_enums_in_its_own_module() {
        let source = r#"
mod search {
    use crate::flags::*;

    fn results(ctx: &Context, dark_mode: bool) -> bool {
        if dark_mode { return false; }
        assert!(in_a_macro(ctx) && x.not_a_flag(ctx));
        beta(ctx) && BETA_KEY.is_some() && matches!(layout(ctx), Layout::OnePage)
    }
}

mod elsewhere {
    fn other(ctx: &Context) -> bool {
        gamma(ctx)
    }
}
"#;
        let imported: Vec<String> = mentions(source)
            .into_iter()
            .filter_map(|(mention, _, _)| match mention {
                Mention::Path {
                    name,
                    imported: true,
                    ..
                } => Some(name),
                _ => None,
            })
            .collect();
        for name in ["in_a_macro", "beta", "BETA_KEY", "layout", "Layout"] {
            assert!(
                imported.iter().any(|found| found == name),
                "{name} in {imported:?}"
            );
        }
        // A variable, a method, and a module without the import are not flags' uses.
        for name in ["dark_mode", "not_a_flag", "gamma", "ctx"] {
            assert!(
                !imported.iter().any(|found| found == name),
                "{name} in {imported:?}"
            );
        }
    }

    #[test]
    fn module_files_are_declared_with_their_folders() {
        let scan = scan_text(
            PathBuf::from("lib.rs"),
            "mod a;\n#[path = \"../shared/b.rs\"] mod b;\nmod c { mod d; }\n\
             #[path = \"e_dir\"] mod e { mod f; }\nmod inline { fn g() {} }"
                .into(),
        );
        let declared = |inline: &[&str], name: &str, path: Option<&str>| ModuleDeclaration {
            inline: inline.iter().map(|folder| (*folder).to_owned()).collect(),
            inline_path: inline.first() == Some(&"e_dir"),
            name: name.to_owned(),
            path: path.map(str::to_owned),
        };
        assert_eq!(
            scan.modules,
            [
                declared(&[], "a", None),
                declared(&[], "b", Some("../shared/b.rs")),
                declared(&["c"], "d", None),
                declared(&["e_dir"], "f", None),
            ]
        );
        assert!(!scan.defines_flags);
    }

    #[test]
    fn modules_in_macros_and_in_files_syn_cannot_parse_are_declared() {
        let declared = |inline: &[&str], inline_path: bool, name: &str, path: Option<&str>| {
            ModuleDeclaration {
                inline: inline.iter().map(|folder| (*folder).to_owned()).collect(),
                inline_path,
                name: name.to_owned(),
                path: path.map(str::to_owned),
            }
        };
        let in_macro = r#"
cfg_if::cfg_if! {
    if #[cfg(unix)] { #[cfg(unix)] #[path = "sys/unix.rs"] pub(crate) mod imp; }
    else { mod fallback { mod deep; } }
}
static TABLE: [u8; 3] = include!("table.in");
include!("items.rs");
std::include!("more_items.rs");
"#;
        let scan = scan_text(PathBuf::from("lib.rs"), in_macro.into());
        assert_eq!(
            scan.modules,
            [
                declared(&[], false, "imp", Some("sys/unix.rs")),
                declared(&["fallback"], false, "deep", None),
            ]
        );
        assert_eq!(scan.includes, ["items.rs", "more_items.rs"], "items only");

        // Syntax newer than syn, say: the tokens still show the modules.
        let unparsable = "mod a;\n#[path = \"b_file.rs\"] mod b;\nfn f() { let x = ; }";
        let scan = scan_text(PathBuf::from("lib.rs"), unparsable.into());
        assert!(scan.parse_error.is_some());
        assert_eq!(
            scan.modules,
            [
                declared(&[], false, "a", None),
                declared(&[], false, "b", Some("b_file.rs"))
            ]
        );

        // A delimiter left open: line by line, outside comments.
        let open = "#[cfg(test)] mod tests;\nmod a; // note\n/*\nmod legacy;\n*/\n\
                    #[path = \"x.rs\"] pub(in crate::y) mod c;\nfn half( {";
        let scan = scan_text(PathBuf::from("lib.rs"), open.into());
        assert_eq!(
            scan.modules,
            [
                declared(&[], false, "tests", None),
                declared(&[], false, "a", None),
                declared(&[], false, "c", Some("x.rs")),
            ]
        );
    }

    #[test]
    fn use_groups_keep_each_paths_own_origin() {
        let source = "use crate::{config::Settings, flags::NEW_FLOW_TYPO};\n\
                      use clap_app::{flags::Args, other::Thing};";
        assert_eq!(
            mentions(source),
            [
                (path("NEW_FLOW_TYPO", None), 1, 38),
                (
                    Mention::Path {
                        name: "Args".into(),
                        next: None,
                        imported: true
                    },
                    2,
                    23
                ),
            ]
        );
    }

    #[test]
    fn an_explicit_flags_toml_is_noticed() {
        let scan = scan_text(
            PathBuf::from("lib.rs"),
            "flags_runtime::flags!(\"config/flags.toml\");".into(),
        );
        assert_eq!(
            scan.explicit_flags_tomls,
            [(Vec::new(), "config/flags.toml".to_owned())]
        );
        let nested = scan_text(
            PathBuf::from("main.rs"),
            "flags_runtime::flags!();\n#[cfg(test)]\nmod tests {\n    \
             flags_runtime::flags!(\"../testdata/flags.toml\");\n    \
             fn t() { flags::test_only(&ctx); }\n}\nfn main() { flags::beta(&ctx); }\n"
                .into(),
        );
        assert_eq!(
            nested.explicit_flags_tomls,
            [(
                vec!["tests".to_owned()],
                "../testdata/flags.toml".to_owned()
            )]
        );
        let modules: Vec<(String, Vec<String>)> = nested
            .found
            .iter()
            .map(|found| match &found.mention {
                Mention::Path { name, .. } => (name.clone(), found.module.clone()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            modules,
            [
                ("test_only".to_owned(), vec!["tests".to_owned()]),
                ("beta".to_owned(), Vec::new()),
            ]
        );
    }

    #[test]
    fn an_unparsable_file_is_reported_not_fatal() {
        let scan = scan_text(PathBuf::from("lib.rs"), "fn broken( {".into());
        assert!(scan.parse_error.is_some());
    }
}
