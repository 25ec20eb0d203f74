//! Reading what `config_scopes!` is given: one or more
//! `#[attrs] vis mod name = "path" { options }` items, read with `proc_macro` alone.
//!
//! Options, separated by commas: `keys = […]` and `sales_channel = […]` (a pattern
//! or a bracketed list of them, see `pattern`), `format = "toml" | "dotenv"`.

use proc_macro::{Delimiter, Ident, Literal, Span, TokenTree};

use super::pattern::Pattern;
use super::select::Format;
use crate::literal::unescape;

/// One module to write.
pub(crate) struct Module {
    /// The attributes (doc comments among them), as written.
    pub attrs: Vec<TokenTree>,
    pub has_doc: bool,
    pub vis: Vec<TokenTree>,
    pub name: Ident,
    /// The path as written, and its literal's span.
    pub path: String,
    pub path_span: Span,
    pub keys: Vec<Pattern>,
    pub sales_channel: Vec<Pattern>,
    pub format: Option<Format>,
}

/// A message and the tokens it is about.
pub(crate) struct InputError {
    pub message: String,
    pub start: Span,
    pub end: Span,
}

const EXAMPLE: &str = "`pub mod storefronts = \"config/storefronts.toml\";`";

fn error(message: impl Into<String>, start: Span, end: Span) -> InputError {
    InputError {
        message: message.into(),
        start,
        end,
    }
}

/// Reads every module of the input; the modules read before a fault are kept.
pub(crate) fn parse(tokens: Vec<TokenTree>) -> (Vec<Module>, Vec<InputError>) {
    let mut modules = Vec::new();
    let mut errors = Vec::new();
    let mut rest = tokens.as_slice();
    if rest.is_empty() {
        errors.push(error(
            format!("`config_scopes!` needs a module and the file it reads, such as {EXAMPLE}"),
            Span::call_site(),
            Span::call_site(),
        ));
    }
    while !rest.is_empty() {
        match module(&mut rest, &mut errors) {
            Some(module) => modules.push(module),
            None => break,
        }
    }
    (modules, errors)
}

fn module(rest: &mut &[TokenTree], errors: &mut Vec<InputError>) -> Option<Module> {
    let mut attrs = Vec::new();
    let mut has_doc = false;
    while let [TokenTree::Punct(hash), TokenTree::Group(group), tail @ ..] = *rest {
        if hash.as_char() != '#' || group.delimiter() != Delimiter::Bracket {
            break;
        }
        has_doc |= matches!(group.stream().into_iter().next(), Some(TokenTree::Ident(i)) if i.to_string() == "doc");
        attrs.push(TokenTree::Punct(hash.clone()));
        attrs.push(TokenTree::Group(group.clone()));
        *rest = tail;
    }
    let mut vis = Vec::new();
    if let [TokenTree::Ident(kw), tail @ ..] = *rest
        && kw.to_string() == "pub"
    {
        vis.push(TokenTree::Ident(kw.clone()));
        *rest = tail;
        if let [TokenTree::Group(group), tail @ ..] = *rest
            && group.delimiter() == Delimiter::Parenthesis
        {
            vis.push(TokenTree::Group(group.clone()));
            *rest = tail;
        }
    }
    let (name, path_literal) = match *rest {
        [
            TokenTree::Ident(kw),
            TokenTree::Ident(name),
            TokenTree::Punct(eq),
            tail @ ..,
        ] if kw.to_string() == "mod" && eq.as_char() == '=' => match tail {
            [TokenTree::Literal(path), tail @ ..] => {
                *rest = tail;
                (name.clone(), path.clone())
            }
            _ => {
                let span = tail.first().map_or(eq.span(), TokenTree::span);
                errors.push(error(
                    format!("the file's path must be a string literal, such as {EXAMPLE}"),
                    span,
                    span,
                ));
                return None;
            }
        },
        [first, ..] => {
            let last = rest.iter().take(5).next_back().unwrap_or(first);
            errors.push(error(
                format!("expected a module and the file it reads, such as {EXAMPLE}"),
                first.span(),
                last.span(),
            ));
            return None;
        }
        [] => {
            errors.push(error(
                format!("expected a module after the attributes, such as {EXAMPLE}"),
                Span::call_site(),
                Span::call_site(),
            ));
            return None;
        }
    };
    let Some(path) = string(&path_literal) else {
        errors.push(error(
            format!("the file's path must be a string literal, such as {EXAMPLE}"),
            path_literal.span(),
            path_literal.span(),
        ));
        return None;
    };
    let mut module = Module {
        attrs,
        has_doc,
        vis,
        name,
        path,
        path_span: path_literal.span(),
        keys: Vec::new(),
        sales_channel: Vec::new(),
        format: None,
    };
    if let [TokenTree::Group(group), tail @ ..] = *rest
        && group.delimiter() == Delimiter::Brace
    {
        *rest = tail;
        options(
            &group.stream().into_iter().collect::<Vec<_>>(),
            &mut module,
            errors,
        );
        // Like any item in braces, options need no `;` after them.
        if let [TokenTree::Punct(semi), tail @ ..] = *rest
            && semi.as_char() == ';'
        {
            *rest = tail;
        }
        return Some(module);
    }
    match *rest {
        [TokenTree::Punct(semi), tail @ ..] if semi.as_char() == ';' => *rest = tail,
        [] => {}
        [next, ..] => {
            errors.push(error(
                "expected `;` or options in braces (`{ keys = [\"…\"], sales_channel = [\"…\"] }`) after the file's path",
                next.span(),
                next.span(),
            ));
            return None;
        }
    }
    Some(module)
}

/// The options in braces, `name = value` separated by commas.
fn options(tokens: &[TokenTree], module: &mut Module, errors: &mut Vec<InputError>) {
    let mut seen: Vec<String> = Vec::new();
    for option in tokens.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
        let [TokenTree::Ident(name), TokenTree::Punct(eq), value @ ..] = option else {
            if let (Some(first), Some(last)) = (option.first(), option.last()) {
                errors.push(error(
                    "expected an option: `keys = [\"…\"]`, `sales_channel = [\"…\"]` or `format = \"toml\"`",
                    first.span(),
                    last.span(),
                ));
            }
            continue;
        };
        let key = name.to_string();
        if eq.as_char() != '=' || value.is_empty() {
            errors.push(error(
                format!("expected `{key} = …`"),
                name.span(),
                eq.span(),
            ));
            continue;
        }
        if seen.contains(&key) {
            errors.push(error(
                format!("`{key}` is given twice"),
                name.span(),
                name.span(),
            ));
            continue;
        }
        seen.push(key.clone());
        let end = value[value.len() - 1].span();
        match key.as_str() {
            "keys" | "sales_channel" => {
                let Some((patterns, given)) = pattern_list(value, errors) else {
                    errors.push(error(
                        format!("`{key}` takes a key path pattern or a list of them, such as `{key} = [\"storefronts.*.scope\"]`"),
                        value[0].span(),
                        end,
                    ));
                    continue;
                };
                if given == 0 {
                    errors.push(error(
                        format!(
                            "`{key}` names no key; give at least one pattern, or leave `{key}` out"
                        ),
                        value[0].span(),
                        end,
                    ));
                } else if key == "keys" {
                    module.keys = patterns;
                } else {
                    module.sales_channel = patterns;
                }
            }
            "format" => match value {
                [TokenTree::Literal(literal)] => match string(literal).as_deref() {
                    Some("toml") => module.format = Some(Format::Toml),
                    Some("dotenv") => module.format = Some(Format::Dotenv),
                    _ => errors.push(error(
                        "`format` is `\"toml\"` or `\"dotenv\"`",
                        literal.span(),
                        literal.span(),
                    )),
                },
                _ => errors.push(error(
                    "`format` is `\"toml\"` or `\"dotenv\"`",
                    value[0].span(),
                    end,
                )),
            },
            _ => errors.push(error(
                format!(
                    "unknown option `{key}`; the options are `keys`, `sales_channel` and `format`"
                ),
                name.span(),
                name.span(),
            )),
        }
    }
}

/// `"pattern"` or `["pattern", …]`, and how many were given; `None` if the value
/// has another shape. Patterns that do not parse are reported and left out.
fn pattern_list(
    value: &[TokenTree],
    errors: &mut Vec<InputError>,
) -> Option<(Vec<Pattern>, usize)> {
    let literals: Vec<Literal> = match value {
        [TokenTree::Literal(literal)] => vec![literal.clone()],
        [TokenTree::Group(group)] if group.delimiter() == Delimiter::Bracket => {
            let items: Vec<TokenTree> = group.stream().into_iter().collect();
            let mut literals = Vec::new();
            for item in items.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
                match item {
                    [] => {}
                    [TokenTree::Literal(literal)] => literals.push(literal.clone()),
                    _ => return None,
                }
            }
            literals
        }
        _ => return None,
    };
    let given = literals.len();
    let mut patterns = Vec::new();
    for literal in literals {
        let text = string(&literal)?;
        match Pattern::parse(&text, literal.span()) {
            Ok(pattern) => patterns.push(pattern),
            Err(message) => errors.push(error(message, literal.span(), literal.span())),
        }
    }
    Some((patterns, given))
}

/// A string literal's value.
fn string(literal: &Literal) -> Option<String> {
    unescape(&literal.to_string())
}
