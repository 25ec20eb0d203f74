//! The parser: `const fn`s over bytes, so that `FromStr`, the `const fn`
//! constructors and the proc macros all run this one piece of code.
//!
//! Every function here returns a [`Fault`] (a kind and a byte range) rather than
//! a formatted error: formatting needs allocation, which `const fn` cannot do.
//! [`super::ScopeError`] turns a fault into a message.

use super::error::ErrorKind;
use super::form::{Resource, Selector, bytes_eq};

/// The longest market code Commerce Layer accepts (documented).
pub(crate) const MARKET_CODE_MAX: usize = 25;

/// One scope found in the input: its form and where its parts are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub resource: Resource,
    pub selector: Option<Selector>,
    /// Byte range of the whole scope.
    pub start: usize,
    pub end: usize,
    /// Where the id or code starts; the value runs to `end`. Equal to `end`
    /// for scopes without a value.
    pub value_start: usize,
}

/// What is wrong and where: the const-friendly core of a `ScopeError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fault {
    pub kind: ErrorKind,
    pub start: usize,
    pub end: usize,
    /// For set rules: the earlier scope the faulty one clashes with.
    pub related: Option<(usize, usize)>,
}

const fn fault(kind: ErrorKind, start: usize, end: usize) -> Fault {
    Fault {
        kind,
        start,
        end,
        related: None,
    }
}

/// Bytes that end a scope: whitespace and the separators people try instead of a space.
const fn is_delimiter(byte: u8) -> bool {
    byte == b',' || byte == b';' || byte.is_ascii_whitespace()
}

/// The first index at or after `from` holding `:` or a delimiter, or the end.
const fn word_end(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < b.len() && b[i] != b':' && !is_delimiter(b[i]) {
        i += 1;
    }
    i
}

/// The first index at or after `from` holding a delimiter, or the end.
const fn scope_end(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < b.len() && !is_delimiter(b[i]) {
        i += 1;
    }
    i
}

/// The first index at or after `from` that is not ASCII whitespace.
const fn whitespace_end(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The length of the UTF-8 character starting at `b[i]`, so a fault spans the whole character.
const fn char_len(b: &[u8], i: usize) -> usize {
    let n = match b[i] {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    };
    if i + n > b.len() { b.len() - i } else { n }
}

const fn all_digits(b: &[u8], start: usize, end: usize) -> bool {
    let mut i = start;
    while i < end {
        if !b[i].is_ascii_digit() {
            return false;
        }
        i += 1;
    }
    end > start
}

const fn slice(b: &[u8], start: usize, end: usize) -> &[u8] {
    b.split_at(end).0.split_at(start).1
}

const fn valid_value_byte(selector: Selector, byte: u8) -> bool {
    match selector {
        Selector::Id => byte.is_ascii_alphanumeric(),
        _ => byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-',
    }
}

/// Reads one scope starting at `start`, up to (not including) the delimiter or end that follows it.
pub(crate) const fn scan(b: &[u8], start: usize) -> Result<Parsed, Fault> {
    let len = b.len();
    let keyword_end = word_end(b, start);
    let resource = match Resource::from_keyword(slice(b, start, keyword_end)) {
        Some(resource) => resource,
        None if keyword_end == start => {
            return Err(fault(
                ErrorKind::UnknownResource,
                start,
                scope_end(b, start),
            ));
        }
        None => return Err(fault(ErrorKind::UnknownResource, start, keyword_end)),
    };
    let has_colon = keyword_end < len && b[keyword_end] == b':';
    if resource.is_api() {
        if has_colon {
            return Err(fault(
                ErrorKind::UnexpectedSuffix,
                keyword_end,
                scope_end(b, keyword_end),
            ));
        }
        return Ok(Parsed {
            resource,
            selector: None,
            start,
            end: keyword_end,
            value_start: keyword_end,
        });
    }
    if !has_colon {
        return Err(fault(ErrorKind::MissingSelector, start, keyword_end));
    }
    let selector_start = keyword_end + 1;
    let selector_end = word_end(b, selector_start);
    if selector_end == selector_start {
        return Err(fault(ErrorKind::MissingSelector, start, selector_start));
    }
    let selector = match Selector::from_keyword(slice(b, selector_start, selector_end)) {
        Some(selector) => selector,
        None => {
            let retired = matches!(resource, Resource::Market | Resource::StockLocation)
                && all_digits(b, selector_start, selector_end);
            return Err(if retired {
                fault(ErrorKind::RetiredNumericForm, start, scope_end(b, start))
            } else {
                fault(ErrorKind::UnknownSelector, selector_start, selector_end)
            });
        }
    };
    let has_colon = selector_end < len && b[selector_end] == b':';
    if let Selector::All = selector {
        if !matches!(resource, Resource::Market) {
            return Err(fault(ErrorKind::AllNotSupported, start, selector_end));
        }
        if has_colon {
            return Err(fault(
                ErrorKind::UnexpectedSuffix,
                selector_end,
                scope_end(b, selector_end),
            ));
        }
        return Ok(Parsed {
            resource,
            selector: Some(selector),
            start,
            end: selector_end,
            value_start: selector_end,
        });
    }
    if !has_colon {
        return Err(fault(ErrorKind::MissingValue, start, selector_end));
    }
    let value_start = selector_end + 1;
    let mut i = value_start;
    while i < len && b[i] != b':' && !is_delimiter(b[i]) {
        if !valid_value_byte(selector, b[i]) {
            let kind = match selector {
                Selector::Id => ErrorKind::InvalidIdCharacter,
                _ => ErrorKind::InvalidCodeCharacter,
            };
            return Err(fault(kind, i, i + char_len(b, i)));
        }
        i += 1;
    }
    if i == value_start {
        return Err(fault(ErrorKind::EmptyValue, value_start, value_start));
    }
    if i < len && b[i] == b':' {
        return Err(fault(ErrorKind::UnexpectedSuffix, i, scope_end(b, i)));
    }
    if matches!(resource, Resource::Market)
        && matches!(selector, Selector::Code)
        && i - value_start > MARKET_CODE_MAX
    {
        return Err(fault(ErrorKind::MarketCodeTooLong, value_start, i));
    }
    Ok(Parsed {
        resource,
        selector: Some(selector),
        start,
        end: i,
        value_start,
    })
}

/// The fault for a delimiter found at `at`, where a scope ended but more text follows.
const fn delimiter_fault(b: &[u8], at: usize, single: bool) -> Fault {
    let byte = b[at];
    if byte == b',' || byte == b';' {
        return fault(ErrorKind::WrongSeparator, at, at + 1);
    }
    let run_end = whitespace_end(b, at);
    if run_end == b.len() {
        return fault(ErrorKind::Whitespace, at, run_end);
    }
    if single && byte == b' ' && run_end == at + 1 {
        return fault(ErrorKind::SeveralScopes, at, run_end);
    }
    if byte == b' ' && run_end == at + 1 {
        // One space, then a separator such as `,`: `a ,b`.
        return fault(ErrorKind::WrongSeparator, run_end, run_end + 1);
    }
    fault(ErrorKind::Whitespace, at, run_end)
}

/// Parses input that must be exactly one scope.
pub(crate) const fn parse_scope(b: &[u8]) -> Result<Parsed, Fault> {
    if b.is_empty() {
        return Err(fault(ErrorKind::Empty, 0, 0));
    }
    if is_delimiter(b[0]) {
        return Err(leading_fault(b));
    }
    match scan(b, 0) {
        Ok(parsed) if parsed.end == b.len() => Ok(parsed),
        Ok(parsed) => Err(delimiter_fault(b, parsed.end, true)),
        Err(fault) => Err(fault),
    }
}

const fn leading_fault(b: &[u8]) -> Fault {
    if b[0] == b',' || b[0] == b';' {
        fault(ErrorKind::WrongSeparator, 0, 1)
    } else {
        fault(ErrorKind::Whitespace, 0, whitespace_end(b, 0))
    }
}

/// Parses the scope of a set that starts at `pos`; returns it and where the next one starts.
///
/// Call with `pos == 0` first, then with each returned position until it is `None`.
/// Set-wide rules (duplicates, API scopes mixed with others) are checked by
/// [`set_conflict`] once all scopes are read.
pub(crate) const fn parse_set_item(b: &[u8], pos: usize) -> Result<(Parsed, Option<usize>), Fault> {
    if b.is_empty() {
        return Err(fault(ErrorKind::Empty, 0, 0));
    }
    if pos == 0 && is_delimiter(b[0]) {
        return Err(leading_fault(b));
    }
    let parsed = match scan(b, pos) {
        Ok(parsed) => parsed,
        Err(fault) => return Err(fault),
    };
    let end = parsed.end;
    if end == b.len() {
        return Ok((parsed, None));
    }
    if b[end] == b' ' && end + 1 < b.len() && !is_delimiter(b[end + 1]) {
        return Ok((parsed, Some(end + 1)));
    }
    Err(delimiter_fault(b, end, false))
}

/// A scope as the set rules see it: its form and its value's bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Key<'a> {
    pub resource: Resource,
    pub selector: Option<Selector>,
    pub value: &'a [u8],
}

impl<'a> Key<'a> {
    /// The key of a parsed scope of `input`.
    #[allow(dead_code)] // used by scope-macros
    pub(crate) const fn of(parsed: &Parsed, input: &'a [u8]) -> Key<'a> {
        Key {
            resource: parsed.resource,
            selector: parsed.selector,
            value: slice(input, parsed.value_start, parsed.end),
        }
    }
}

const fn same_selector(a: Option<Selector>, b: Option<Selector>) -> bool {
    Selector::code(a) == Selector::code(b)
}

/// The set rule that `later` breaks by following `earlier`, if any: the same
/// scope twice, or an API scope beside a Core API scope.
pub(crate) const fn set_conflict(earlier: &Key<'_>, later: &Key<'_>) -> Option<ErrorKind> {
    if earlier.resource as u8 == later.resource as u8
        && same_selector(earlier.selector, later.selector)
        && bytes_eq(earlier.value, later.value)
    {
        return Some(ErrorKind::DuplicateScope);
    }
    if earlier.resource.is_api() != later.resource.is_api() {
        return Some(ErrorKind::ApiScopeMixed);
    }
    None
}
