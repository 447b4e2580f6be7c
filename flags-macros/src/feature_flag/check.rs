//! Checks `#[feature_flag]` against `flags.toml` and the function, and decides what to emit.

use std::path::Path;

use flags_schema::{Flag, FlagKind, Value, names as schema_names};
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ItemFn, Pat, Type};

use super::args::{self, Args, KEYS};
use crate::ctxt::Ctxt;
use crate::load;
use crate::names;

/// What the rewritten function branches on.
pub(crate) enum Condition {
    /// The flag is evaluated: `condition` is a `bool` expression over `context`, after the
    /// statements `setup`.
    Evaluated {
        setup: TokenStream,
        condition: TokenStream,
    },
    /// The flag is pinned: the branch is decided now. `key` names the flag's key, so that
    /// using an expired flag still warns; `context`, a `context = EXPR` given, is still
    /// type-checked (and what it uses, used), for the day the flag is unpinned.
    Pinned {
        new_path: bool,
        key: TokenStream,
        context: Option<TokenStream>,
    },
}

pub(crate) struct Plan {
    pub(crate) condition: Condition,
    pub(crate) fallback: syn::Path,
    /// The names the flag's evaluation reads before the body: the context argument, or the
    /// variables `context = ...` uses.
    pub(crate) reads: Vec<Ident>,
}

pub(crate) fn plan(args: &mut Args, function: &ItemFn, caller: Option<&Path>) -> syn::Result<Plan> {
    let mut ctxt = Ctxt::default();
    args.report(&mut ctxt);
    let loaded = load::locate(None, caller)
        .and_then(|path| load::load(&path, caller))
        .map_err(|error| error.to_short_error(args.flag.span()));
    let loaded = match loaded {
        Ok(loaded) => Some(loaded),
        Err(error) => {
            ctxt.syn_error(error);
            None
        }
    };
    let name = args.flag.to_string();
    // `#[feature_flag(fallback = old)]`: the flag was left out (a flag may be called
    // `fallback`, so only when there is none; and `module` alone is a flag's name, mistyped).
    let left_out = KEYS.contains(&name.as_str())
        && args.variant.is_some()
        && loaded
            .as_ref()
            .is_some_and(|loaded| loaded.schema.flag(&name).is_none());
    let flag = loaded.as_ref().and_then(|loaded| {
        let found = loaded.schema.flag(&name);
        match found {
            Some(_) => {}
            None if left_out => ctxt.syn_error(args::left_out(&args.flag)),
            None => ctxt.syn_error(unknown_flag(&args.flag, loaded, caller)),
        }
        found
    });
    if args.fallback.is_none() && !args.misspelt_fallback && !left_out {
        // The help shows the attribute as it should be: with the flag's right name, when the
        // one written is a near miss.
        let flag_name = match (&flag, &loaded) {
            (None, Some(loaded)) => flags_schema::suggest(&name, loaded.schema.flag_names())
                .map_or_else(|| name.clone(), str::to_owned),
            _ => name.clone(),
        };
        // A variant flag's attribute keeps its variant: `checkout_layout = one_page`.
        let variant = args
            .variant
            .as_ref()
            .map_or_else(String::new, |variant| format!(" = {variant}"));
        ctxt.syn_error(syn::Error::new(
            Span::call_site(),
            format!(
                "missing `fallback = ...`: the function to call when the flag is off\n\
                 help: `#[feature_flag({flag_name}{variant}, fallback = {}_legacy)]`",
                function.sig.ident
            ),
        ));
    }
    let variant = flag.and_then(|flag| check_form(&mut ctxt, args, flag));
    let module = args
        .module
        .as_ref()
        .map_or_else(|| quote!(crate::flags), ToTokens::to_token_stream);
    let mut reads = Vec::new();
    let condition = match flag {
        Some(flag) if flag.pinned => {
            let flag_span = args.flag.span();
            let key = names::key(flag, flag_span);
            match args
                .context
                .as_ref()
                .map(|_| context(&mut ctxt, args, function))
            {
                // Reported.
                Some(None) => None,
                context => {
                    let context = context.flatten();
                    reads = context.as_ref().map(names_read).unwrap_or_default();
                    Some(Condition::Pinned {
                        new_path: pinned_branch(flag, variant.as_deref()),
                        key: quote_spanned!(flag_span=> #module::#key),
                        context,
                    })
                }
            }
        }
        Some(flag) => context(&mut ctxt, args, function).map(|context| {
            reads = names_read(&context);
            let flag_span = args.flag.span();
            let accessor = names::accessor(flag, flag_span);
            let call = quote_spanned!(flag_span=> #module::#accessor(&(#context)));
            match &variant {
                None => Condition::Evaluated {
                    setup: TokenStream::new(),
                    condition: call,
                },
                Some(variant) => {
                    let enum_name = names::enum_name(flag, flag_span);
                    let variant_span = args.variant.as_ref().map_or(flag_span, Ident::span);
                    let variant = names::variant(variant, variant_span);
                    let served = format_ident!("__flags_served", span = Span::mixed_site());
                    let on = format_ident!("__flags_on", span = Span::mixed_site());
                    // An expired flag warns once, at the accessor: its enum and variant are
                    // deprecated too, but they are the same mistake.
                    Condition::Evaluated {
                        setup: quote_spanned! {variant_span=>
                            let #served = #call;
                            #[allow(deprecated)]
                            let #on = #served == #module::#enum_name::#variant;
                        },
                        condition: quote!(#on),
                    }
                }
            }
        }),
        None => None,
    };
    ctxt.check()?;
    match (condition, args.fallback.take()) {
        (Some(condition), Some(fallback)) => Ok(Plan {
            condition,
            fallback,
            reads,
        }),
        // Unreachable: the missing parts were reported, and `check` returned them.
        _ => Err(syn::Error::new(
            Span::call_site(),
            "invalid #[feature_flag]",
        )),
    }
}

fn unknown_flag(name: &Ident, loaded: &load::Loaded, caller: Option<&Path>) -> syn::Error {
    let text = name.to_string();
    let help = match flags_schema::suggest(&text, loaded.schema.flag_names()) {
        Some(similar) => format!("help: a flag with a similar name exists: `{similar}`\n"),
        None => String::new(),
    };
    syn::Error::new(
        name.span(),
        format!(
            "unknown feature flag `{text}`\n{help}note: flags are declared in {}",
            load::display(&loaded.path, caller)
        ),
    )
}

/// Checks that the form used fits the flag's kind; returns the variant's flags.toml name.
fn check_form(ctxt: &mut Ctxt, args: &Args, flag: &Flag) -> Option<String> {
    let name = &flag.name;
    match (&flag.kind, &args.variant) {
        (FlagKind::Bool, None) => None,
        (FlagKind::Bool, Some(variant)) => {
            ctxt.error_spanned_by(
                variant,
                format!(
                    "flag `{name}` is a boolean flag, it has no variants\n\
                     help: write `#[feature_flag({name}, fallback = ...)]`"
                ),
            );
            None
        }
        (FlagKind::Variants(variants), None) => {
            let first = variants
                .first()
                .map_or("classic", |variant| variant.value.as_str());
            ctxt.error_spanned_by(
                &args.flag,
                format!(
                    "flag `{name}` is a variant flag: say which variant runs this function\n\
                     help: write `#[feature_flag({name} = {first}, fallback = ...)]`; the variants are {}",
                    list(variants)
                ),
            );
            None
        }
        (FlagKind::Variants(variants), Some(variant)) => {
            let written = variant.to_string();
            let found = variants.iter().find(|declared| {
                declared.value == written || schema_names::upper_camel(&declared.value) == written
            });
            match found {
                Some(found) => Some(found.value.clone()),
                None => {
                    // Suggested in the form written: `OnePag` is close to `OnePage`.
                    let camel = written.starts_with(|first: char| first.is_ascii_uppercase());
                    let forms: Vec<String> = variants
                        .iter()
                        .map(|variant| {
                            if camel {
                                schema_names::upper_camel(&variant.value)
                            } else {
                                variant.value.clone()
                            }
                        })
                        .collect();
                    let help =
                        match flags_schema::suggest(&written, forms.iter().map(String::as_str)) {
                            Some(similar) => {
                                format!("help: a variant with a similar name exists: `{similar}`")
                            }
                            None => format!("help: the variants are {}", list(variants)),
                        };
                    ctxt.error_spanned_by(
                        variant,
                        format!("unknown variant `{written}` of flag `{name}`\n{help}"),
                    );
                    None
                }
            }
        }
        (kind, _) => {
            ctxt.error_spanned_by(
                &args.flag,
                format!(
                    "flag `{name}` is {} flag; #[feature_flag] branches on boolean and variant flags\n\
                     help: read its value with `flags::{name}(&ctx)`",
                    kind.describe()
                ),
            );
            None
        }
    }
}

fn list(variants: &[flags_schema::Spanned<String>]) -> String {
    variants
        .iter()
        .map(|variant| format!("`{}`", variant.value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which path a pinned flag takes.
fn pinned_branch(flag: &Flag, variant: Option<&str>) -> bool {
    match (&flag.default.value, variant) {
        (Value::Bool(on), None) => *on,
        (Value::String(default), Some(variant)) => default == variant,
        _ => false,
    }
}

/// The expression giving the `Context`: `context = EXPR`, or the one argument of type
/// `Context`, `&Context` or `&mut Context`.
fn context(ctxt: &mut Ctxt, args: &Args, function: &ItemFn) -> Option<TokenStream> {
    if let Some(context) = &args.context {
        let context = context.to_token_stream();
        return match bound_only_in_the_body(function, context.clone()) {
            None => Some(context),
            Some((used, pattern)) => {
                ctxt.error_spanned_by(
                    &used,
                    format!(
                        "`{used}` is bound by the argument pattern `{pattern}`, which \
                         #[feature_flag] binds only inside the new body, after the flag is \
                         evaluated\n\
                         help: give that argument a name, and reach into it in `context = ...`"
                    ),
                );
                None
            }
        };
    }
    // `flags_runtime::Context` first, then `Context` (not `egui::Context` imported by name
    // beside the runtime's named by its path); another path's `Context` (`fr::Context`,
    // through an alias) only when there is none of those (not `egui::Context` beside it).
    let kinds: Vec<(&syn::PatType, ContextKind)> = function
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some((typed, context_kind(&typed.ty))),
            FnArg::Receiver(_) => None,
        })
        .collect();
    let wanted = [ContextKind::Runtime, ContextKind::Named]
        .into_iter()
        .find(|wanted| kinds.iter().any(|(_, kind)| kind == wanted))
        .unwrap_or(ContextKind::Perhaps);
    let candidates: Vec<&syn::PatType> = kinds
        .iter()
        .filter(|(_, kind)| *kind == wanted)
        .map(|(typed, _)| *typed)
        .collect();
    let flag = &args.flag;
    match candidates.as_slice() {
        [] => {
            ctxt.error_spanned_by(
                &function.sig.ident,
                format!(
                    "cannot find the `Context` to evaluate flag `{flag}` for\n\
                     help: take an argument `ctx: &Context`, or say where it comes from: \
                     `#[feature_flag({flag}, fallback = ..., context = user.flag_context())]`"
                ),
            );
            None
        }
        [only] => match &*only.pat {
            // Not `ref ctx`: #[feature_flag] binds it only inside the new body.
            Pat::Ident(ident) if ident.subpat.is_none() && ident.by_ref.is_none() => {
                let name = &ident.ident;
                Some(quote!(#name))
            }
            pattern => {
                ctxt.error_spanned_by(
                    pattern,
                    "the `Context` argument must be a plain name to be used by #[feature_flag]\n\
                     help: bind it to a name, or say where the context comes from: `context = ...`",
                );
                None
            }
        },
        [_, second, ..] => {
            let names: Vec<String> = candidates
                .iter()
                .map(|candidate| candidate.pat.to_token_stream().to_string())
                .collect();
            // The help names an argument that `context = ...` can use: one bound to a name.
            let usable = candidates
                .iter()
                .find_map(|candidate| match &*candidate.pat {
                    Pat::Ident(ident) if ident.subpat.is_none() && ident.by_ref.is_none() => {
                        Some(ident.ident.to_string())
                    }
                    _ => None,
                })
                .unwrap_or_else(|| "...".to_owned());
            ctxt.syn_error(syn::Error::new(
                second.span(),
                format!(
                    "more than one `Context` argument ({})\nhelp: say which one the flag is \
                     evaluated for: `#[feature_flag({flag}, fallback = ..., context = {usable})]`",
                    names.join(", "),
                ),
            ));
            None
        }
    }
}

/// The variables an expression may read: its names, but for fields and methods (`.name`, not
/// `..name`) and the segments after a path's first (`a::name`, not `Opts { id: name }`),
/// without `r#`. A name counted that is not read costs an unmet expectation, a warning; one
/// missed, a build error: when unsure, it counts.
fn names_read(tokens: &TokenStream) -> Vec<Ident> {
    let mut names = Vec::new();
    // The punctuation right before the token, the last two characters of it.
    let mut before: (Option<char>, Option<char>) = (None, None);
    for token in tokens.clone() {
        let field_or_segment = matches!(before, (Some('.'), last) if last != Some('.'))
            || matches!(before, (Some(':'), Some(':')));
        match &token {
            proc_macro2::TokenTree::Ident(ident) if !field_or_segment => {
                names.push(ident.unraw());
            }
            proc_macro2::TokenTree::Group(group) => names.extend(names_read(&group.stream())),
            _ => {}
        }
        before = match &token {
            proc_macro2::TokenTree::Punct(punct) => (Some(punct.as_char()), before.0),
            _ => (None, None),
        };
    }
    names
}

/// A name that `context` uses but that only an argument pattern (`(user, n): (&User, u8)`,
/// `ref user: User`) binds, and the pattern: such arguments are passed whole, and bound by
/// their pattern inside the new body only.
fn bound_only_in_the_body(function: &ItemFn, context: TokenStream) -> Option<(Ident, String)> {
    struct Bindings(Vec<Ident>);
    impl syn::visit::Visit<'_> for Bindings {
        fn visit_pat_ident(&mut self, binding: &syn::PatIdent) {
            self.0.push(binding.ident.clone());
            syn::visit::visit_pat_ident(self, binding);
        }
    }
    fn find(tokens: TokenStream, bound: &[Ident]) -> Option<Ident> {
        let mut after_dot = false;
        for token in tokens {
            let found = match &token {
                // `req.user` is a field, not the binding `user`.
                proc_macro2::TokenTree::Ident(ident) if !after_dot && bound.contains(ident) => {
                    Some(ident.clone())
                }
                proc_macro2::TokenTree::Group(group) => find(group.stream(), bound),
                _ => None,
            };
            if found.is_some() {
                return found;
            }
            after_dot =
                matches!(&token, proc_macro2::TokenTree::Punct(punct) if punct.as_char() == '.');
        }
        None
    }
    function.sig.inputs.iter().find_map(|input| {
        let FnArg::Typed(typed) = input else {
            return None;
        };
        let plain = matches!(&*typed.pat, Pat::Ident(ident) if ident.subpat.is_none() && ident.by_ref.is_none());
        if plain {
            return None;
        }
        let mut bindings = Bindings(Vec::new());
        syn::visit::Visit::visit_pat(&mut bindings, &typed.pat);
        let used = find(context.clone(), &bindings.0)?;
        Some((used, typed.pat.to_token_stream().to_string()))
    })
}

/// Whether an argument's type is the flags' `Context`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ContextKind {
    /// `&flags_runtime::Context<'_>`, `&mut ::flags_runtime::Context`.
    Runtime,
    /// `Context`, `&Context<'_>`: mostly the runtime's, imported.
    Named,
    /// Another path's `Context`: an alias of the runtime (`fr::Context`), or another crate's
    /// (`egui::Context`).
    Perhaps,
    /// Anything else, the standard library's `Context` included (`std::task::Context`,
    /// which `poll` functions take).
    No,
}

fn context_kind(ty: &Type) -> ContextKind {
    match ty {
        Type::Reference(reference) => context_kind(&reference.elem),
        Type::Paren(inner) => context_kind(&inner.elem),
        Type::Group(inner) => context_kind(&inner.elem),
        Type::Path(path) if path.qself.is_none() => {
            let segments: Vec<&Ident> = path
                .path
                .segments
                .iter()
                .map(|segment| &segment.ident)
                .collect();
            match segments.as_slice() {
                [.., last] if *last != "Context" => ContextKind::No,
                [_] => ContextKind::Named,
                [.., module, _] if *module == "flags_runtime" => ContextKind::Runtime,
                [root, ..] if matches!(root.to_string().as_str(), "std" | "core" | "alloc") => {
                    ContextKind::No
                }
                _ => ContextKind::Perhaps,
            }
        }
        _ => ContextKind::No,
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    /// Fields, methods and later path segments are not variables; struct fields' values,
    /// what `..` takes, and everything else are.
    #[test]
    fn the_names_read_are_the_variables_an_expression_may_use() {
        let names = |tokens: proc_macro2::TokenStream| -> Vec<String> {
            super::names_read(&tokens)
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(names(quote!(user.ctx)), ["user"]);
        assert_eq!(names(quote!(Foo::<T>::ctx(&x))), ["Foo", "T", "x"]);
        assert_eq!(
            names(quote!(Context::from(Opts { id: userID }))),
            ["Context", "Opts", "id", "userID"]
        );
        assert_eq!(names(quote!(&Ctx { ..base })), ["Ctx", "base"]);
        assert_eq!(names(quote!(contexts[lo..hi])), ["contexts", "lo", "hi"]);
        assert_eq!(names(quote!(r#ctx)), ["ctx"]);
    }
}
