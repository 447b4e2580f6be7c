//! Rewrites the function in place, like tracing-attributes: the signature is re-emitted as
//! written and the body is wrapped, so `self`, generics, lifetimes, `async` and attributes
//! keep working; no second function is created.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{AttrStyle, Attribute, FnArg, ItemFn, Pat, PatIdent};

use super::check::{Condition, Plan};

pub(crate) fn function(mut function: ItemFn, plan: Plan) -> TokenStream {
    // Arguments bound by a pattern (`(a, b): (u8, u8)`, `_: T`) get a name, so that they can
    // be passed on; the new body binds the pattern from it.
    let mut passed = Vec::new();
    let mut rebinds = Vec::new();
    let mut receiver = None;
    for (position, input) in function.sig.inputs.iter_mut().enumerate() {
        match input {
            FnArg::Receiver(own) => receiver = Some(own.self_token),
            FnArg::Typed(typed) => {
                // An argument that is configured out is not passed on either.
                let cfgs: Vec<&Attribute> = typed
                    .attrs
                    .iter()
                    .filter(|attribute| attribute.path().is_ident("cfg"))
                    .collect();
                let cfgs = quote!(#(#cfgs)*);
                // A name with an expectation (`#[expect(unused_variables)] referrer`) is
                // rebound in the body with it, as a pattern is: passed on, the parameter
                // itself would no longer meet it. Not the context, nor what `context = ..`
                // reads: the flag reads those before the body.
                let expects = typed
                    .attrs
                    .iter()
                    .any(|attribute| lint_levels(attribute).contains(&"expect"));
                match &*typed.pat {
                    Pat::Ident(PatIdent {
                        by_ref: None,
                        subpat: None,
                        ident,
                        ..
                    }) if !expects || plan.reads.contains(&ident.unraw()) => {
                        // Located at the attribute, not the signature (rustc would otherwise
                        // suggest edits to the signature when the fallback takes other
                        // arguments), but resolved as written: a name a `macro_rules!` gave
                        // must find its own binding.
                        let mut forwarded = ident.clone();
                        forwarded.set_span(ident.span().located_at(Span::call_site()));
                        passed.push(quote!(#cfgs #forwarded));
                    }
                    pattern => {
                        let name = format_ident!("__flags_argument_{}", position);
                        let pattern = pattern.clone();
                        // `ref mut` in the pattern borrows the argument mutably.
                        let mutability = borrows_mutably(&pattern).then(Default::default);
                        // Lint levels (`#[expect(unused_variables)]`) are about the names
                        // the pattern binds: they go with it.
                        let (lints, others): (Vec<Attribute>, Vec<Attribute>) =
                            std::mem::take(&mut typed.attrs)
                                .into_iter()
                                .partition(is_lint_level);
                        typed.attrs = others;
                        // `let _ = guard;` keeps the guard, as the parameter did: the lint
                        // against it is about code that means to drop one.
                        rebinds.push(quote! {
                            #cfgs #(#lints)*
                            #[allow(let_underscore_lock)]
                            let #pattern = #name;
                        });
                        passed.push(quote!(#cfgs #name));
                        *typed.pat = Pat::Ident(PatIdent {
                            attrs: Vec::new(),
                            by_ref: None,
                            mutability,
                            ident: name,
                            subpat: None,
                        });
                    }
                }
            }
        }
    }

    // Called, so generic arguments take the turbofish: `old<T>` as written is `old::<T>`.
    let mut fallback = plan.fallback.clone();
    for segment in &mut fallback.segments {
        if let syn::PathArguments::AngleBracketed(arguments) = &mut segment.arguments {
            arguments.colon2_token.get_or_insert_with(Default::default);
        }
    }
    let span = fallback.span();
    // In a method, a fallback named by one segment (`old`, `old::<T>`) is a method of `Self`.
    let callee =
        if receiver.is_some() && fallback.leading_colon.is_none() && fallback.segments.len() == 1 {
            quote_spanned!(span=> Self::#fallback)
        } else {
            quote_spanned!(span=> #fallback)
        };
    // The signature's own `self`, so that it resolves as written, shown at the fallback.
    let receiver_argument = receiver.map(|mut own| {
        own.span = own.span.located_at(span);
        quote!(#own,)
    });
    let mut fallback_call = quote_spanned!(span=> #callee(#receiver_argument #(#passed),*));
    if function.sig.asyncness.is_some() {
        fallback_call = quote_spanned!(span=> #fallback_call.await);
    }
    // In an `unsafe fn`, calling an unsafe fallback takes an `unsafe` block (edition 2024
    // warns otherwise), which a safe fallback does not need.
    if matches!(function.sig.safety, syn::Safety::Unsafe(_)) {
        let value = format_ident!("__flags_fallback", span = Span::mixed_site());
        fallback_call = quote_spanned! {span=>
            #[allow(unused_unsafe)]
            let #value = unsafe { #fallback_call };
            #value
        };
    }

    // The body as written, or its statements after the bindings of pattern arguments:
    // wrapped whole in a block of its own, a one-line body would be `unused_braces`. The
    // braces are then this crate's, of edition 2024, whatever the caller's: the temporaries
    // of the last expression go before the names the patterns bind.
    let body = &function.block;
    let new_path = if rebinds.is_empty() {
        quote!(#body)
    } else {
        let statements = &body.stmts;
        quote!({
            #(#rebinds)*
            #(#statements)*
        })
    };
    let branched = match plan.condition {
        Condition::Evaluated { setup, condition } => quote! {
            #setup
            if #condition #new_path else { #fallback_call }
        },
        // The flag is pinned: the chosen path is called directly, and the other one, still
        // type-checked, is removed by the optimizer.
        Condition::Pinned {
            new_path: new_path_taken,
            key,
            context,
        } => {
            let context = context.map(|context| {
                quote! {
                    if false {
                        let _: &::flags_runtime::Context<'_> = &(#context);
                    }
                }
            });
            let taken = if new_path_taken {
                quote!(true)
            } else {
                quote!(false)
            };
            quote! {
                let _: ::flags_runtime::FlagKey<_> = #key;
                #context
                if #taken #new_path else { #fallback_call }
            }
        }
    };

    let ItemFn {
        attrs, vis, sig, ..
    } = &function;
    // Inner attributes (`#![allow(...)]` atop the body) stay atop the body.
    let (inner, outer): (Vec<&Attribute>, Vec<&Attribute>) = attrs
        .iter()
        .partition(|attribute| matches!(attribute.style, AttrStyle::Inner(_)));
    quote! {
        #(#outer)*
        #vis #sig {
            #(#inner)*
            #branched
        }
    }
}

/// `#[allow]`, `#[expect]`, `#[warn]`, `#[deny]`, `#[forbid]`.
fn is_lint_level(attribute: &Attribute) -> bool {
    !lint_levels(attribute).is_empty()
}

/// The lint levels an attribute sets: `expect(..)` and the like, also under
/// `cfg_attr(predicate, ..)`.
fn lint_levels(attribute: &Attribute) -> Vec<&'static str> {
    fn levels_in(meta: &syn::Meta, levels: &mut Vec<&'static str>) {
        if let Some(level) = LINT_LEVELS.iter().find(|level| meta.path().is_ident(level)) {
            levels.push(level);
        } else if let syn::Meta::List(list) = meta
            && list.path.is_ident("cfg_attr")
            && let Ok(nested) = list.parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            )
        {
            for meta in nested.iter().skip(1) {
                levels_in(meta, levels);
            }
        }
    }
    let mut levels = Vec::new();
    levels_in(&attribute.meta, &mut levels);
    levels
}

const LINT_LEVELS: [&str; 5] = ["allow", "expect", "warn", "deny", "forbid"];

/// Whether `pattern` binds anything by `ref mut`.
fn borrows_mutably(pattern: &Pat) -> bool {
    struct Finder(bool);
    impl Visit<'_> for Finder {
        fn visit_pat_ident(&mut self, ident: &PatIdent) {
            self.0 |= ident.by_ref.is_some() && ident.mutability.is_some();
            syn::visit::visit_pat_ident(self, ident);
        }
    }
    let mut finder = Finder(false);
    finder.visit_pat(pattern);
    finder.0
}
