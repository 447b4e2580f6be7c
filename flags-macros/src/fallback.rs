//! What `flags!()` emits beside the errors of an invalid `flags.toml`: the module, with every
//! flag that could be read. Without it each use of `flags::...` in the crate would add an
//! "unresolved module" error to the file's own; with it, a mistake in `flags.toml` reads as
//! that mistake only, as thiserror's `fallback.rs` does for a derive. The crate does not
//! compile either way, so nothing here ever runs.

use std::collections::HashSet;
use std::path::Path;

use flags_schema::{Flag, FlagKind, Partial, Schema, Spanned, Value, names};
use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::load::Loaded;
use crate::module;

/// The module for what could be read of the invalid file at `path`: the flags whose names
/// make Rust names, typed where their type could be read, and generic where it could not.
pub(crate) fn module(
    partial: &Partial,
    path: &Path,
    text: &str,
    caller: Option<&Path>,
) -> TokenStream {
    // The module's own items come first: a flag called `store` is an error in the file.
    let mut taken: HashSet<String> = names::RESERVED
        .iter()
        .map(|&name| name.to_owned())
        .collect();
    let mut typed = Vec::new();
    let mut untyped = TokenStream::new();
    for flag in &partial.schema.flags {
        if !usable(&flag.name) {
            continue;
        }
        let cleaned = if partial.untyped.contains(&flag.name) {
            None
        } else {
            typed_flag(flag)
        };
        let mut generated = vec![
            flag.name.clone(),
            names::detail_accessor(&flag.name),
            names::screaming(&flag.name),
        ];
        if let Some(Flag {
            kind: FlagKind::Variants(_),
            ..
        }) = &cleaned
        {
            generated.push(flag.enum_name());
        }
        // Two flags that make the same Rust name: the file's errors say so, and the module
        // keeps the first.
        if generated.iter().any(|name| taken.contains(name)) {
            continue;
        }
        taken.extend(generated);
        match cleaned {
            Some(flag) => typed.push(flag),
            None => untyped.extend(untyped_items(flag)),
        }
    }
    let loaded = Loaded {
        path: path.to_path_buf(),
        schema: Schema {
            flags: typed,
            ..Schema::default()
        },
        source: text.to_owned(),
        schema_id: 1,
    };
    module::module(&loaded, caller, untyped)
}

/// Whether `name` makes a Rust name, as flag and variant names must.
fn usable(name: &str) -> bool {
    names::is_snake_case(name) && !names::is_keyword(name)
}

/// The flag with only the variants that make Rust names, once each, and a default of its
/// type; `None` if no variant is left.
fn typed_flag(flag: &Flag) -> Option<Flag> {
    let mut flag = flag.clone();
    if let FlagKind::Variants(variants) = &mut flag.kind {
        let mut seen = HashSet::new();
        variants.retain(|variant| {
            usable(&variant.value) && seen.insert(names::upper_camel(&variant.value))
        });
    }
    if !flag.kind.accepts(&flag.default.value) {
        let default = match &flag.kind {
            FlagKind::Bool => Value::Bool(false),
            FlagKind::Int => Value::Int(0),
            FlagKind::Float => Value::Float(0.0),
            FlagKind::String => Value::String(String::new()),
            FlagKind::Variants(variants) => Value::String(variants.first()?.value.clone()),
        };
        flag.default = Spanned {
            value: default,
            span: flag.default.span,
        };
    }
    Some(flag)
}

/// A flag whose type could not be read: accessors of whatever type the code expects.
fn untyped_items(flag: &Flag) -> TokenStream {
    let accessor = crate::names::accessor(flag, Span::call_site());
    let detail = crate::names::detail_accessor(flag);
    let doc = format!("`{}`, whose type flags.toml does not give yet.", flag.name);
    quote! {
        #[doc = #doc]
        #[must_use]
        pub fn #accessor<T>(_ctx: &::flags_runtime::Context<'_>) -> T {
            ::core::unreachable!()
        }

        #[doc = #doc]
        #[must_use]
        pub fn #detail<T>(_ctx: &::flags_runtime::Context<'_>) -> ::flags_runtime::Detail<T> {
            ::core::unreachable!()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use flags_schema::{Schema, SourceFile};

    /// The names `flags!()` defines in its module for `text`, which must be invalid.
    fn defined(text: &str) -> Vec<String> {
        let source = Arc::new(SourceFile::new("flags.toml", text));
        let (_, partial) = Schema::parse_partial(source).unwrap_err();
        let tokens = super::module(&partial.unwrap(), Path::new("/x/flags.toml"), text, None);
        let file: syn::File = syn::parse2(tokens).unwrap();
        let [syn::Item::Mod(module)] = &file.items[..] else {
            panic!("one module expected");
        };
        let mut names = Vec::new();
        for item in &module.content.as_ref().unwrap().1 {
            match item {
                syn::Item::Fn(function) => names.push(function.sig.ident.to_string()),
                syn::Item::Const(constant) if constant.ident != "_" => {
                    names.push(constant.ident.to_string());
                }
                syn::Item::Enum(enumeration) => {
                    let variants: Vec<String> = enumeration
                        .variants
                        .iter()
                        .map(|variant| variant.ident.to_string())
                        .collect();
                    names.push(format!("{}{variants:?}", enumeration.ident));
                }
                _ => {}
            }
        }
        names
    }

    #[test]
    fn flags_that_make_rust_names_are_defined_once() {
        let names = defined(
            r#"
[flags.New-Flow]
default = false
[flags.type]
default = 1
[flags.store]
default = true
[flags.layout]
variants = ["classic", "one_page"]
default = "gold"
[flags.modes]
variants = ["fast", "self", "fast"]
default = "fast"
[flags.speed]
variants = ["fast", "slow"]
[flags.theme]
description = "no default"
[flags.theme_detail]
default = true
"#,
        );
        assert_eq!(
            names,
            [
                "__SOURCE",
                "__SCHEMA",
                "store",
                "all",
                "Layout[\"Classic\", \"OnePage\"]",
                "LAYOUT",
                "layout",
                "layout_detail",
                "Speed[\"Fast\", \"Slow\"]",
                "SPEED",
                "speed",
                "speed_detail",
                "modes",
                "modes_detail",
                "theme",
                "theme_detail",
            ]
        );
    }
}
