//! `flags!()`: from `flags.toml` to the typed module `flags`.

use std::path::Path;

use flags_schema::{Flag, FlagKind};
use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::LitStr;
use syn::parse::{Parse, ParseStream};

use crate::load::{self, LoadError, Loaded};
use crate::{docs, fallback, names};

/// `flags!()` or `flags!("path/to/flags.toml")`.
struct Input {
    path: Option<LitStr>,
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Ok(Input { path: None });
        }
        let path: LitStr = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected nothing or the path of a flags.toml: `flags!()` or \
                 `flags!(\"path/to/flags.toml\")`",
            )
        })?;
        if !input.is_empty() {
            return Err(input.error("expected only the path of a flags.toml"));
        }
        Ok(Input { path: Some(path) })
    }
}

pub(crate) fn expand(input: TokenStream, caller: Option<&Path>) -> TokenStream {
    match try_expand(input, caller) {
        Ok(tokens) => tokens,
        Err(error) => error.to_compile_error(),
    }
}

fn try_expand(input: TokenStream, caller: Option<&Path>) -> syn::Result<TokenStream> {
    let input: Input = syn::parse2(input)?;
    let span = input
        .path
        .as_ref()
        .map_or_else(Span::call_site, LitStr::span);
    let explicit = input.path.as_ref().map(LitStr::value);
    let path = load::locate(explicit.as_deref(), caller).map_err(|error| error.to_error(span))?;
    match load::load(&path, caller) {
        Ok(loaded) => Ok(module(&loaded, caller, TokenStream::new())),
        Err(error) => {
            let mut tokens = error.to_error(span).to_compile_error();
            if let LoadError::Invalid(diagnostics, Some(partial)) = &error {
                tokens.extend(fallback::module(
                    partial,
                    &path,
                    diagnostics.source().text(),
                    caller,
                ));
            }
            Ok(tokens)
        }
    }
}

/// The module of `loaded`'s flags, with `extra` items.
pub(crate) fn module(loaded: &Loaded, caller: Option<&Path>, extra: TokenStream) -> TokenStream {
    let today = load::today();
    let path = loaded.path.to_string_lossy().into_owned();
    let schema_id = loaded.schema_id;
    let schema = &loaded.schema;
    let count = schema.flags.len();
    let infos = schema.flags.iter().map(info);
    let items = schema
        .flags
        .iter()
        .enumerate()
        .map(|(index, flag)| flag_items(index, flag, today));
    let module_doc = module_doc(loaded, caller);
    let source = loaded.source.as_str();
    quote! {
        #[allow(dead_code)]
        pub mod flags {
            // Inner, so that its links (`[beta](beta())`) resolve inside the module. What
            // flags.toml says is shown, never run as a doctest of the caller's crate.
            #![cfg_attr(not(doctest), doc = #module_doc)]
            // Items of expired flags are deprecated, so that *users* are warned; here, where
            // they are defined and wired together, that is expected.
            #![allow(deprecated)]

            /// The compiled-in definitions: the very text the macro validated and `__SCHEMA`
            /// identifies. Including the file rebuilds the crate when it changes, and naming
            /// the variables the macro read rebuilds it when they do.
            const __SOURCE: &str = #source;
            const _: &[u8] = ::core::include_bytes!(#path);
            const _: ::core::option::Option<&str> = ::core::option_env!("FLAGS_TOML");
            const _: ::core::option::Option<&str> = ::core::option_env!("FLAGS_TODAY");
            const __SCHEMA: u64 = #schema_id;
            static __FLAGS: [::flags_runtime::FlagInfo; #count] = [#(#infos),*];

            /// The store of these flags: overrides, kill switches, environment, live file.
            ///
            /// Created on first use, in the environment named by `FLAGS_ENV`, watching the
            /// file named by `FLAGS_FILE`. Crates that use the same `flags.toml` share it.
            pub fn store() -> &'static ::flags_runtime::Store {
                static STORE: ::std::sync::OnceLock<&'static ::flags_runtime::Store> =
                    ::std::sync::OnceLock::new();
                // Not `get_or_init`: starting the store may log, and a logger that reads
                // these flags calls back in here, where it must get the store as it is so
                // far rather than wait for itself.
                ::flags_runtime::__private::cached_store(&STORE, #path, __SOURCE, __SCHEMA)
            }

            /// What `flags.toml` says about every flag, in declared order.
            pub fn all() -> &'static [::flags_runtime::FlagInfo] {
                &__FLAGS
            }

            #(#items)*

            #extra
        }
    }
}

fn module_doc(loaded: &Loaded, caller: Option<&Path>) -> String {
    let mut doc = format!(
        "The feature flags of `{}`, generated by `flags!()`.\n\n",
        load::display(&loaded.path, caller)
    );
    for flag in &loaded.schema.flags {
        doc.push_str(&format!(
            "* [`{}`]({}()): {}\n",
            flag.name,
            flag.name,
            docs::summary(&flag.description)
        ));
    }
    doc
}

fn info(flag: &Flag) -> TokenStream {
    let name = &flag.name;
    let description = &flag.description;
    let owner = &flag.owner;
    let expires = match &flag.expires {
        Some(expires) => {
            let text = expires.value.to_string();
            quote!(::core::option::Option::Some(#text))
        }
        None => quote!(::core::option::Option::None),
    };
    let permanent = flag.permanent;
    let pinned = flag.pinned;
    let kind = flag.kind.short_name();
    let variants = flag.kind.variants().iter().map(|variant| &variant.value);
    let default = flag.default.value.to_string();
    quote! {
        ::flags_runtime::FlagInfo {
            name: #name,
            description: #description,
            owner: #owner,
            expires: #expires,
            permanent: #permanent,
            pinned: #pinned,
            kind: #kind,
            variants: &[#(#variants),*],
            default: #default,
        }
    }
}

fn flag_items(index: usize, flag: &Flag, today: flags_schema::Date) -> TokenStream {
    let span = Span::call_site();
    let accessor = names::accessor(flag, span);
    let detail = names::detail_accessor(flag);
    let key = names::key(flag, span);
    let value_type = names::value_type(flag);
    let default = names::value(flag, &flag.default.value);
    let doc = docs::flag(flag, today);
    let detail_doc = format!(
        "The value of [`{}`]({}()) with the reason it was served.",
        flag.name, flag.name
    );
    let key_doc = if flag.pinned {
        format!(
            "The key of [`{}`]({}()), which is pinned: fixed at compile time, it refuses \
             overrides and kill switches (`SetError::Pinned`).",
            flag.name, flag.name
        )
    } else {
        format!(
            "The key of [`{}`]({}()), to override it, kill it or clear it through [`store()`].",
            flag.name, flag.name
        )
    };
    let deprecated = match &flag.expires {
        Some(expires) if flag.is_expired(today) => {
            let note = docs::expired(flag, expires.value);
            quote!(#[deprecated(note = #note)])
        }
        _ => quote!(),
    };
    let accessors = if flag.pinned {
        quote! {
            #[cfg_attr(not(doctest), doc = #doc)]
            #deprecated
            #[inline]
            #[must_use]
            pub const fn #accessor(_ctx: &::flags_runtime::Context<'_>) -> #value_type {
                #default
            }

            #[doc = #detail_doc]
            #[doc = ""]
            #[cfg_attr(not(doctest), doc = #doc)]
            #deprecated
            #[inline]
            #[must_use]
            pub const fn #detail(_ctx: &::flags_runtime::Context<'_>) -> ::flags_runtime::Detail<#value_type> {
                ::flags_runtime::Detail {
                    value: #default,
                    reason: ::flags_runtime::Reason::Pinned,
                }
            }
        }
    } else {
        // A variant flag is read as the store's one variant type, then made the enum: the
        // store's evaluation is compiled once for all variant flags of the crate, not once
        // per enum.
        let (value, detail_value) = match &flag.kind {
            FlagKind::Variants(variants) => {
                let enum_name = names::enum_name(flag, span);
                let default_name = match &flag.default.value {
                    flags_schema::Value::String(name) => name.as_str(),
                    _ => "",
                };
                let default_index = variants
                    .iter()
                    .position(|variant| variant.value == default_name)
                    .and_then(|index| u16::try_from(index).ok())
                    .unwrap_or(0);
                // `self::`: the module's key, even for a flag called `key`, whose key is
                // called `KEY` too.
                let variant_key = quote! {
                    const KEY: ::flags_runtime::FlagKey<::flags_runtime::__private::Variant> =
                        self::#key.__as_variant(::flags_runtime::__private::Variant {
                            index: #default_index,
                            name: ::core::option::Option::Some(#default_name),
                        });
                };
                (
                    quote! {
                        #variant_key
                        #enum_name::__from_variant(store().get(KEY, ctx)).unwrap_or(#default)
                    },
                    quote! {
                        #variant_key
                        let detail = store().detail(KEY, ctx);
                        match #enum_name::__from_variant(detail.value) {
                            ::core::option::Option::Some(value) => ::flags_runtime::Detail {
                                value,
                                reason: detail.reason,
                            },
                            ::core::option::Option::None => ::flags_runtime::Detail {
                                value: #default,
                                reason: ::flags_runtime::Reason::Unknown,
                            },
                        }
                    },
                )
            }
            _ => (
                quote!(store().get(#key, ctx)),
                quote!(store().detail(#key, ctx)),
            ),
        };
        quote! {
            #[cfg_attr(not(doctest), doc = #doc)]
            #deprecated
            #[inline]
            #[must_use]
            pub fn #accessor(ctx: &::flags_runtime::Context<'_>) -> #value_type {
                #value
            }

            #[doc = #detail_doc]
            #[doc = ""]
            #[cfg_attr(not(doctest), doc = #doc)]
            #deprecated
            #[inline]
            #[must_use]
            pub fn #detail(ctx: &::flags_runtime::Context<'_>) -> ::flags_runtime::Detail<#value_type> {
                #detail_value
            }
        }
    };
    let variant_enum = match &flag.kind {
        FlagKind::Variants(variants) => variant_enum(flag, variants, &deprecated, &doc),
        _ => quote!(),
    };
    let targeted = flag.is_targeted().then(|| quote!(.__targeted()));
    quote! {
        #variant_enum

        #[doc = #key_doc]
        #[doc = ""]
        #[cfg_attr(not(doctest), doc = #doc)]
        #deprecated
        pub const #key: ::flags_runtime::FlagKey<#value_type> =
            ::flags_runtime::FlagKey::__new(#index, __SCHEMA, #default, &__FLAGS[#index])
                #targeted;

        #accessors
    }
}

fn variant_enum(
    flag: &Flag,
    variants: &[flags_schema::Spanned<String>],
    deprecated: &TokenStream,
    flag_doc: &str,
) -> TokenStream {
    let span = Span::call_site();
    let name = names::enum_name(flag, span);
    let count = variants.len();
    let idents: Vec<_> = variants
        .iter()
        .map(|variant| names::variant(&variant.value, span))
        .collect();
    let texts: Vec<&String> = variants.iter().map(|variant| &variant.value).collect();
    let variant_docs = texts.iter().map(|text| format!("`{text}` in flags.toml."));
    let doc = format!(
        "The variants of [`{}`]({}()), in declared order.",
        flag.name, flag.name
    );
    let indices = (0..count).map(|index| index as u16);
    quote! {
        #[doc = #doc]
        #[doc = ""]
        #[cfg_attr(not(doctest), doc = #flag_doc)]
        #deprecated
        #[derive(
            ::core::fmt::Debug,
            ::core::clone::Clone,
            ::core::marker::Copy,
            ::core::cmp::PartialEq,
            ::core::cmp::Eq,
            ::core::hash::Hash,
            ::core::cmp::PartialOrd,
            ::core::cmp::Ord,
        )]
        pub enum #name {
            #(#[doc = #variant_docs] #idents,)*
        }

        impl #name {
            /// Every variant, in declared order.
            pub const ALL: [Self; #count] = [#(Self::#idents),*];

            /// The variant's name in flags.toml.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    #(Self::#idents => #texts,)*
                }
            }

            /// The variant called `name` in flags.toml.
            #[must_use]
            pub fn from_name(name: &str) -> ::core::option::Option<Self> {
                match name {
                    #(#texts => ::core::option::Option::Some(Self::#idents),)*
                    _ => ::core::option::Option::None,
                }
            }

            /// The variant a store served. A store built from another file may order the
            /// variants differently: the position is checked against the name it gives, and
            /// the name decides when they differ.
            #[doc(hidden)]
            #[must_use]
            pub fn __from_variant(
                variant: ::flags_runtime::__private::Variant,
            ) -> ::core::option::Option<Self> {
                let by_position = match variant.index {
                    #(#indices => ::core::option::Option::Some(Self::#idents),)*
                    _ => ::core::option::Option::None,
                };
                match variant.name {
                    ::core::option::Option::Some(name)
                        if by_position.is_none_or(|variant| variant.as_str() != name) =>
                    {
                        Self::from_name(name)
                    }
                    _ => by_position,
                }
            }
        }

        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::flags_runtime::FlagValue for #name {
            #[inline]
            fn __from_served(
                served: ::flags_runtime::__private::Served,
                variants: &[&'static str],
            ) -> ::core::option::Option<Self> {
                Self::__from_variant(
                    <::flags_runtime::__private::Variant as ::flags_runtime::FlagValue>::__from_served(
                        served, variants,
                    )?,
                )
            }

            fn __into_served(
                self,
                variants: &[&'static str],
            ) -> ::core::option::Option<::flags_runtime::__private::Served> {
                let index = if variants.is_empty() {
                    self as usize
                } else {
                    ::core::iter::Iterator::position(&mut variants.iter(), |name| {
                        *name == self.as_str()
                    })?
                };
                ::core::option::Option::Some(::flags_runtime::__private::Served::Variant(
                    <u16 as ::core::convert::TryFrom<usize>>::try_from(index).ok()?,
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// The accessor, the detail accessor, the key and the enum each carry the flag's
    /// description, owner and expiry, for whoever hovers over any of them.
    #[test]
    fn every_item_of_a_flag_carries_its_documentation() {
        let schema = flags_schema::Schema::parse(
            "flags.toml",
            "[flags.checkout_layout]\ndescription = \"Layouts compared\"\n\
             owner = \"payments-7f3\"\nexpires = 2099-01-15\n\
             variants = [\"classic\", \"one_page\"]\ndefault = \"classic\"\n",
        )
        .unwrap();
        let today = flags_schema::Date::new(2026, 11, 27).unwrap();
        let items: syn::File = syn::parse2(super::flag_items(0, &schema.flags[0], today)).unwrap();
        let documented = |name: &str| {
            let item = items
                .items
                .iter()
                .find(|item| match item {
                    syn::Item::Enum(item) => item.ident == name,
                    syn::Item::Const(item) => item.ident == name,
                    syn::Item::Fn(item) => item.sig.ident == name,
                    _ => false,
                })
                .unwrap();
            let attributes = match item {
                syn::Item::Enum(item) => &item.attrs,
                syn::Item::Const(item) => &item.attrs,
                syn::Item::Fn(item) => &item.attrs,
                _ => unreachable!(),
            };
            let text = quote::quote!(#(#attributes)*).to_string();
            text.contains("payments-7f3") && text.contains("2099-01-15")
        };
        for name in [
            "CheckoutLayout",
            "CHECKOUT_LAYOUT",
            "checkout_layout",
            "checkout_layout_detail",
        ] {
            assert!(documented(name), "{name}");
        }
    }
}
