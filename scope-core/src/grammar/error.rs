//! `ScopeError`: what went wrong in scope text, where, and how to fix it.

use std::fmt;
use std::ops::Range;

use super::form::{RESOURCE_KEYWORDS, Resource, SELECTOR_KEYWORDS};
use super::parse::{Fault, MARKET_CODE_MAX};
use super::suggest::closest;

/// The kind of fault in scope text. Each has its own message; see [`ScopeError`].
///
/// ```
/// use scope_core::{ErrorKind, ScopeSet};
///
/// let err = "market:id:a market:id:a".parse::<ScopeSet>().unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::DuplicateScope);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The text is empty.
    Empty,
    /// Leading, trailing or repeated whitespace, or whitespace other than one space between scopes.
    Whitespace,
    /// A comma or semicolon where scopes must be separated by one space.
    WrongSeparator,
    /// A single scope was expected, but the text holds several.
    SeveralScopes,
    /// The first word is not `market`, `store`, `stock_location`, `provisioning-api` or `metrics-api`.
    UnknownResource,
    /// The word after the resource is not `id`, `code` or (for markets) `all`.
    UnknownSelector,
    /// A resource without `:id:…`, `:code:…` or `:all`.
    MissingSelector,
    /// `…:id` or `…:code` without `:` and a value.
    MissingValue,
    /// `…:id:` or `…:code:` with nothing after it.
    EmptyValue,
    /// The retired `market:{number}` or `stock_location:{number}` form.
    RetiredNumericForm,
    /// `all` after a resource other than `market`.
    AllNotSupported,
    /// An id holds something other than ASCII letters and digits.
    InvalidIdCharacter,
    /// A code holds something other than ASCII letters, digits, `_` and `-`.
    InvalidCodeCharacter,
    /// A market code longer than 25 characters.
    MarketCodeTooLong,
    /// More text (`:…`) after a complete scope.
    UnexpectedSuffix,
    /// The same scope twice in one set.
    DuplicateScope,
    /// `provisioning-api` or `metrics-api` beside a Core API scope.
    ApiScopeMixed,
    /// A sales channel's scopes name no market by id or code and no store.
    SalesChannelWithoutMarket,
    /// A stock location in a sales channel's scopes without a market or store beside it.
    StockLocationWithoutMarket,
}

impl ErrorKind {
    /// A fixed description of the kind, used where no input is at hand (`const` panics).
    pub(crate) const fn summary(self) -> &'static str {
        match self {
            ErrorKind::Empty => "invalid scope: the text is empty",
            ErrorKind::Whitespace => {
                "invalid scope: scopes are separated by exactly one space, without leading or trailing whitespace"
            }
            ErrorKind::WrongSeparator => {
                "invalid scope: separate scopes with a single space, not a comma or semicolon"
            }
            ErrorKind::SeveralScopes => "invalid scope: expected a single scope, found several",
            ErrorKind::UnknownResource => {
                "invalid scope: unknown resource; expected market, store, stock_location, provisioning-api or metrics-api"
            }
            ErrorKind::UnknownSelector => {
                "invalid scope: unknown selector; expected id, code or (for markets) all"
            }
            ErrorKind::MissingSelector => {
                "invalid scope: a resource needs :id:{id}, :code:{code} or (for markets) :all"
            }
            ErrorKind::MissingValue => {
                "invalid scope: :id and :code need a value after another `:`"
            }
            ErrorKind::EmptyValue => "invalid scope: the id or code is empty",
            ErrorKind::RetiredNumericForm => {
                "invalid scope: the numeric form is retired; use market:id:{id} or market:code:{code}"
            }
            ErrorKind::AllNotSupported => "invalid scope: only market takes `all`",
            ErrorKind::InvalidIdCharacter => "invalid scope: ids are ASCII letters and digits",
            ErrorKind::InvalidCodeCharacter => {
                "invalid scope: codes are ASCII letters, digits, `_` and `-`"
            }
            ErrorKind::MarketCodeTooLong => "invalid scope: market codes are at most 25 characters",
            ErrorKind::UnexpectedSuffix => "invalid scope: unexpected text after a complete scope",
            ErrorKind::DuplicateScope => "invalid scope set: duplicate scope",
            ErrorKind::ApiScopeMixed => {
                "invalid scope set: provisioning-api and metrics-api combine only with each other"
            }
            ErrorKind::SalesChannelWithoutMarket => {
                "invalid sales channel scope: sales channels require a market in scope (a market by id or code, or a store)"
            }
            ErrorKind::StockLocationWithoutMarket => {
                "invalid sales channel scope: a stock location needs its market beside it; sales channels require a market in scope"
            }
        }
    }
}

/// Scope text that does not follow the grammar.
///
/// It knows the text, the kind of fault and the byte range of the fault, and
/// its [`Display`](fmt::Display) reads as a sentence: what is wrong, what was
/// expected, and the likely fix. The alternate form (`{:#}`) adds the text with a
/// caret line under the fault, as the compile-time macros show it.
///
/// ```
/// use scope_core::{ErrorKind, Scope};
///
/// let err = "markets:id:xYZkjABcde".parse::<Scope>().unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::UnknownResource);
/// assert_eq!(err.span(), 0..7);
/// assert_eq!(err.suggestion(), Some("market"));
/// assert!(err.to_string().contains("did you mean `market`?"));
/// assert!(format!("{err:#}").contains("^^^^^^^"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ScopeError {
    kind: ErrorKind,
    span: Range<usize>,
    related: Option<Range<usize>>,
    input: Box<str>,
    suggestion: Option<String>,
}

impl ScopeError {
    /// Builds the error for `fault` in `input`, working out the suggestion.
    pub(crate) fn new(input: &str, fault: Fault) -> ScopeError {
        let span = fault.start.min(input.len())..fault.end.min(input.len());
        let text = input.get(span.clone()).unwrap_or("");
        let suggestion = match fault.kind {
            ErrorKind::UnknownResource => closest(text, &RESOURCE_KEYWORDS).map(String::from),
            ErrorKind::UnknownSelector => {
                closest(text, selectors_at(input, span.start)).map(String::from)
            }
            ErrorKind::RetiredNumericForm => Some(format!("{}:id:…", retired_resource(text))),
            ErrorKind::WrongSeparator => Some(" ".to_owned()),
            _ => None,
        };
        ScopeError {
            kind: fault.kind,
            span,
            related: fault.related.map(|(start, end)| start..end),
            input: input.into(),
            suggestion,
        }
    }

    /// The kind of fault.
    ///
    /// ```
    /// use scope_core::{ErrorKind, Scope};
    ///
    /// let err = "market:1234".parse::<Scope>().unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::RetiredNumericForm);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The byte range of the fault in the text (empty where something is missing).
    ///
    /// ```
    /// use scope_core::Scope;
    ///
    /// let err = "market:id:xYZ-kjABcde".parse::<Scope>().unwrap_err();
    /// assert_eq!(err.span(), 13..14);
    /// ```
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// For set rules, the byte range of the earlier scope the faulty one clashes with.
    ///
    /// ```
    /// use scope_core::ScopeSet;
    ///
    /// let err = "market:all store:id:a market:all".parse::<ScopeSet>().unwrap_err();
    /// assert_eq!(err.related_span(), Some(0..10));
    /// assert_eq!(err.span(), 22..32);
    /// ```
    pub fn related_span(&self) -> Option<Range<usize>> {
        self.related.clone()
    }

    /// The scope text that failed to parse.
    ///
    /// ```
    /// use scope_core::Scope;
    ///
    /// let err = "market".parse::<Scope>().unwrap_err();
    /// assert_eq!(err.input(), "market");
    /// ```
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The likely replacement for the faulty text, when there is one
    /// (`market` for `markets`, `id` for `ID`, a space for a comma).
    ///
    /// ```
    /// use scope_core::Scope;
    ///
    /// let err = "market:ID:xYZkjABcde".parse::<Scope>().unwrap_err();
    /// assert_eq!(err.suggestion(), Some("id"));
    /// ```
    pub fn suggestion(&self) -> Option<&str> {
        self.suggestion.as_deref()
    }

    /// The faulty text itself.
    fn fault_text(&self) -> &str {
        self.input.get(self.span.clone()).unwrap_or("")
    }

    /// The sentence that says what is wrong, what was expected and how to fix it.
    fn write_sentence(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bad = Shown::new(self.fault_text());
        let at = self.span.start;
        match self.kind {
            ErrorKind::Empty => f.write_str(
                "invalid scope: the scope text is empty; expected at least one scope, such as `market:code:europe`",
            ),
            ErrorKind::Whitespace => {
                let (what, fix) = if at == 0 {
                    ("starts with whitespace", "remove it")
                } else if self.span.end == self.input.len() {
                    ("ends with whitespace", "remove it")
                } else if self.fault_text().bytes().all(|b| b == b' ') {
                    ("has more than one space between scopes", "keep exactly one")
                } else {
                    ("has whitespace other than a single space between scopes", "use exactly one space")
                };
                write!(f, "invalid scope: the scope text {what} at byte {at}; {fix}, since scopes are separated by exactly one space")
            }
            ErrorKind::WrongSeparator => write!(
                f,
                "invalid scope: found {bad} between scopes at byte {at}; separate scopes with a single space instead"
            ),
            ErrorKind::SeveralScopes => write!(
                f,
                "invalid scope: expected a single scope, but a space at byte {at} starts another one; a single scope contains no spaces (use `scopes!` or `ScopeSet` for several)"
            ),
            ErrorKind::UnknownResource => {
                if self.fault_text().is_empty() || self.fault_text().starts_with(':') {
                    f.write_str("invalid scope: a scope must start with a resource")?;
                } else {
                    write!(f, "invalid scope: unknown resource {bad}")?;
                }
                if self.follows_value() {
                    f.write_str(" after a space; ids and codes cannot contain spaces, and each scope starts with a resource")?;
                }
                f.write_str("; expected `market`, `store`, `stock_location`, `provisioning-api` or `metrics-api`")?;
                self.write_suggestion(f)
            }
            ErrorKind::UnknownSelector => {
                let expected = match selectors_at(&self.input, at) {
                    [_, _, _] => "`id`, `code` or `all`",
                    _ => "`id` or `code`",
                };
                write!(f, "invalid scope: unknown selector {bad}; expected {expected}")?;
                self.write_suggestion(f)
            }
            ErrorKind::MissingSelector => {
                let resource = self.fault_text().trim_end_matches(':');
                let all = if resource == "market" { ", `market:all`" } else { "" };
                write!(
                    f,
                    "invalid scope: {bad} needs a selector; expected `{resource}:id:{{id}}`, `{resource}:code:{{code}}`{all}"
                )
            }
            ErrorKind::MissingValue => write!(
                f,
                "invalid scope: {bad} needs a value; expected `{}:{{value}}`",
                Excerpt::head(self.fault_text())
            ),
            ErrorKind::EmptyValue => {
                let prefix = self.input.get(..at).unwrap_or("");
                let what = if prefix.ends_with(":id:") { "id" } else { "code" };
                let scope = prefix.rsplit(' ').next().unwrap_or(prefix);
                write!(f, "invalid scope: the {what} after `{scope}` is empty; expected {}", value_rule(what))
            }
            ErrorKind::RetiredNumericForm => {
                let resource = retired_resource(self.fault_text());
                write!(
                    f,
                    "invalid scope: {bad} uses the numeric form, which Commerce Layer retired in October 2024; name the {} by id or code instead: `{resource}:id:{{id}}` or `{resource}:code:{{code}}`",
                    resource.replace('_', " ")
                )
            }
            ErrorKind::AllNotSupported => write!(
                f,
                "invalid scope: {bad} is not a scope, since only `market` takes `all`; name one by id or code, or use `market:all`"
            ),
            ErrorKind::InvalidIdCharacter | ErrorKind::InvalidCodeCharacter => {
                let what = if self.kind == ErrorKind::InvalidIdCharacter { "id" } else { "code" };
                let value = value_around(&self.input, at);
                let value = Excerpt::around(&self.input[value.clone()], at - value.start);
                write!(
                    f,
                    "invalid scope: {bad} at byte {at} is not allowed in the {what} `{value}`; expected {}",
                    value_rule(what)
                )
            }
            ErrorKind::MarketCodeTooLong => write!(
                f,
                "invalid scope: the market code {bad} is {} characters long; market codes are at most {MARKET_CODE_MAX} characters",
                self.fault_text().len()
            ),
            ErrorKind::UnexpectedSuffix => {
                let scope_start = self.input.get(..at).and_then(|b| b.rfind(' ')).map_or(0, |i| i + 1);
                let scope = self.input.get(scope_start..at).unwrap_or("");
                write!(
                    f,
                    "invalid scope: unexpected {bad} after the complete scope `{}`; a scope ends after its {}",
                    Excerpt::head(scope),
                    if scope.ends_with(":all") || !scope.contains(':') { "keyword" } else { "id or code" }
                )
            }
            ErrorKind::DuplicateScope => {
                let first = self.related.as_ref().map_or(0, |r| r.start);
                write!(
                    f,
                    "invalid scope set: duplicate scope {bad} at byte {at}, first given at byte {first}; list each scope once"
                )
            }
            ErrorKind::ApiScopeMixed => {
                let other = self.related.clone().and_then(|r| self.input.get(r)).unwrap_or("");
                let api = Excerpt::head(if is_api(self.fault_text()) { self.fault_text() } else { other });
                let core = Excerpt::head(if is_api(self.fault_text()) { other } else { self.fault_text() });
                write!(
                    f,
                    "invalid scope set: `{api}` cannot be combined with `{core}`; `provisioning-api` and `metrics-api` combine only with each other, so request a separate token for each API"
                )
            }
            ErrorKind::SalesChannelWithoutMarket => {
                let fix = "add a market by id or code (`market:code:europe`) or a store (`store:code:outlet_ny`)";
                if self.fault_text() == "market:all" {
                    write!(f, "invalid sales channel scope: sales channels require a market in scope, and {bad} names none in particular; {fix}")
                } else {
                    write!(f, "invalid sales channel scope: sales channels require a market in scope, but the scopes name no market and no store; {fix}")
                }
            }
            ErrorKind::StockLocationWithoutMarket => write!(
                f,
                "invalid sales channel scope: the stock location {bad} needs its market beside it, since sales channels require a market in scope; add the market by id or code (`market:code:europe`) or a store (`store:code:outlet_ny`)"
            ),
        }
    }

    /// Whether the fault comes right after a space that ends an id or a code,
    /// as in `market:code:euro pe`: a value that was meant to hold a space.
    fn follows_value(&self) -> bool {
        let before = self.input.get(..self.span.start).unwrap_or("");
        let Some(previous) = before
            .strip_suffix(' ')
            .map(|b| b.rsplit(' ').next().unwrap_or(b))
        else {
            return false;
        };
        !self.fault_text().contains(':')
            && (previous.contains(":id:") || previous.contains(":code:"))
    }

    fn write_suggestion(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.suggestion {
            Some(s) => write!(f, "; did you mean `{s}`?"),
            None => Ok(()),
        }
    }

    /// The text repeated with a caret line under the fault, indented by four spaces.
    ///
    /// Text of up to [`SNIPPET_CHARS`] characters is shown whole. Longer text is
    /// shown as a window of that many characters around the fault, marked with `…`
    /// on each side that is cut; a fault longer than the window is shown from its
    /// start. Only the window is read, so the cost does not grow with the text.
    fn write_snippet(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const WIDTH: usize = SNIPPET_CHARS;
        let text = &*self.input;
        let start = floor_char_boundary(text, self.span.start);
        let end = ceil_char_boundary(text, self.span.end).max(start);
        // An empty span marks the character at its start (or the place after the end).
        let marked_end = if end == start {
            forward(text, start, 1).0
        } else {
            end
        };
        // Counts stop at the window's width: that is all the layout needs to know.
        let (_, marked) = forward(&text[..marked_end], start, WIDTH);
        let (_, before_available) = backward(text, start, WIDTH);
        let (_, after_available) = forward(text, marked_end, WIDTH);
        let fault_width = marked.max(1);
        let before = if fault_width + WIDTH / 4 > WIDTH {
            before_available.min(WIDTH / 4)
        } else {
            // Centred, and what the text after the fault cannot fill goes before it.
            let room = WIDTH - fault_width;
            before_available.min((room / 2).max(room - after_available.min(room)))
        };
        let shown_marked = marked.min(WIDTH - before);
        let (marked_shown_end, _) = forward(text, start, shown_marked);
        let after = if marked_shown_end < marked_end {
            0
        } else {
            after_available.min(WIDTH - before - shown_marked)
        };
        let (first, _) = backward(text, start, before);
        let (last, _) = forward(text, marked_shown_end, after);

        let mut line = String::from(if first > 0 { "…" } else { "" });
        let mut carets = String::from(if first > 0 { " " } else { "" });
        for (i, c) in text[first..last].char_indices() {
            let i = first + i;
            line.push(if c.is_control() { '·' } else { c });
            carets.push(if (start..marked_shown_end).contains(&i) {
                '^'
            } else {
                ' '
            });
        }
        if start == text.len() {
            carets.push('^');
        }
        if last < text.len() {
            line.push('…');
        }
        write!(f, "\n\n    {line}\n    {}", carets.trim_end())
    }
}

impl fmt::Debug for ScopeError {
    /// The fields, with the input quoted as the sentence quotes it (at most
    /// 40 characters around the fault) and its length: a 1 MB
    /// config value makes no 1 MB `unwrap()` panic.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let around = floor_char_boundary(&self.input, self.span.start);
        f.debug_struct("ScopeError")
            .field("kind", &self.kind)
            .field("span", &self.span)
            .field("related", &self.related)
            .field(
                "input",
                &format_args!("\"{}\"", Excerpt::around(&self.input, around)),
            )
            .field("input_len", &self.input.len())
            .field("suggestion", &self.suggestion)
            .finish()
    }
}

/// The most characters of the text that `{:#}` shows under the sentence.
const SNIPPET_CHARS: usize = 80;

/// The most characters of one piece of the text that the sentence quotes.
const QUOTE_CHARS: usize = 40;

/// The byte index `count` characters after byte `at` of `text` (or its end), and
/// how many characters that is. `at` must be on a character boundary.
fn forward(text: &str, at: usize, count: usize) -> (usize, usize) {
    text[at..]
        .char_indices()
        .take(count)
        .fold((at, 0), |(_, n), (i, c)| (at + i + c.len_utf8(), n + 1))
}

/// The byte index `count` characters before byte `at` of `text` (or its start),
/// and how many characters that is. `at` must be on a character boundary.
fn backward(text: &str, at: usize, count: usize) -> (usize, usize) {
    text[..at]
        .char_indices()
        .rev()
        .take(count)
        .fold((at, 0), |(_, n), (i, _)| (i, n + 1))
}

/// The last character boundary at or before `at` (the end, past it).
fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The first character boundary at or after `at` (the end, past it).
fn ceil_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// At most [`QUOTE_CHARS`] characters of a piece of text, with `…` on each side that is cut.
#[derive(Clone, Copy)]
struct Excerpt<'a> {
    text: &'a str,
    cut_before: bool,
    cut_after: bool,
}

impl<'a> Excerpt<'a> {
    /// The start of `text`.
    fn head(text: &'a str) -> Excerpt<'a> {
        Excerpt::around(text, 0)
    }

    /// The part of `text` around byte `at`: some characters before it, the rest after.
    fn around(text: &'a str, at: usize) -> Excerpt<'a> {
        let at = floor_char_boundary(text, at);
        let (_, after_available) = forward(text, at, QUOTE_CHARS);
        let before = (QUOTE_CHARS / 4).max(QUOTE_CHARS - after_available);
        let (first, before) = backward(text, at, before);
        let (last, _) = forward(text, at, QUOTE_CHARS - before);
        Excerpt {
            text: &text[first..last],
            cut_before: first > 0,
            cut_after: last < text.len(),
        }
    }
}

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ellipsis = |cut: bool| if cut { "…" } else { "" };
        write!(
            f,
            "{}{}{}",
            ellipsis(self.cut_before),
            self.text,
            ellipsis(self.cut_after)
        )
    }
}

/// The selectors that may follow the resource ending just before byte `at`:
/// markets also take `all`.
fn selectors_at(input: &str, at: usize) -> &'static [&'static str] {
    if input
        .get(..at)
        .is_some_and(|before| before.ends_with("market:"))
    {
        &SELECTOR_KEYWORDS
    } else {
        &SELECTOR_KEYWORDS[..2]
    }
}

/// The resource of a retired `market:1234` / `stock_location:4567` scope.
fn retired_resource(scope: &str) -> &str {
    scope.split(':').next().unwrap_or("market")
}

/// The rule for an id's or a code's characters.
fn value_rule(what: &str) -> &'static str {
    if what == "id" {
        "one or more ASCII letters or digits"
    } else {
        "one or more ASCII letters, digits, `_` or `-`"
    }
}

/// Where the id or code that byte `at` belongs to lies (from the last `:` before it to the next delimiter).
fn value_around(input: &str, at: usize) -> Range<usize> {
    let start = input
        .get(..at)
        .and_then(|b| b.rfind(':'))
        .map_or(0, |i| i + 1);
    let end = input
        .get(at..)
        .and_then(|rest| rest.find([' ', ',', ';', ':', '\t', '\n', '\r']))
        .map_or(input.len(), |i| at + i);
    if input.get(start..end).is_some() {
        start..end
    } else {
        at..at
    }
}

fn is_api(scope: &str) -> bool {
    Resource::from_keyword(scope.as_bytes()).is_some_and(Resource::is_api)
}

/// Faulty text in backticks (at most [`QUOTE_CHARS`] characters of it), or a name
/// for a character that backticks would hide.
struct Shown<'a>(Excerpt<'a>);

impl<'a> Shown<'a> {
    fn new(text: &'a str) -> Shown<'a> {
        Shown(Excerpt::head(text))
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let excerpt = self.0;
        match excerpt.text {
            "," if !excerpt.cut_after => f.write_str("a comma"),
            ";" if !excerpt.cut_after => f.write_str("a semicolon"),
            text if text.chars().any(char::is_control) => {
                let ellipsis = if excerpt.cut_after { "…" } else { "" };
                write!(f, "{text:?}{ellipsis}")
            }
            _ => write!(f, "`{excerpt}`"),
        }
    }
}

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_sentence(f)?;
        if f.alternate() {
            self.write_snippet(f)?;
        }
        Ok(())
    }
}

impl std::error::Error for ScopeError {}
