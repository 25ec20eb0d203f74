//! The module `config_scopes!` writes: the file's path and text, a constant per
//! scope value (a `ScopeSet`, or a `SalesChannelScopes` where the value is a sales
//! channel's), `ALL` and `get`; and the line that makes cargo rebuild the crate
//! when the file changes.
//!
//! The fixed parts are written as Rust text and parsed, with a placeholder for
//! the runtime crate (`$crate`, which no text can spell) swapped in after.

use std::str::FromStr;

use proc_macro::{Delimiter, Group, Ident, Literal, Span, TokenStream, TokenTree};

use super::input::Module;
use crate::expand::{MARKET_ALL, ScopeParts, scope_set_value};

/// Stands for the runtime crate in the text parsed here.
const KRATE: &str = "__scope_core_config_krate";

/// One constant of the module.
pub(crate) struct Constant<'n> {
    pub name: String,
    /// The key path, as messages and `ALL` write it.
    pub path: String,
    pub line: usize,
    pub sales_channel: bool,
    /// `None` when the value was refused (the build fails): a placeholder keeps
    /// the constant's type, so uses of it raise no more errors.
    pub scopes: Option<Vec<ScopeParts<'n>>>,
}

/// The file as read.
pub(crate) struct FileRef<'a> {
    /// Its absolute path, for `include_str!`/`include_bytes!`.
    pub absolute: &'a str,
    pub utf8: bool,
}

/// `{attrs} {vis} mod {name} { {errors} … }`.
pub(crate) fn module(
    krate: &TokenTree,
    module: &Module,
    file: Option<FileRef<'_>>,
    constants: &[Constant<'_>],
    errors: TokenStream,
) -> TokenStream {
    let path = &module.path;
    let mut text = String::new();
    text += &item(
        "The path of the file, relative to the crate's root, as given to `config_scopes!`.",
        &format!("pub const PATH: &str = {};", lit(path)),
    );
    match file {
        // A file the build reads is one cargo watches: change it, and this crate is rebuilt.
        Some(FileRef {
            absolute,
            utf8: true,
        }) => {
            text += &item(
                "The file's text, as checked when this crate compiled (embedded with `include_str!`).",
                &format!(
                    "pub const SOURCE: &str = ::core::include_str!({});",
                    lit(absolute)
                ),
            );
        }
        Some(FileRef {
            absolute,
            utf8: false,
        }) => {
            text += &format!(
                "const _: &[u8] = ::core::include_bytes!({});\n",
                lit(absolute)
            );
        }
        None => {}
    }
    let mut all = String::new();
    for (index, constant) in constants.iter().enumerate() {
        let parts = constant.scopes.as_deref().unwrap_or(&[MARKET_ALL]);
        let set = scope_set_value(&placeholder(), parts);
        let shown = match &constant.scopes {
            Some(parts) => format!(": `{}`", show_scopes(parts)),
            None => String::new(),
        };
        let doc = format!(
            "`{}`, line {} of `{path}`{shown}.",
            constant.path, constant.line
        );
        let name = &constant.name;
        if constant.sales_channel {
            // The set once, as a private constant (a lower-case name, which no key path
            // makes) that both the public constant and `ALL` use.
            let set_name = format!("__set_{index}");
            text += &format!(
                "#[allow(non_upper_case_globals)]\nconst {set_name}: {KRATE}::ScopeSet = {};\n",
                TokenStream::from(set)
            );
            text += &item(
                &format!("{doc} A sales channel's scopes, checked by the sales-channel rule."),
                &format!(
                    "pub const {name}: {KRATE}::SalesChannelScopes = {KRATE}::SalesChannelScopes::__from_macro({set_name});"
                ),
            );
            all += &format!("({}, &{set_name}),", lit(&constant.path));
        } else {
            text += &item(
                &doc,
                &format!(
                    "pub const {name}: {KRATE}::ScopeSet = {};",
                    TokenStream::from(set)
                ),
            );
            all += &format!("({}, &{name}),", lit(&constant.path));
        }
    }
    text += &item(
        "Every scope value of the file: its key path and its scopes, in the file's order.",
        &format!("pub static ALL: &[(&str, &{KRATE}::ScopeSet)] = &[{all}];"),
    );
    text += &item(
        "The scopes at `key_path` (written as in [`ALL`]), if the file has a scope value there.",
        &format!(
            "pub fn get(key_path: &str) -> ::core::option::Option<&'static {KRATE}::ScopeSet> {{\n\
             ALL.iter().find(|(path, _)| *path == key_path).map(|(_, scopes)| *scopes)\n}}"
        ),
    );
    let mut body = errors;
    body.extend(with_krate(
        TokenStream::from_str(&text).unwrap_or_default(),
        krate,
    ));

    let mut out: Vec<TokenTree> = module.attrs.clone();
    if !module.has_doc {
        let doc = format!(
            "#[doc = {}]",
            lit(&format!(
                "The scopes of `{path}`, checked when this crate compiled."
            ))
        );
        out.extend(TokenStream::from_str(&doc).unwrap_or_default());
    }
    out.extend(module.vis.iter().cloned());
    out.push(Ident::new("mod", Span::call_site()).into());
    out.push(module.name.clone().into());
    out.push(Group::new(Delimiter::Brace, body).into());
    out.into_iter().collect()
}

/// An item with its doc, allowed to go unused (a binary may use one constant of many).
fn item(doc: &str, code: &str) -> String {
    format!("#[doc = {}]\n#[allow(dead_code)]\n{code}\n", lit(doc))
}

/// A string literal's source text.
fn lit(text: &str) -> String {
    Literal::string(text).to_string()
}

fn placeholder() -> TokenTree {
    Ident::new(KRATE, Span::call_site()).into()
}

fn show_scopes(parts: &[ScopeParts<'_>]) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(part.resource.keyword());
        if let Some(selector) = part.selector {
            out.push(':');
            out.push_str(selector.keyword());
            if !part.value.is_empty() {
                out.push(':');
                out.push_str(part.value);
            }
        }
    }
    out
}

/// `tokens` with every placeholder ident replaced by `krate`.
fn with_krate(tokens: TokenStream, krate: &TokenTree) -> TokenStream {
    tokens
        .into_iter()
        .map(|token| match token {
            TokenTree::Ident(ident) if ident.to_string() == KRATE => krate.clone(),
            TokenTree::Group(group) => {
                let mut new = Group::new(group.delimiter(), with_krate(group.stream(), krate));
                new.set_span(group.span());
                new.into()
            }
            other => other,
        })
        .collect()
}
