//! Reading `#[scope(…)]`: the scope text and the options, for the place the
//! attribute sits on (an enum, a struct, a variant).
//!
//! Arguments, separated by commas: a string literal (the scope text), a flag
//! (`serde`, `sales_channel`), or `key = "value"` (`crate`, `rename_all`, `rename`).

use proc_macro::{Delimiter, Span, TokenStream, TokenTree};

use super::ast::{Args, Attribute};
use super::case::{Case, STYLES};
use super::errors::Errors;
use crate::literal::unescape;

/// Where an attribute sits; each place takes its own options.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Enum,
    Struct,
    Variant,
}

/// A string the user wrote, and where.
pub(crate) struct Text {
    pub value: String,
    pub span: Span,
}

/// Everything the `#[scope(…)]` attributes of one place say.
#[derive(Default)]
pub(crate) struct Options {
    pub text: Option<Text>,
    pub krate: Option<Text>,
    pub rename_all: Option<Case>,
    pub rename: Option<Text>,
    pub serde: bool,
    pub sales_channel: bool,
    /// An argument meant as the scope text was faulty and reported: no
    /// "missing `#[scope]`" error should follow.
    pub faulty_text: bool,
}

const EXAMPLE: &str = "`#[scope(\"market:code:europe\")]`";

/// Reads the attributes of one place; `owner` names it in messages (`variant `Europe``).
pub(crate) fn options(
    attrs: &[Attribute],
    place: Place,
    owner: &str,
    errors: &mut Errors,
) -> Options {
    let mut options = Options::default();
    let mut seen: Vec<String> = Vec::new();
    for attr in attrs {
        let list = match &attr.args {
            Args::List(list) => list,
            Args::Other => {
                options.faulty_text = true;
                errors.between(
                    attr.start,
                    attr.end,
                    format!("`#[scope]` takes its arguments in parentheses, such as {EXAMPLE}"),
                );
                continue;
            }
        };
        let tokens = unwrap_invisible(list.stream());
        if tokens.is_empty() {
            let fix = match place {
                Place::Enum => format!("give an option ({ENUM_OPTIONS}) or remove it"),
                _ => format!("give the scope text, such as {EXAMPLE}"),
            };
            options.faulty_text = place != Place::Enum;
            errors.between(
                attr.start,
                attr.end,
                format!("empty `#[scope()]` on {owner}; {fix}"),
            );
            continue;
        }
        for arg in tokens.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
            if arg.is_empty() {
                continue; // a trailing comma
            }
            read_arg(arg, attr, place, owner, &mut options, &mut seen, errors);
        }
    }
    options
}

/// Reads one comma-separated argument into `options`.
fn read_arg(
    arg: &[TokenTree],
    attr: &Attribute,
    place: Place,
    owner: &str,
    options: &mut Options,
    seen: &mut Vec<String>,
    errors: &mut Errors,
) {
    let first = arg[0].span();
    let last = arg[arg.len() - 1].span();
    let shown = || TokenStream::from_iter(arg.iter().cloned()).to_string();
    match arg {
        [TokenTree::Literal(literal)] => {
            let Some(value) = unescape(&literal.to_string()) else {
                options.faulty_text = true;
                errors.at(
                    first,
                    format!(
                        "`#[scope(…)]` needs the scope text as a string literal, such as {EXAMPLE}, found `{}`",
                        shown()
                    ),
                );
                return;
            };
            if place == Place::Enum {
                errors.at(
                    first,
                    format!(
                        "scope text on the enum itself has no meaning; put {EXAMPLE} on each variant of {owner}"
                    ),
                );
                return;
            }
            if options.text.is_some() {
                errors.between(
                    attr.start,
                    attr.end,
                    format!(
                        "{owner} has its scope text twice; give exactly one {EXAMPLE}, with all its scopes separated by spaces in that one literal"
                    ),
                );
                return;
            }
            options.text = Some(Text { value, span: first });
        }
        [TokenTree::Ident(flag)] if is_option(&flag.to_string()) => {
            let name = flag.to_string();
            if !allowed(&name, place, owner, first, errors) || repeated(&name, seen, first, errors)
            {
                return;
            }
            match name.as_str() {
                "serde" => options.serde = true,
                "sales_channel" => options.sales_channel = true,
                _ => errors.at(first, format!("`{name}` needs a value: `{name} = \"…\"`")),
            }
        }
        [
            TokenTree::Ident(key),
            TokenTree::Punct(eq),
            TokenTree::Literal(literal),
        ] if eq.as_char() == '=' && is_option(&key.to_string()) => {
            let name = key.to_string();
            if !allowed(&name, place, owner, first, errors) || repeated(&name, seen, first, errors)
            {
                return;
            }
            let Some(value) = unescape(&literal.to_string()) else {
                errors.at(
                    literal.span(),
                    format!("`{name} = …` needs a string literal, found `{literal}`"),
                );
                return;
            };
            let text = Text {
                value,
                span: literal.span(),
            };
            match name.as_str() {
                "crate" => options.krate = Some(text),
                "rename" => options.rename = Some(text),
                "rename_all" => match Case::from_name(&text.value) {
                    Some(case) => options.rename_all = Some(case),
                    None => {
                        let styles: Vec<String> =
                            STYLES.iter().map(|(n, _)| format!("`{n}`")).collect();
                        errors.at(
                            text.span,
                            format!(
                                "unknown case style `{}` in `rename_all`; expected one of {}",
                                text.value,
                                styles.join(", ")
                            ),
                        );
                    }
                },
                _ => errors.at(
                    first,
                    format!("`{name}` takes no value: write `{name}` alone"),
                ),
            }
        }
        [TokenTree::Ident(unknown)] if place == Place::Enum => errors.at(
            first,
            format!(
                "unknown option `{unknown}` in `#[scope(…)]` on {owner}; the options on an enum are {ENUM_OPTIONS}, and the scope text goes on each variant"
            ),
        ),
        _ => {
            let found = match arg {
                [TokenTree::Ident(name), TokenTree::Punct(bang), TokenTree::Group(_)]
                    if bang.as_char() == '!' =>
                {
                    format!("the macro call `{name}!(…)`")
                }
                _ => format!("`{}`", shown()),
            };
            options.faulty_text = true;
            let hint = match place {
                Place::Struct => format!("; the options on a struct are {STRUCT_OPTIONS}"),
                _ => String::new(),
            };
            errors.between(
                first,
                last,
                format!(
                    "`#[scope(…)]` needs the scope text as a string literal, such as {EXAMPLE}, found {found}; a derive sees tokens, not the values of constants or macros{hint}"
                ),
            );
        }
    }
}

/// The tokens with invisible groups opened: a `$text:literal` from a
/// `macro_rules!` arrives wrapped in one.
fn unwrap_invisible(stream: TokenStream) -> Vec<TokenTree> {
    let mut out = Vec::new();
    for token in stream {
        match token {
            TokenTree::Group(group) if group.delimiter() == Delimiter::None => {
                out.extend(unwrap_invisible(group.stream()));
            }
            other => out.push(other),
        }
    }
    out
}

const ENUM_OPTIONS: &str = "`crate = \"…\"`, `rename_all = \"…\"`, `serde` and `sales_channel`";
const STRUCT_OPTIONS: &str = "`crate = \"…\"` and `sales_channel`";

fn is_option(name: &str) -> bool {
    matches!(
        name,
        "crate" | "rename_all" | "rename" | "serde" | "sales_channel"
    )
}

/// Whether option `name` may appear at `place`; reports it if not.
fn allowed(name: &str, place: Place, owner: &str, span: Span, errors: &mut Errors) -> bool {
    let (ok, fix) = match name {
        "crate" | "sales_channel" => (place != Place::Variant, "put it on the type"),
        "rename_all" | "serde" => (place == Place::Enum, "it applies to enums only"),
        _ => (place == Place::Variant, "it applies to enum variants only"),
    };
    if !ok {
        errors.at(span, format!("`{name}` cannot be used on {owner}: {fix}"));
    }
    ok
}

/// Whether option `name` was already given; reports it if so.
fn repeated(name: &str, seen: &mut Vec<String>, span: Span, errors: &mut Errors) -> bool {
    if seen.iter().any(|s| s == name) {
        errors.at(span, format!("`{name}` is given twice; keep one"));
        return true;
    }
    seen.push(name.to_owned());
    false
}
