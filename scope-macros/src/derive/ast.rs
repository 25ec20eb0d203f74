//! The derive's input as types: the item's `#[scope]` attributes, visibility,
//! name, generics and body, read from the tokens with `proc_macro` alone.

use proc_macro::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};

use super::errors::Errors;

/// The item `#[derive(Scoped)]` is on.
pub(crate) struct Input {
    pub attrs: Vec<Attribute>,
    /// `pub`, `pub(crate)`, … as written; empty when private.
    pub vis: Vec<TokenTree>,
    pub ident: Ident,
    /// The `<` or `where` that starts generics, which the derive does not take.
    pub generics: Option<Span>,
    pub data: Data,
}

pub(crate) enum Data {
    Enum(Vec<Variant>),
    /// The `#[scope…]` attributes found on fields, which have no meaning there.
    Struct {
        field_attrs: Vec<Attribute>,
    },
    Union {
        keyword: Span,
    },
}

pub(crate) struct Variant {
    pub attrs: Vec<Attribute>,
    pub ident: Ident,
    /// `(…)` or `{…}` after the name.
    pub fields: Option<Group>,
}

/// One `#[scope…]` attribute (others are skipped).
pub(crate) struct Attribute {
    /// The `#` and the `[…]`, for errors about the whole attribute.
    pub start: Span,
    pub end: Span,
    /// What follows `scope`: the `(…)` group, or anything else (nothing, `= "…"`).
    pub args: Args,
}

pub(crate) enum Args {
    List(Group),
    /// `#[scope]`, `#[scope = "…"]`: not the list form.
    Other,
}

/// Reads the item; `None` (with an error) when it is not an enum, struct or union.
pub(crate) fn parse(input: TokenStream, errors: &mut Errors) -> Option<Input> {
    let tokens: Vec<TokenTree> = input.into_iter().collect();
    let mut rest = tokens.as_slice();
    let attrs = attributes(&mut rest);
    let vis = visibility(&mut rest);
    let (keyword, ident) = match rest {
        [
            TokenTree::Ident(keyword),
            TokenTree::Ident(ident),
            tail @ ..,
        ] => {
            rest = tail;
            (keyword, ident.clone())
        }
        _ => {
            errors.at(
                Span::call_site(),
                "`#[derive(Scoped)]` applies to an enum or a struct",
            );
            return None;
        }
    };
    let generics = match rest.first() {
        Some(TokenTree::Punct(p)) if p.as_char() == '<' => Some(p.span()),
        Some(TokenTree::Ident(w)) if w.to_string() == "where" => Some(w.span()),
        _ => None,
    };
    let data = match keyword.to_string().as_str() {
        "enum" => {
            let body = rest.iter().find_map(|t| match t {
                TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => Some(g),
                _ => None,
            })?;
            Data::Enum(variants(body))
        }
        "struct" => Data::Struct {
            field_attrs: rest
                .iter()
                .find_map(|t| match t {
                    TokenTree::Group(g) if g.delimiter() != Delimiter::None => Some(g),
                    _ => None,
                })
                .map_or_else(Vec::new, field_attributes),
        },
        "union" => Data::Union {
            keyword: keyword.span(),
        },
        _ => {
            errors.at(
                keyword.span(),
                "`#[derive(Scoped)]` applies to an enum or a struct",
            );
            return None;
        }
    };
    Some(Input {
        attrs,
        vis,
        ident,
        generics,
        data,
    })
}

/// Takes the outer attributes at the front of `rest`, keeping the `#[scope…]` ones.
fn attributes(rest: &mut &[TokenTree]) -> Vec<Attribute> {
    let mut found = Vec::new();
    while let [TokenTree::Punct(hash), TokenTree::Group(group), tail @ ..] = *rest {
        if hash.as_char() != '#' || group.delimiter() != Delimiter::Bracket {
            break;
        }
        *rest = tail;
        let inner: Vec<TokenTree> = group.stream().into_iter().collect();
        let [TokenTree::Ident(path), args @ ..] = inner.as_slice() else {
            continue;
        };
        if path.to_string() != "scope" {
            continue;
        }
        let args = match args {
            [TokenTree::Group(list)] if list.delimiter() == Delimiter::Parenthesis => {
                Args::List(list.clone())
            }
            _ => Args::Other,
        };
        found.push(Attribute {
            start: hash.span(),
            end: group.span(),
            args,
        });
    }
    found
}

/// Takes `pub` and its optional `(…)` from the front of `rest`.
fn visibility(rest: &mut &[TokenTree]) -> Vec<TokenTree> {
    match *rest {
        [TokenTree::Ident(kw), TokenTree::Group(g), tail @ ..]
            if kw.to_string() == "pub" && g.delimiter() == Delimiter::Parenthesis =>
        {
            *rest = tail;
            vec![kw.clone().into(), g.clone().into()]
        }
        [TokenTree::Ident(kw), tail @ ..] if kw.to_string() == "pub" => {
            *rest = tail;
            vec![kw.clone().into()]
        }
        _ => Vec::new(),
    }
}

/// The `#[scope…]` attributes on the fields in a struct's `{…}` or `(…)`.
fn field_attributes(body: &Group) -> Vec<Attribute> {
    let tokens: Vec<TokenTree> = body.stream().into_iter().collect();
    tokens
        .split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
        .flat_map(|mut field| attributes(&mut field))
        .collect()
}

/// The variants in an enum's braces: split at top-level commas.
fn variants(body: &Group) -> Vec<Variant> {
    let tokens: Vec<TokenTree> = body.stream().into_iter().collect();
    tokens
        .split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
        .filter_map(|mut rest| {
            let attrs = attributes(&mut rest);
            visibility(&mut rest);
            let [TokenTree::Ident(ident), tail @ ..] = rest else {
                return None;
            };
            let fields = match tail.first() {
                Some(TokenTree::Group(g)) if g.delimiter() != Delimiter::None => Some(g.clone()),
                _ => None,
            };
            Some(Variant {
                attrs,
                ident: ident.clone(),
                fields,
            })
        })
        .collect()
}
