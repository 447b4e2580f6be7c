//! The Rust names generated for a flag. `flags!()` defines them and `#[feature_flag]` uses
//! them, so both ask here; `cargo flags` asks `flags_schema::names` the same questions.

use flags_schema::{Flag, FlagKind, names};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

/// `new_registration_flow`
pub(crate) fn accessor(flag: &Flag, span: Span) -> Ident {
    Ident::new(&flag.name, span)
}

/// `new_registration_flow_detail`
pub(crate) fn detail_accessor(flag: &Flag) -> Ident {
    format_ident!("{}", names::detail_accessor(&flag.name))
}

/// `NEW_REGISTRATION_FLOW`
pub(crate) fn key(flag: &Flag, span: Span) -> Ident {
    Ident::new(&names::screaming(&flag.name), span)
}

/// `CheckoutLayout`
pub(crate) fn enum_name(flag: &Flag, span: Span) -> Ident {
    Ident::new(&flag.enum_name(), span)
}

/// `OnePage`
pub(crate) fn variant(name: &str, span: Span) -> Ident {
    Ident::new(&names::upper_camel(name), span)
}

/// The Rust type of the flag's values, inside the generated module.
pub(crate) fn value_type(flag: &Flag) -> TokenStream {
    match &flag.kind {
        FlagKind::Bool => quote!(bool),
        FlagKind::Int => quote!(i64),
        FlagKind::Float => quote!(f64),
        FlagKind::String => quote!(&'static str),
        FlagKind::Variants(_) => {
            let name = enum_name(flag, Span::call_site());
            quote!(#name)
        }
    }
}

/// A value of the flag as a Rust expression, inside the generated module (`Self`-free).
pub(crate) fn value(flag: &Flag, value: &flags_schema::Value) -> TokenStream {
    use flags_schema::Value;
    match (value, &flag.kind) {
        (Value::String(name), FlagKind::Variants(_)) => {
            let enum_name = enum_name(flag, Span::call_site());
            let variant = variant(name, Span::call_site());
            quote!(#enum_name::#variant)
        }
        (Value::Bool(value), _) => quote!(#value),
        (Value::Int(value), _) => {
            let literal = proc_macro2::Literal::i64_suffixed(*value);
            quote!(#literal)
        }
        (Value::Float(value), _) => {
            let literal = proc_macro2::Literal::f64_suffixed(*value);
            quote!(#literal)
        }
        (Value::String(text), _) => quote!(#text),
    }
}
