//! The workspace as `check` and `list` see it: its packages' Rust files, scanned, grouped by
//! the `flags.toml` each one uses (the one the macros would use).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flags_schema::{Diagnostics, Located, Schema, SourceFile};

use crate::scan::{self, FileScan, Found, Mention, ModuleDeclaration};

/// Why the project cannot be checked (exit code 2).
#[derive(Debug)]
pub enum LoadError {
    /// `cargo metadata` failed, or an argument names nothing.
    Workspace(String),
    /// One or more `flags.toml` files are invalid: the located errors of each, and the
    /// workspace root their paths are relative to.
    Invalid(Vec<Diagnostics>, PathBuf),
    /// A file cannot be read.
    Unreadable(PathBuf, std::io::Error),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Workspace(message) => f.write_str(message),
            LoadError::Invalid(files, _) => {
                for (position, diagnostics) in files.iter().enumerate() {
                    if position > 0 {
                        f.write_str("\n")?;
                    }
                    write!(f, "{diagnostics}")?;
                }
                Ok(())
            }
            LoadError::Unreadable(path, error) => {
                write!(f, "cannot read {}: {error}", path.display())
            }
        }
    }
}

/// The files that use one `flags.toml`.
pub struct Group {
    /// The file, as shown in reports (relative to the workspace root).
    pub display: String,
    /// Its text.
    pub source: Arc<SourceFile>,
    /// Its flags.
    pub schema: Schema,
    /// Flags missing metadata, accepted in `--lenient` mode.
    pub incomplete: Vec<Located>,
    /// Positions in [`Project::files`] of the files that use it.
    pub files: Vec<usize>,
}

/// A scanned workspace.
pub struct Project {
    /// The workspace root; reported paths are relative to it.
    pub root: PathBuf,
    /// Every Rust file of the workspace's crates, sorted by path.
    pub files: Vec<FileScan>,
    /// For each file, whether its package was selected (`--package`): findings are reported
    /// for these files and the `flags.toml` files they use, while every file counts as a use.
    pub selected: Vec<bool>,
    /// The `flags.toml` files in use.
    pub groups: Vec<Group>,
    /// Files with no `flags.toml` above them.
    pub ungrouped: Vec<usize>,
    /// Per library of the workspace that generates its flags module (`flags!()`), the
    /// position in [`Project::groups`] of the `flags.toml` it reads: other crates' uses of
    /// `app::flags::...` are that file's.
    pub libraries: HashMap<String, usize>,
    /// Per file, the position in [`Project::groups`] of the flags.toml its crate (or its
    /// folder) reads.
    home: HashMap<usize, usize>,
    /// Mentions (file, position in its `found`) written in a module with a
    /// `flags!("...")` of its own, and the group of that file (`None`: not read).
    overrides: HashMap<(usize, usize), Option<usize>>,
}

/// A package of the workspace.
#[derive(Debug, Clone)]
pub struct Package {
    /// Its name.
    pub name: String,
    /// The folder of its `Cargo.toml`.
    pub dir: PathBuf,
    /// The root file of each of its crates: library, binaries, tests, benches, examples,
    /// build script.
    pub targets: Vec<PathBuf>,
    /// The name other crates use for its library (`-` made `_`), and the library's root file.
    pub library: Option<(String, PathBuf)>,
    /// Its dependencies renamed in its `Cargo.toml` (`core_app = { package = "app", .. }`):
    /// the name its code uses (`-` made `_`), and the package's name.
    pub renamed: Vec<(String, String)>,
    /// Whether its findings are reported (`--package`).
    pub selected: bool,
}

/// What to load.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--manifest-path`: the workspace's (or a member's) `Cargo.toml`.
    pub manifest_path: Option<PathBuf>,
    /// `--package`: only these packages (all when empty).
    pub packages: Vec<String>,
    /// `--lenient`: accept flags without owner, description or expiry, and report them.
    pub lenient: bool,
}

impl Project {
    /// Finds the packages with `cargo metadata`, scans their Rust files and loads the
    /// `flags.toml` files they use.
    pub fn load(options: &Options) -> Result<Project, LoadError> {
        let mut command = cargo_metadata::MetadataCommand::new();
        command.no_deps();
        if let Some(path) = &options.manifest_path {
            command.manifest_path(path);
        }
        let metadata = command
            .exec()
            .map_err(|error| LoadError::Workspace(format!("cannot read the workspace: {error}")))?;
        let root = PathBuf::from(metadata.workspace_root.as_std_path());
        let members: Vec<&cargo_metadata::Package> = metadata.workspace_packages();
        for wanted in &options.packages {
            if !members
                .iter()
                .any(|package| package.name.as_str() == wanted)
            {
                let known: Vec<&str> = members
                    .iter()
                    .map(|package| package.name.as_str())
                    .collect();
                return Err(LoadError::Workspace(format!(
                    "no package `{wanted}` in the workspace; its packages are {}",
                    known.join(", ")
                )));
            }
        }
        let packages: Vec<Package> = members
            .iter()
            .filter_map(|package| {
                let dir = package.manifest_path.parent()?.as_std_path().to_path_buf();
                let selected = options.packages.is_empty()
                    || options
                        .packages
                        .iter()
                        .any(|name| name == package.name.as_str());
                Some(Package {
                    name: package.name.to_string(),
                    dir,
                    targets: package
                        .targets
                        .iter()
                        .map(|target| target.src_path.as_std_path().to_path_buf())
                        .collect(),
                    library: package
                        .targets
                        .iter()
                        .find(|target| {
                            target.is_lib()
                                || target.is_rlib()
                                || target.is_dylib()
                                || target.is_cdylib()
                                || target.is_staticlib()
                                || target.is_proc_macro()
                        })
                        .map(|target| {
                            (
                                target.name.replace('-', "_"),
                                target.src_path.as_std_path().to_path_buf(),
                            )
                        }),
                    renamed: package
                        .dependencies
                        .iter()
                        .filter_map(|dependency| {
                            let rename = dependency.rename.as_ref()?;
                            Some((rename.replace('-', "_"), dependency.name.clone()))
                        })
                        .collect(),
                    selected,
                })
            })
            .collect();
        Project::from_packages(root, &packages, options.lenient)
    }

    /// Scans the given packages of the workspace at `root`.
    pub fn from_packages(
        root: PathBuf,
        packages: &[Package],
        lenient: bool,
    ) -> Result<Project, LoadError> {
        let (mut files, owners) = crate_files(packages)?;
        // `core_app::flags::x`, with `app` renamed `core_app` in the `Cargo.toml`, is
        // `app::flags::x`.
        for (file, owner) in files.iter_mut().zip(&owners) {
            let renamed = &packages[owner.package].renamed;
            if renamed.is_empty() {
                continue;
            }
            for found in &mut file.found {
                if let Some(via) = &mut found.via
                    && let Some(library) = library_renamed(via, renamed, packages)
                {
                    *via = library;
                }
            }
        }
        // A crate whose root declares a module `flags` itself (command-line options, say)
        // has no generated module at `crate::flags`: in all its files, a name through a
        // `flags` module of the crate is a flag's only if it is one.
        let roots: Vec<&PathBuf> = packages
            .iter()
            .flat_map(|package| &package.targets)
            .collect();
        let hand_written: HashSet<usize> = files
            .iter()
            .zip(&owners)
            .filter(|(file, owner)| {
                file.declares_flags_module && roots.get(owner.target) == Some(&&file.path)
            })
            .map(|(_, owner)| owner.target)
            .collect();
        let selected: Vec<bool> = owners
            .iter()
            .map(|owner| packages[owner.package].selected)
            .collect();

        // Each `flags!()` reads the flags.toml it names, or the nearest one upward (or
        // `FLAGS_TOML`), and `#[feature_flag]` the nearest. A `flags!("...")` at the top of a
        // crate's root generates `crate::flags`: its file is the crate's. One anywhere else
        // generates the `flags` of its own module: its file answers the paths and by-name
        // calls written there.
        let mut explicit: HashMap<usize, PathBuf> = HashMap::new();
        let mut local: Vec<(usize, Vec<String>, PathBuf)> = Vec::new();
        // As the macros do: `FLAGS_TOML`, relative to the package, before the nearest file.
        let configured = std::env::current_dir()
            .ok()
            .and_then(|dir| configured_flags_toml(&dir));
        let mut nearest: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
        for (index, (file, owner)) in files.iter().zip(&owners).enumerate() {
            let Some(dir) = file.path.parent() else {
                continue;
            };
            let is_root = roots.get(owner.target) == Some(&&file.path);
            for (module, path) in &file.explicit_flags_tomls {
                if is_root && module.is_empty() {
                    explicit.insert(owner.target, dir.join(path));
                } else {
                    local.push((index, module.clone(), dir.join(path)));
                }
            }
            // A `flags!()` at the top of the crate's root is the crate's; anywhere else, its
            // module's.
            let generated_here: Vec<&Vec<String>> = file
                .generated_in_modules
                .iter()
                .filter(|module| !(is_root && module.is_empty()))
                .collect();
            if !generated_here.is_empty() {
                let package = &packages[owner.package];
                if let Some(found) =
                    found_by_the_macros(file, package, configured.as_deref(), &mut nearest)
                {
                    for module in generated_here {
                        local.push((index, module.clone(), found.clone()));
                    }
                }
            }
        }
        // Which of those answers each mention: the innermost module's, for a path written
        // from the module itself (`flags::x`, not `crate::flags::x`) or a by-name call.
        let mut answered_locally: HashMap<(usize, usize), usize> = HashMap::new();
        for (position, (index, module, _)) in local.iter().enumerate() {
            for (at, found) in files[*index].found.iter().enumerate() {
                let answered =
                    matches!(found.mention, Mention::Path { .. } | Mention::ByName { .. })
                        && found.via.is_none()
                        && found.local
                        && found.module.starts_with(module);
                if answered {
                    let innermost = answered_locally.entry((*index, at)).or_insert(position);
                    if module.len() >= local[*innermost].1.len() {
                        *innermost = position;
                    }
                }
            }
        }
        for (index, (file, owner)) in files.iter_mut().zip(&owners).enumerate() {
            if !hand_written.contains(&owner.target) {
                continue;
            }
            for (at, found) in file.found.iter_mut().enumerate() {
                if found.via.is_none()
                    && !answered_locally.contains_key(&(index, at))
                    && let Mention::Path { imported, .. } = &mut found.mention
                {
                    *imported = true;
                }
            }
        }
        // The targets that are libraries, numbered as `crate_files` numbers them.
        let mut library_targets: HashMap<usize, &str> = HashMap::new();
        let mut target = 0;
        for package in packages {
            for root_file in &package.targets {
                if let Some((name, library)) = &package.library
                    && library == root_file
                {
                    library_targets.insert(target, name);
                }
                target += 1;
            }
        }
        // A library's `lib::flags` is generated by a `flags!()` among its root's items, unless
        // the root declares a `flags` module of its own; one anywhere else generates another
        // module's.
        let generates_library_module = |file: &FileScan, owner: &Owner| {
            file.generates_top_module
                && roots.get(owner.target) == Some(&&file.path)
                && !hand_written.contains(&owner.target)
        };
        // Only the macros read a flags.toml: a package that runs none (it may read a library's
        // flags, or have a hand-written `flags` module) builds without the file a configured
        // `FLAGS_TOML` names beside it, and one missing there is no error.
        let mut uses_flags = vec![false; packages.len()];
        for (file, owner) in files.iter().zip(&owners) {
            let runs_the_macros = file.defines_flags
                || file
                    .found
                    .iter()
                    .any(|found| matches!(found.mention, Mention::Attribute { .. }));
            uses_flags[owner.package] |= runs_the_macros;
        }
        // Each flags.toml in use, its files, and whether a selected package uses it.
        let mut uses: Vec<(PathBuf, Vec<usize>, bool)> = Vec::new();
        let mut use_of: HashMap<PathBuf, usize> = HashMap::new();
        let mut ungrouped = Vec::new();
        // Per file, the position in `uses` of the flags.toml its crate (or folder) reads.
        let mut home_use: HashMap<usize, usize> = HashMap::new();
        for (index, (file, owner)) in files.iter().zip(&owners).enumerate() {
            let flags_toml = match explicit.get(&owner.target) {
                Some(path) => Some(path.clone()),
                None => found_by_the_macros(
                    file,
                    &packages[owner.package],
                    configured.as_deref(),
                    &mut nearest,
                ),
            };
            let Some(flags_toml) = flags_toml else {
                ungrouped.push(index);
                continue;
            };
            if !uses_flags[owner.package] && !flags_toml.is_file() {
                continue;
            }
            let position = use_position(&mut uses, &mut use_of, flags_toml);
            uses[position].1.push(index);
            uses[position].2 |= selected[index];
            home_use.insert(index, position);
        }
        // The flags.toml each library that calls `flags!()` reads, by position in `uses`.
        let mut library_uses: HashMap<String, usize> = HashMap::new();
        for (position, (_, used_by, _)) in uses.iter().enumerate() {
            for &index in used_by {
                if let Some(name) = library_targets.get(&owners[index].target)
                    && generates_library_module(&files[index], &owners[index])
                {
                    library_uses.insert((*name).to_owned(), position);
                }
            }
        }
        // A selected package that reads a library's module needs the library's file too.
        for (file, _) in files
            .iter()
            .zip(&selected)
            .filter(|(_, selected)| **selected)
        {
            for found in &file.found {
                if let Some(&position) = found.via.as_ref().and_then(|via| library_uses.get(via)) {
                    uses[position].2 = true;
                }
            }
        }
        // The files of modules with a `flags!("...")` of their own, and which of their
        // mentions each answers: the innermost module's call.
        let mut extra_files: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut use_of_local: Vec<usize> = Vec::with_capacity(local.len());
        for (index, _, flags_toml) in local {
            let position = use_position(&mut uses, &mut use_of, flags_toml);
            uses[position].2 |= selected[index];
            extra_files.entry(position).or_default().push(index);
            use_of_local.push(position);
        }
        // Only the files the selected packages use are read: another package's broken file
        // is that package's business.
        let mut groups: Vec<Group> = Vec::new();
        let mut group_of_use: HashMap<usize, usize> = HashMap::new();
        // Every invalid file is reported at once, as each file's every error is; a file that
        // cannot be read is reported once they are fixed.
        let mut invalid = Vec::new();
        let mut unreadable = None;
        for (position, (flags_toml, used_by, selected)) in uses.into_iter().enumerate() {
            if selected {
                match load_group(&root, &flags_toml, lenient) {
                    Ok(mut group) => {
                        group.files = used_by;
                        for index in extra_files.remove(&position).unwrap_or_default() {
                            if !group.files.contains(&index) {
                                group.files.push(index);
                            }
                        }
                        group_of_use.insert(position, groups.len());
                        groups.push(group);
                    }
                    Err(LoadError::Invalid(files, _)) => invalid.extend(files),
                    Err(error) => {
                        unreadable.get_or_insert(error);
                    }
                }
            }
        }
        if !invalid.is_empty() {
            return Err(LoadError::Invalid(invalid, root));
        }
        if let Some(error) = unreadable {
            return Err(error);
        }
        let libraries = library_uses
            .into_iter()
            .filter_map(|(name, position)| Some((name, *group_of_use.get(&position)?)))
            .collect();
        let home = home_use
            .into_iter()
            .filter_map(|(index, position)| Some((index, *group_of_use.get(&position)?)))
            .collect();
        let overrides = answered_locally
            .into_iter()
            .map(|(mention, local)| {
                let group = use_of_local
                    .get(local)
                    .and_then(|position| group_of_use.get(position).copied());
                (mention, group)
            })
            .collect();
        Ok(Project {
            root,
            files,
            selected,
            groups,
            ungrouped,
            libraries,
            home,
            overrides,
        })
    }

    /// Whether the mention at `position` of file `index` is answered by the flags.toml of a
    /// `flags!("...")` in its own module, rather than by its file's.
    pub fn answered_in_its_module(&self, index: usize, position: usize) -> bool {
        self.overrides.contains_key(&(index, position))
    }

    /// Whether findings on `group` are reported: some file of a selected package uses it.
    pub fn is_selected(&self, group: &Group) -> bool {
        group
            .files
            .iter()
            .any(|&index| self.selected.get(index).copied().unwrap_or(false))
    }

    /// Per group (as [`Project::groups`]), the mentions its flags.toml answers, each with its
    /// file's position: those of its files, but for mentions through another library's
    /// generated module (`app::flags::beta`), which are that library's flags.toml's wherever
    /// they are written.
    pub fn mentions(&self) -> Vec<Vec<(usize, &Found)>> {
        let library_of = |found: &Found| {
            found
                .via
                .as_ref()
                .and_then(|via| self.libraries.get(via))
                .copied()
        };
        let mut mentions: Vec<Vec<(usize, &Found)>> = vec![Vec::new(); self.groups.len()];
        // Every file: one whose own flags.toml is not read (another package's, with
        // `--package`, or none) may still read a library's module.
        for (index, file) in self.files.iter().enumerate() {
            for (position, found) in file.found.iter().enumerate() {
                let answered_by = match library_of(found) {
                    Some(library) => Some(library),
                    None => match self.overrides.get(&(index, position)) {
                        Some(module_file) => *module_file,
                        None => self.home.get(&index).copied(),
                    },
                };
                if let Some(answered_by) = answered_by {
                    mentions[answered_by].push((index, found));
                }
            }
        }
        mentions
    }

    /// A mention through a library known to generate its module (`app::flags::x`) is that
    /// module's for sure: returned as such, so that an unknown name is undeclared rather than
    /// some other module's. `None` for the others.
    pub fn certain(&self, found: &Found) -> Option<Mention> {
        let generated = !found.through_glob
            && found
                .via
                .as_ref()
                .is_some_and(|via| self.libraries.contains_key(via));
        match &found.mention {
            Mention::Path {
                name,
                next,
                imported: true,
            } if generated => Some(Mention::Path {
                name: name.clone(),
                next: next.clone(),
                imported: false,
            }),
            _ => None,
        }
    }

    /// A path as reports show it: relative to the workspace root.
    pub fn display(&self, path: &Path) -> String {
        relative(&self.root, path)
    }
}

/// The position in `uses` of the flags.toml at `path` (each file once, by its canonical path),
/// added with no files yet if it is new.
fn use_position(
    uses: &mut Vec<(PathBuf, Vec<usize>, bool)>,
    use_of: &mut HashMap<PathBuf, usize>,
    path: PathBuf,
) -> usize {
    let path = path.canonicalize().unwrap_or(path);
    *use_of.entry(path.clone()).or_insert_with(|| {
        uses.push((path, Vec::new(), false));
        uses.len() - 1
    })
}

fn relative(root: &Path, path: &Path) -> String {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    path.strip_prefix(&root).map_or_else(
        |_| path.display().to_string(),
        |inside| inside.display().to_string(),
    )
}

fn load_group(root: &Path, path: &Path, lenient: bool) -> Result<Group, LoadError> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| LoadError::Unreadable(path.to_path_buf(), error))?;
    let display = relative(root, path);
    let invalid = |diagnostics| LoadError::Invalid(vec![diagnostics], root.to_path_buf());
    let (schema, incomplete) = if lenient {
        let (schema, incomplete) = Schema::parse_lenient(&display, &text).map_err(invalid)?;
        (schema, incomplete.located())
    } else {
        (Schema::parse(&display, &text).map_err(invalid)?, Vec::new())
    };
    Ok(Group {
        source: Arc::new(SourceFile::new(display.clone(), text)),
        display,
        schema,
        incomplete,
        files: Vec::new(),
    })
}

/// The nearest `flags.toml` in `dir` or a folder above it.
fn nearest_flags_toml(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|folder| folder.join("flags.toml"))
        .find(|candidate| candidate.is_file())
}

/// Which package and which of its crates a file belongs to.
#[derive(Debug, Clone, Copy)]
struct Owner {
    package: usize,
    /// Numbered across the workspace.
    target: usize,
}

/// The flags.toml a `flags!()` without a path in `file` reads: `configured` (`FLAGS_TOML`)
/// relative to its package, else the nearest one upward, remembered per folder in `nearest`.
fn found_by_the_macros(
    file: &FileScan,
    package: &Package,
    configured: Option<&Path>,
    nearest: &mut HashMap<PathBuf, Option<PathBuf>>,
) -> Option<PathBuf> {
    if let Some(configured) = configured {
        return Some(package.dir.join(configured));
    }
    // Canonical, so that the folders above a file reached by a `#[path]` with `..` are its
    // real ones.
    let dir = file
        .path
        .parent()
        .map(|dir| dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()))
        .unwrap_or_default();
    nearest
        .entry(dir.clone())
        .or_insert_with(|| nearest_flags_toml(&dir))
        .clone()
}

/// `via` (a path before a `flags` module) with its first segment, a dependency `renamed`,
/// spelt as the dependency's library is; `None` when it names no renamed workspace library.
fn library_renamed(
    via: &str,
    renamed: &[(String, String)],
    packages: &[Package],
) -> Option<String> {
    let (first, rest) = match via.split_once("::") {
        Some((first, rest)) => (first, Some(rest)),
        None => (via, None),
    };
    let (_, package) = renamed.iter().find(|(alias, _)| alias == first)?;
    let (library, _) = packages
        .iter()
        .find(|candidate| &candidate.name == package)?
        .library
        .as_ref()?;
    Some(match rest {
        Some(rest) => format!("{library}::{rest}"),
        None => library.clone(),
    })
}

/// The files of every crate of `packages`, scanned, sorted by path: each crate's root file and
/// the files its `mod` declarations bring in, as the compiler finds them. A file no crate
/// reaches (a trybuild case, a fixture, a snippet) is not code of the package.
fn crate_files(packages: &[Package]) -> Result<(Vec<FileScan>, Vec<Owner>), LoadError> {
    let canonical = |path: &Path| path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let mut seen = HashSet::new();
    // Each file to read, who owns it, and whether its inner modules are in its own folder.
    // Each file to read, who owns it, whether its inner modules are in its own folder, and
    // what the module declaring it imports.
    let mut pending: Vec<(PathBuf, Owner, bool, Option<scan::ParentScope>)> = Vec::new();
    let mut target = 0;
    for (package, found) in packages.iter().enumerate() {
        for root in &found.targets {
            if seen.insert(canonical(root)) {
                pending.push((root.clone(), Owner { package, target }, true, None));
            }
            target += 1;
        }
    }
    let mut scanned = Vec::new();
    while !pending.is_empty() {
        let paths: Vec<(PathBuf, Option<scan::ParentScope>)> = pending
            .iter()
            .map(|(path, _, _, parent)| (path.clone(), parent.clone()))
            .collect();
        let scans = scan_all(&paths)?;
        let mut next = Vec::new();
        for (scan, (path, owner, owns_folder, _)) in scans.into_iter().zip(pending) {
            for (position, declaration) in scan.modules.iter().enumerate() {
                if let Some(file) = module_file(&path, owns_folder, declaration)
                    && seen.insert(canonical(&file))
                {
                    let owns_folder = declaration.path.is_some()
                        || file.file_name().is_some_and(|name| name == "mod.rs");
                    let parent = scan.parent_scopes.get(&position).cloned();
                    next.push((file, owner, owns_folder, parent));
                }
            }
            // An included file is part of the including one; its modules are in its folder.
            for included in &scan.includes {
                let file = path.parent().map(|dir| dir.join(included));
                if let Some(file) = file.filter(|file| file.is_file())
                    && seen.insert(canonical(&file))
                {
                    next.push((file, owner, true, None));
                }
            }
            scanned.push((scan, owner));
        }
        pending = next;
    }
    scanned.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    Ok(scanned.into_iter().unzip())
}

/// The file of `mod NAME;` declared in `file`, if it exists: `NAME.rs` or `NAME/mod.rs` in
/// the file's folder when the file owns it (a crate root, a `mod.rs`, a file named by
/// `#[path]`), else in a folder named after the file; inline modules add a folder each, and
/// `#[path]` names the file itself.
fn module_file(file: &Path, owns_folder: bool, declaration: &ModuleDeclaration) -> Option<PathBuf> {
    let dir = file.parent()?;
    let from_own_folder = if declaration.inline.is_empty() {
        declaration.path.is_some()
    } else {
        declaration.inline_path
    };
    let mut base = if owns_folder || from_own_folder {
        dir.to_path_buf()
    } else {
        dir.join(file.file_stem()?)
    };
    base.extend(&declaration.inline);
    let candidates = match &declaration.path {
        Some(path) => vec![base.join(path)],
        None => vec![
            base.join(format!("{}.rs", declaration.name)),
            base.join(&declaration.name).join("mod.rs"),
        ],
    };
    candidates.into_iter().find(|candidate| candidate.is_file())
}

/// Scans files on every core.
fn scan_all(paths: &[(PathBuf, Option<scan::ParentScope>)]) -> Result<Vec<FileScan>, LoadError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .max(1);
    let chunk = paths.len().div_ceil(threads).max(1);
    let results: Vec<Result<Vec<FileScan>, LoadError>> = std::thread::scope(|scope| {
        let workers: Vec<_> = paths
            .chunks(chunk)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(path, parent)| {
                            scan::scan_file(path, parent.as_ref())
                                .map_err(|error| LoadError::Unreadable(path.clone(), error))
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker.join().unwrap_or_else(|_| {
                    Err(LoadError::Workspace("a scanning thread failed".to_owned()))
                })
            })
            .collect()
    });
    let mut files = Vec::with_capacity(paths.len());
    for result in results {
        files.extend(result?);
    }
    Ok(files)
}

/// `FLAGS_TOML` as a build run from `cwd` gives it to the macros: from the environment, or
/// from `[env]` in the Cargo configuration files, which Cargo does not pass to subcommands
/// (rust-lang/cargo#10094). The environment wins unless the configuration says `force`, and a
/// configuration in a deeper folder wins over one above it, as in Cargo. An empty value, set
/// (to turn a configured one off, say), is none to the macros.
fn configured_flags_toml(cwd: &Path) -> Option<PathBuf> {
    configured(std::env::var_os("FLAGS_TOML").map(PathBuf::from), cwd)
}

/// [`configured_flags_toml`], given the environment's value.
fn configured(from_environment: Option<PathBuf>, cwd: &Path) -> Option<PathBuf> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    let configuration_folders = cwd
        .ancestors()
        .map(|dir| dir.join(".cargo"))
        .chain(cargo_home);
    let value = 'found: {
        for folder in configuration_folders {
            let Some(entry) = ["config.toml", "config"]
                .iter()
                .find_map(|name| env_entry(&folder.join(name), "FLAGS_TOML"))
            else {
                continue;
            };
            break 'found match (from_environment, entry.force) {
                (Some(from_environment), false) => Some(from_environment),
                _ => Some(entry.value),
            };
        }
        from_environment
    };
    value.filter(|path| !path.as_os_str().is_empty())
}

/// A variable set in the `[env]` table of a Cargo configuration file.
struct EnvEntry {
    value: PathBuf,
    force: bool,
}

/// The variable `name` in the `[env]` of the configuration file at `path`, if it sets it: a
/// string, or a table with `value`, and `relative` (to the folder holding `.cargo`) and
/// `force` flags. A file Cargo could not read either is skipped; the build reports it.
fn env_entry(path: &Path, name: &str) -> Option<EnvEntry> {
    let text = std::fs::read_to_string(path).ok()?;
    let configuration: toml::Table = text.parse().ok()?;
    let entry = configuration.get("env")?.as_table()?.get(name)?;
    let (value, relative, force) = match entry {
        toml::Value::String(value) => (value.as_str(), false, false),
        toml::Value::Table(table) => (
            table.get("value")?.as_str()?,
            table.get("relative").and_then(toml::Value::as_bool) == Some(true),
            table.get("force").and_then(toml::Value::as_bool) == Some(true),
        ),
        _ => return None,
    };
    let value = if relative {
        // `path` is `<folder>/.cargo/config.toml`.
        path.parent()?.parent()?.join(value)
    } else {
        PathBuf::from(value)
    };
    Some(EnvEntry { value, force })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_entries_are_read_as_cargo_reads_them() {
        let root = std::env::temp_dir().join(format!("cargo-flags-env-{}", std::process::id()));
        let config = root.join(".cargo/config.toml");
        std::fs::create_dir_all(config.parent().unwrap()).unwrap();
        let entry = |text: &str| {
            std::fs::write(&config, text).unwrap();
            env_entry(&config, "FLAGS_TOML").map(|entry| (entry.value, entry.force))
        };
        assert_eq!(
            entry("[env]\nFLAGS_TOML = \"conf/flags.toml\""),
            Some((PathBuf::from("conf/flags.toml"), false))
        );
        assert_eq!(
            entry(
                "[env]\nFLAGS_TOML = { value = \"conf/flags.toml\", relative = true, force = true }"
            ),
            Some((root.join("conf/flags.toml"), true))
        );
        assert_eq!(entry("[env]\nOTHER = \"x\""), None);
        assert_eq!(entry("[env]\nFLAGS_TOML = 3"), None);
        assert_eq!(entry("not toml ["), None);

        // Set empty, in the environment or the configuration, it is unset.
        let cwd = root.join("member");
        std::fs::create_dir_all(&cwd).unwrap();
        std::fs::write(&config, "[env]\nFLAGS_TOML = \"conf/flags.toml\"").unwrap();
        assert_eq!(configured(Some(PathBuf::new()), &cwd), None);
        assert_eq!(
            configured(None, &cwd),
            Some(PathBuf::from("conf/flags.toml"))
        );
        std::fs::write(&config, "[env]\nFLAGS_TOML = \"\"").unwrap();
        assert_eq!(configured(None, &cwd), None);
        assert_eq!(
            configured(Some(PathBuf::from("mine.toml")), &cwd),
            Some(PathBuf::from("mine.toml"))
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
