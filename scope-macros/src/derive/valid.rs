//! Every rule of `#[derive(Scoped)]`, checked before any code is written: the
//! grammar on each literal (the very functions `scopes!` and
//! `sales_channel_scopes!` run, so the messages are theirs), and the derive's own
//! rules (one `#[scope]` per place, unit variants, no unions or generics,
//! distinct scope sets and names).

use proc_macro::{Span, TokenStream, TokenTree};

use super::ast::{Data, Input, Variant};
use super::attr::{self, Options, Place, Text};
use super::errors::Errors;
use crate::grammar::{ErrorKind, Key, Parsed, ScopeError, set_conflict};
use crate::sales_channel::parse_sales_channel_set;
use crate::scope_literal::parse_set;

/// What `expand` writes code for: checked, with faulty parts replaced by
/// placeholders so that one error shows, not its follow-on type errors.
pub(crate) struct Model {
    pub ident: String,
    pub vis: String,
    /// The path to scope-core, as text.
    pub krate: String,
    pub body: Body,
    pub serde: bool,
    pub sales_channel: bool,
}

pub(crate) enum Body {
    Enum(Vec<VariantModel>),
    /// The struct's scopes; `None` when they are missing or faulty.
    Struct(Option<Scopes>),
    /// An item the derive does not take (a union, variants with fields): only
    /// the trait, so uses of it raise no follow-on errors.
    Fallback,
}

pub(crate) struct VariantModel {
    pub ident: String,
    /// Its name in config files.
    pub name: String,
    /// `None` when missing or faulty.
    pub scopes: Option<Scopes>,
}

/// Scope text that passed the grammar, and its parsed scopes.
pub(crate) struct Scopes {
    pub text: String,
    pub parsed: Vec<Parsed>,
}

const DEFAULT_CRATE: &str = "::scope_core";

/// Checks `input`; `None` when no code can be written (generic items).
pub(crate) fn check(input: &Input, errors: &mut Errors) -> Option<Model> {
    let name = input.ident.to_string();
    if let Some(span) = input.generics {
        errors.at(
            span,
            format!(
                "`#[derive(Scoped)]` does not take generic parameters or a where clause on `{name}`: scopes are fixed in code, so derive it on a concrete type"
            ),
        );
        return None;
    }
    let (place, owner) = match input.data {
        Data::Enum(_) => (Place::Enum, format!("enum `{name}`")),
        Data::Struct { .. } => (Place::Struct, format!("struct `{name}`")),
        Data::Union { .. } => (Place::Struct, format!("union `{name}`")),
    };
    let options = attr::options(&input.attrs, place, &owner, errors);
    let krate = crate_path(options.krate.as_ref(), errors);
    let body = match &input.data {
        Data::Union { keyword } => {
            errors.at(
                *keyword,
                format!(
                    "`#[derive(Scoped)]` does not apply to unions: derive it on an enum of unit variants, each with its own `#[scope(\"…\")]`, or on a struct with one `#[scope(\"…\")]`; `{name}` is a union"
                ),
            );
            Body::Fallback
        }
        Data::Struct { field_attrs } => {
            for attr in field_attrs {
                errors.between(
                    attr.start,
                    attr.end,
                    format!(
                        "`#[scope]` on a field has no meaning: the scopes belong to {owner} as a whole, so put `#[scope(\"…\")]` on the struct"
                    ),
                );
            }
            Body::Struct(scopes_of(
                &options,
                options.sales_channel,
                &owner,
                input.ident.span(),
                " on the struct",
                errors,
            ))
        }
        Data::Enum(variants) => enum_body(input, variants, &options, errors),
    };
    Some(Model {
        ident: name,
        vis: TokenStream::from_iter(input.vis.iter().cloned()).to_string(),
        krate,
        body,
        serde: options.serde,
        sales_channel: options.sales_channel,
    })
}

/// Checks every variant, then the rules between variants.
fn enum_body(input: &Input, variants: &[Variant], options: &Options, errors: &mut Errors) -> Body {
    if variants.is_empty() {
        errors.at(
            input.ident.span(),
            format!(
                "enum `{}` has no variants; add one per scoped config, each with its own `#[scope(\"…\")]`",
                input.ident
            ),
        );
    }
    let mut with_fields = false;
    let mut models = Vec::new();
    // Where each variant's name and scope text were written, for errors between variants.
    let mut spans: Vec<(Span, Option<Span>)> = Vec::new();
    for variant in variants {
        let ident = variant.ident.to_string();
        let owner = format!("variant `{ident}`");
        let own = attr::options(&variant.attrs, Place::Variant, &owner, errors);
        if let Some(fields) = &variant.fields {
            with_fields = true;
            errors.at(
                fields.span(),
                format!(
                    "{owner} has fields, but `#[derive(Scoped)]` takes unit variants only: each variant stands for one fixed set of scopes; keep other data in a struct beside the enum"
                ),
            );
        }
        let scopes = scopes_of(
            &own,
            options.sales_channel,
            &owner,
            variant.ident.span(),
            "",
            errors,
        );
        let bare = ident.strip_prefix("r#").unwrap_or(&ident);
        let name = match (&own.rename, options.rename_all) {
            (Some(rename), _) => rename.value.clone(),
            (None, Some(case)) => case.apply(bare),
            (None, None) => bare.to_owned(),
        };
        let name_span = own.rename.as_ref().map_or(variant.ident.span(), |r| r.span);
        spans.push((name_span, own.text.as_ref().map(|t| t.span)));
        models.push(VariantModel {
            ident,
            name,
            scopes,
        });
    }
    distinct(&models, &spans, errors);
    if with_fields {
        Body::Fallback
    } else {
        Body::Enum(models)
    }
}

/// Two variants may not grant the same scopes, nor share a name in config files.
fn distinct(models: &[VariantModel], spans: &[(Span, Option<Span>)], errors: &mut Errors) {
    // Each variant's keys, built once for all the pairs they are compared in.
    let keys: Vec<Option<Vec<Key<'_>>>> = models
        .iter()
        .map(|m| m.scopes.as_ref().map(Scopes::keys))
        .collect();
    for (later, model) in models.iter().enumerate() {
        if let (Some(later_keys), Some(span)) = (&keys[later], spans[later].1) {
            let same = keys[..later]
                .iter()
                .position(|k| k.as_ref().is_some_and(|k| same_scopes(k, later_keys)));
            if let Some(first) = same.map(|i| &models[i]) {
                errors.at(
                    span,
                    format!(
                        "variant `{}` has the same scopes as variant `{}` (`{}`); two variants would grant the same access, so remove one or change its scopes (the order of scopes does not matter)",
                        model.ident,
                        first.ident,
                        first.scopes.as_ref().map_or("", |s| s.text.as_str())
                    ),
                );
            }
        }
        if let Some(first) = models[..later].iter().find(|m| m.name == model.name) {
            errors.at(
                spans[later].0,
                format!(
                    "variants `{}` and `{}` have the same name `{}` in config files; give one another name with `#[scope(\"…\", rename = \"…\")]`",
                    first.ident, model.ident, model.name
                ),
            );
        }
    }
}

impl Scopes {
    /// The grammar's keys of the scopes, for comparing sets.
    fn keys(&self) -> Vec<Key<'_>> {
        self.parsed
            .iter()
            .map(|p| Key::of(p, self.text.as_bytes()))
            .collect()
    }
}

/// Whether two sets hold the same scopes in any order, by the grammar's key equality.
fn same_scopes(a: &[Key<'_>], b: &[Key<'_>]) -> bool {
    // Sets hold no duplicates, so equal lengths and inclusion mean equality.
    a.len() == b.len()
        && b.iter().all(|b| {
            a.iter()
                .any(|a| set_conflict(a, b) == Some(ErrorKind::DuplicateScope))
        })
}

/// The checked scopes of a struct or variant, from its `options`. A missing
/// `#[scope("…")]` is an error at `name`, the owner's name; `fix_place` says
/// where the attribute goes.
fn scopes_of(
    options: &Options,
    sales_channel: bool,
    owner: &str,
    name: Span,
    fix_place: &str,
    errors: &mut Errors,
) -> Option<Scopes> {
    match &options.text {
        Some(text) => checked(text, sales_channel, errors),
        // A malformed scope text has its own error already.
        None if options.faulty_text => None,
        None => {
            errors.at(
                name,
                format!(
                    "{owner} needs its scopes: add `#[scope(\"…\")]` with its scope text{fix_place}, such as `#[scope(\"market:code:europe\")]`"
                ),
            );
            None
        }
    }
}

/// Runs the grammar (and the sales-channel rule, if asked) on a literal.
fn checked(text: &Text, sales_channel: bool, errors: &mut Errors) -> Option<Scopes> {
    let result: Result<Vec<Parsed>, ScopeError> = if sales_channel {
        parse_sales_channel_set(&text.value)
    } else {
        parse_set(&text.value)
    };
    match result {
        Ok(parsed) => Some(Scopes {
            text: text.value.clone(),
            parsed,
        }),
        Err(error) => {
            errors.at(text.span, format!("{error:#}"));
            None
        }
    }
}

/// The path to scope-core: `crate = "…"` when it is a path, else the default.
fn crate_path(krate: Option<&Text>, errors: &mut Errors) -> String {
    let Some(krate) = krate else {
        return DEFAULT_CRATE.to_owned();
    };
    let valid = krate
        .value
        .parse::<TokenStream>()
        .is_ok_and(|tokens| is_path(&tokens.into_iter().collect::<Vec<_>>()));
    if valid {
        krate.value.clone()
    } else {
        errors.at(
            krate.span,
            format!(
                "`crate = \"…\"` needs the path to scope-core, such as `crate = \"scope\"` for a dependency renamed `scope`, found `{}`",
                krate.value
            ),
        );
        DEFAULT_CRATE.to_owned()
    }
}

/// `a`, `::a`, `a::b::c`: identifiers joined by `::`, with an optional leading `::`.
fn is_path(tokens: &[TokenTree]) -> bool {
    let colons = |t: &[TokenTree]| matches!(t, [TokenTree::Punct(a), TokenTree::Punct(b), ..] if a.as_char() == ':' && b.as_char() == ':');
    let mut rest = if colons(tokens) { &tokens[2..] } else { tokens };
    loop {
        let [TokenTree::Ident(_), tail @ ..] = rest else {
            return false;
        };
        if tail.is_empty() {
            return true;
        }
        if !colons(tail) {
            return false;
        }
        rest = &tail[2..];
    }
}
