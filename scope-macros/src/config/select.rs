//! Which values of a file are scopes: the walk over its [`Node`]s that the
//! `keys` patterns steer (or the defaults), and the `sales_channel` patterns
//! that mark some of them.

use std::ops::Range;

use super::pattern::Pattern;
use super::value::{Node, Segment, Text, keys_of, show_path};

/// The formats, as far as choosing keys goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Format {
    Toml,
    Dotenv,
}

/// One scope value found: a string (a set, scopes separated by single spaces) or
/// an array of strings (one scope each, the whole array one set).
pub(crate) struct Found<'n> {
    pub path: Vec<Segment>,
    pub value: FoundValue<'n>,
    pub sales_channel: bool,
}

pub(crate) enum FoundValue<'n> {
    Set(&'n Text),
    List(Vec<&'n Text>, Range<usize>),
}

impl FoundValue<'_> {
    /// Where the value starts in the file, to keep the file's order.
    pub(crate) fn start(&self) -> usize {
        match self {
            FoundValue::Set(text) => text.raw.start,
            FoundValue::List(_, span) => span.start,
        }
    }
}

/// What the walk could not take: a value under a scope key that is neither a
/// string nor an array of strings.
pub(crate) struct WrongType {
    pub path: Vec<Segment>,
    pub what: &'static str,
    pub span: Range<usize>,
}

/// What `select` found, and the patterns that named nothing.
pub(crate) struct Selection<'n> {
    pub found: Vec<Found<'n>>,
    pub wrong_types: Vec<WrongType>,
    /// `keys` patterns that match no value.
    pub unused_keys: Vec<usize>,
    /// `sales_channel` patterns that match no scope value.
    pub unused_sales_channel: Vec<usize>,
}

/// Walks `root`: values whose key path a `keys` pattern matches (or, with none
/// given, the format's default) are scope values.
pub(crate) fn select<'n>(
    root: &'n Node,
    format: Format,
    keys: &[Pattern],
    sales_channel: &[Pattern],
) -> Selection<'n> {
    let mut walk = Walk {
        format,
        keys,
        used: vec![false; keys.len()],
        found: Vec::new(),
        wrong_types: Vec::new(),
    };
    walk.node(root, &mut Vec::new());
    let mut found = walk.found;
    found.sort_by_key(|f| f.value.start());
    let mut unused_sales_channel = Vec::new();
    for (i, pattern) in sales_channel.iter().enumerate() {
        let mut used = false;
        for f in found.iter_mut() {
            if pattern.matches(&keys_of(&f.path)) {
                f.sales_channel = true;
                used = true;
            }
        }
        if !used {
            unused_sales_channel.push(i);
        }
    }
    Selection {
        found,
        wrong_types: walk.wrong_types,
        unused_keys: (0..keys.len()).filter(|&i| !walk.used[i]).collect(),
        unused_sales_channel,
    }
}

struct Walk<'n, 'p> {
    format: Format,
    keys: &'p [Pattern],
    used: Vec<bool>,
    found: Vec<Found<'n>>,
    wrong_types: Vec<WrongType>,
}

impl<'n> Walk<'n, '_> {
    /// Looks for scope values at and under `node`, whose key path is `path`.
    fn node(&mut self, node: &'n Node, path: &mut Vec<Segment>) {
        if matches!(path.last(), Some(Segment::Key(_))) && self.is_scope_key(path) {
            self.take(node, path);
            return;
        }
        match node {
            Node::Table(entries, _) => {
                for (key, child) in entries {
                    path.push(Segment::Key(key.clone()));
                    self.node(child, path);
                    path.pop();
                }
            }
            Node::Array(items, _) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(Segment::Index(i));
                    self.node(item, path);
                    path.pop();
                }
            }
            Node::Text(_) | Node::Other(..) => {}
        }
    }

    /// Whether a `keys` pattern (or the default) names `path`; notes which did.
    fn is_scope_key(&mut self, path: &[Segment]) -> bool {
        let keys = keys_of(path);
        if self.keys.is_empty() {
            return is_default_scope_key(self.format, keys.last().copied().unwrap_or(""));
        }
        let mut hit = false;
        for (i, pattern) in self.keys.iter().enumerate() {
            if pattern.matches(&keys) {
                self.used[i] = true;
                hit = true;
            }
        }
        hit
    }

    /// Takes `node`, named as holding scopes: a string is a set, an array of
    /// strings is a set of one scope each, and a table or any other array holds
    /// more scope values (an empty table is an error, an empty array an empty set).
    fn take(&mut self, node: &'n Node, path: &mut Vec<Segment>) {
        match node {
            Node::Text(text) => self.found.push(Found {
                path: path.clone(),
                value: FoundValue::Set(text),
                sales_channel: false,
            }),
            Node::Array(items, span) if items.iter().all(|i| matches!(i, Node::Text(_))) => {
                let texts = items
                    .iter()
                    .filter_map(|item| match item {
                        Node::Text(text) => Some(text),
                        _ => None,
                    })
                    .collect();
                self.found.push(Found {
                    path: path.clone(),
                    value: FoundValue::List(texts, span.clone()),
                    sales_channel: false,
                });
            }
            Node::Array(items, _) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(Segment::Index(i));
                    self.take(item, path);
                    path.pop();
                }
            }
            // An empty table holds no scope: it must not pass as if it did.
            Node::Table(entries, span) if entries.is_empty() => self.wrong_types.push(WrongType {
                path: path.clone(),
                what: "an empty table",
                span: span.clone(),
            }),
            Node::Table(entries, _) => {
                for (key, child) in entries {
                    path.push(Segment::Key(key.clone()));
                    self.take(child, path);
                    path.pop();
                }
            }
            Node::Other(what, span) => self.wrong_types.push(WrongType {
                path: path.clone(),
                what,
                span: span.clone(),
            }),
        }
    }
}

/// The default scope keys: `scope` and `scopes` in TOML; in a `.env` file, a
/// name whose last `_`-separated word is `SCOPE` or `SCOPES`, in any case
/// (`CL_SCOPE`, `STOREFRONT_EUROPE_SCOPES`, `SCOPE`).
fn is_default_scope_key(format: Format, key: &str) -> bool {
    match format {
        Format::Toml => key == "scope" || key == "scopes",
        Format::Dotenv => {
            let last = key.rsplit('_').next().unwrap_or(key);
            last.eq_ignore_ascii_case("scope") || last.eq_ignore_ascii_case("scopes")
        }
    }
}

/// The default, in words, for messages.
pub(crate) fn default_keys(format: Format) -> &'static str {
    match format {
        Format::Toml => "no key named `scope` or `scopes` (at any depth)",
        Format::Dotenv => "no variable named `SCOPE`, `SCOPES`, `…_SCOPE` or `…_SCOPES`",
    }
}

/// The key paths found, for messages (at most a few).
pub(crate) fn some_paths(found: &[Found<'_>]) -> String {
    let shown: Vec<String> = found
        .iter()
        .take(5)
        .map(|f| format!("`{}`", show_path(&f.path)))
        .collect();
    let more = if found.len() > 5 { ", …" } else { "" };
    format!("{}{more}", shown.join(", "))
}
