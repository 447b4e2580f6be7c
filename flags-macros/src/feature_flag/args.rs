//! The arguments of `#[feature_flag(...)]`: `NAME` or `NAME = VARIANT`, then
//! `fallback = PATH`, `context = EXPR` and `module = PATH` in any order.

use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, Path, Token};

use crate::ctxt::Ctxt;

pub(crate) const KEYS: &[&str] = &["fallback", "context", "module"];

pub(crate) struct Args {
    pub(crate) flag: Ident,
    pub(crate) variant: Option<Ident>,
    pub(crate) fallback: Option<Path>,
    pub(crate) context: Option<Expr>,
    pub(crate) module: Option<Path>,
    /// An unknown argument looked like `fallback`: its absence is already explained.
    pub(crate) misspelt_fallback: bool,
    /// Problems found while reading, reported together with the checks' problems.
    pub(crate) errors: Vec<syn::Error>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input.error(
                "expected the flag: `#[feature_flag(new_registration_flow, fallback = old_fn)]`",
            ));
        }
        // `#[feature_flag(fallback = a::b)]`: the flag was left out, as a flag's variant is
        // one name. (`fallback = old` may be a variant flag called `fallback`: the check
        // against flags.toml tells.)
        if let Ok(first) = input.fork().parse::<Ident>()
            && KEYS.contains(&first.to_string().as_str())
            && input.peek2(Token![=])
        {
            let fork = input.fork();
            let one_name = fork.parse::<Ident>().is_ok()
                && fork.parse::<Token![=]>().is_ok()
                && fork.parse::<Ident>().is_ok()
                && (fork.is_empty() || fork.peek(Token![,]));
            if !one_name {
                return Err(left_out(&first));
            }
        }
        let flag: Ident = input.parse()?;
        let variant = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse::<Ident>().map_err(|error| {
                syn::Error::new(
                    error.span(),
                    "expected a variant of the flag: `#[feature_flag(checkout_layout = one_page, ...)]`",
                )
            })?)
        } else {
            None
        };
        let mut args = Args {
            flag,
            variant,
            fallback: None,
            context: None,
            module: None,
            misspelt_fallback: false,
            errors: Vec::new(),
        };
        if let Err(error) = args.read_keys(input) {
            // A syntax error ends the reading: report it with what was found before it.
            let mut errors = std::mem::take(&mut args.errors);
            errors.push(error);
            let combined = errors.into_iter().reduce(|mut all, next| {
                all.combine(next);
                all
            });
            if let Some(combined) = combined {
                return Err(combined);
            }
        }
        Ok(args)
    }
}

/// The error for arguments that start with `KEY = ...`: the flag's name is missing.
pub(crate) fn left_out(key: &Ident) -> syn::Error {
    syn::Error::new(
        key.span(),
        format!(
            "expected the flag's name first, before `{key} = ...`\n\
             help: `#[feature_flag(new_registration_flow, fallback = old_fn)]`"
        ),
    )
}

impl Args {
    /// `, key = value` pairs to the end; errors that leave the rest readable go to `errors`.
    fn read_keys(&mut self, input: ParseStream<'_>) -> syn::Result<()> {
        let args = self;
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "fallback" => set(&mut args.errors, &mut args.fallback, &key, input.parse()?),
                "module" => set(&mut args.errors, &mut args.module, &key, input.parse()?),
                "context" => set(&mut args.errors, &mut args.context, &key, input.parse()?),
                other => {
                    let similar = flags_schema::suggest(other, KEYS.iter().copied());
                    args.misspelt_fallback |= similar == Some("fallback");
                    let help = match similar {
                        Some(similar) => format!("did you mean `{similar}`?"),
                        None => "expected `fallback`, `context` or `module`".to_owned(),
                    };
                    args.errors.push(syn::Error::new(
                        key.span(),
                        format!("unknown argument `{other}`\nhelp: {help}"),
                    ));
                    // Skip the value, so that the rest is still read.
                    let _: Expr = input.parse()?;
                }
            }
        }
        Ok(())
    }
}

fn set<T>(errors: &mut Vec<syn::Error>, slot: &mut Option<T>, key: &Ident, value: T) {
    if slot.is_some() {
        errors.push(syn::Error::new(
            key.span(),
            format!("`{key}` is given twice"),
        ));
    } else {
        *slot = Some(value);
    }
}

impl Args {
    /// Moves the reading errors into `ctxt`.
    pub(crate) fn report(&mut self, ctxt: &mut Ctxt) {
        for error in self.errors.drain(..) {
            ctxt.syn_error(error);
        }
    }
}
