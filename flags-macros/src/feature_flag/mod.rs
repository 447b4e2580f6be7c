//! `#[feature_flag]`: read the arguments, check them against `flags.toml`, rewrite the
//! function.
//!
//! ```text
//! Args::parse -> check::plan (flag, form, fallback, context) -> expand::function
//! ```
//!
//! On any error the function is emitted unchanged next to the errors, so that one mistake
//! gives one error and the rest of the crate still type-checks.

mod args;
mod check;
mod expand;

use std::path::Path;

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::quote;
use syn::ItemFn;

use crate::ctxt::with_fallback;

pub(crate) fn expand(args: TokenStream, item: TokenStream, caller: Option<&Path>) -> TokenStream {
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        // A function whose body does not parse: rustc has reported why, and still runs the
        // attribute on what it recovered. As written, the function gives that error once
        // more at the same place, which rustc shows once, and nothing else.
        Err(_) if syn::parse2::<syn::Item>(item.clone()).is_err() && is_a_function(&item) => {
            return item;
        }
        Err(_) => {
            let error = syn::Error::new(
                Span::call_site(),
                "#[feature_flag] applies to functions with a body",
            );
            return with_fallback(error, item);
        }
    };
    // On an error the function is emitted as written, where the context argument would be
    // unused without the flag: no warning on top.
    let unchanged = quote!(#[allow(unused_variables)] #item);
    let mut args: args::Args = match syn::parse2(args) {
        Ok(args) => args,
        Err(error) => return with_fallback(error, unchanged),
    };
    match check::plan(&mut args, &function, caller) {
        Ok(plan) => expand::function(function, plan),
        Err(error) => with_fallback(error, unchanged),
    }
}

/// Whether the item's tokens declare a function: `fn` and a name, after attributes and
/// qualifiers, before any body.
fn is_a_function(item: &TokenStream) -> bool {
    let mut tokens = item.clone().into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Ident(ident) if ident == "fn" => {
                return matches!(tokens.peek(), Some(TokenTree::Ident(_)));
            }
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => return false,
            _ => {}
        }
    }
    false
}
