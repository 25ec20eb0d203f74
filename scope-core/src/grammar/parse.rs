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

/// Byte classes, looked up in one table: the parser's inner loops test one bit.
const DELIMITER: u8 = 1;
const ID: u8 = 2;
const CODE: u8 = 4;
/// Ends a word (a keyword or a value): a delimiter or `:`.
const WORD_END: u8 = 8;
static CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        // Whitespace and the separators people try instead of a space end a scope.
        if b == b',' || b == b';' || b.is_ascii_whitespace() {
            table[byte] |= DELIMITER | WORD_END;
        }
        if b == b':' {
            table[byte] |= WORD_END;
        }
        if b.is_ascii_alphanumeric() {
            table[byte] |= ID | CODE;
        }
        if b == b'_' || b == b'-' {
            table[byte] |= CODE;
        }
        byte += 1;
    }
    table
};

/// Bytes that end a scope: whitespace and the separators people try instead of a space.
const fn is_delimiter(byte: u8) -> bool {
    CLASSES[byte as usize] & DELIMITER != 0
}

/// The first index at or after `from` holding `:` or a delimiter, or the end.
const fn word_end(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < b.len() && CLASSES[b[i] as usize] & WORD_END == 0 {
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

/// The prefixes of the forms with a value, for the fast path of [`scan`].
const VALUE_FORMS: [(&[u8], Resource, Selector); 6] = [
    (b"market:id:", Resource::Market, Selector::Id),
    (b"market:code:", Resource::Market, Selector::Code),
    (b"store:id:", Resource::Store, Selector::Id),
    (b"store:code:", Resource::Store, Selector::Code),
    (b"stock_location:id:", Resource::StockLocation, Selector::Id),
    (
        b"stock_location:code:",
        Resource::StockLocation,
        Selector::Code,
    ),
];

/// Recognizes the prefix of a form with a value (`market:id:` …) in a few word
/// compares. Anything else takes the general path, which also explains faults.
#[inline(always)]
const fn value_form_prefix(b: &[u8], start: usize) -> Option<(Resource, Selector, usize)> {
    let rest = b.split_at(start).1;
    let mut i = 0;
    while i < VALUE_FORMS.len() {
        let (prefix, resource, selector) = VALUE_FORMS[i];
        if rest.len() > prefix.len() && bytes_eq(rest.split_at(prefix.len()).0, prefix) {
            return Some((resource, selector, start + prefix.len()));
        }
        i += 1;
    }
    None
}

/// The end of the run of bytes of `class` that starts at `from`, eight bytes a
/// step while it can (values are the longest part of a scope).
#[inline(always)]
const fn class_run_end(b: &[u8], from: usize, class: u8) -> usize {
    let mut i = from;
    while let Some((chunk, _)) = b.split_at(i).1.split_first_chunk::<8>() {
        let mut all = class;
        let mut j = 0;
        while j < 8 {
            all &= CLASSES[chunk[j] as usize];
            j += 1;
        }
        if all == 0 {
            break;
        }
        i += 8;
    }
    while i < b.len() && CLASSES[b[i] as usize] & class != 0 {
        i += 1;
    }
    i
}

/// Reads an id or code that starts at `value_start`; the scope is `start..` the value's end.
#[inline(always)]
const fn scan_value(
    b: &[u8],
    start: usize,
    resource: Resource,
    selector: Selector,
    value_start: usize,
) -> Result<Parsed, Fault> {
    let len = b.len();
    let class = match selector {
        Selector::Id => ID,
        _ => CODE,
    };
    let i = class_run_end(b, value_start, class);
    if i < len && b[i] != b':' && !is_delimiter(b[i]) {
        let kind = match selector {
            Selector::Id => ErrorKind::InvalidIdCharacter,
            _ => ErrorKind::InvalidCodeCharacter,
        };
        return Err(fault(kind, i, i + char_len(b, i)));
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

/// Reads one scope starting at `start`, up to (not including) the delimiter or end that follows it.
#[inline(always)]
pub(crate) const fn scan(b: &[u8], start: usize) -> Result<Parsed, Fault> {
    if let Some((resource, selector, value_start)) = value_form_prefix(b, start) {
        return scan_value(b, start, resource, selector, value_start);
    }
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
    scan_value(b, start, resource, selector, selector_end + 1)
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
#[inline(always)]
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
#[inline(always)]
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
    match (a, b) {
        (Some(a), Some(b)) => a as u8 == b as u8,
        (None, None) => true,
        _ => false,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time run finder agrees with a plain byte loop on every byte
    /// value, at every position of runs that end in, or past, a word.
    #[test]
    fn class_run_end_agrees_with_the_byte_table() {
        let by_table = |b: &[u8], from: usize, class: u8| {
            let mut i = from;
            while i < b.len() && CLASSES[b[i] as usize] & class != 0 {
                i += 1;
            }
            i
        };
        for class in [ID, CODE] {
            for len in 0..=20 {
                for stop in 0..len {
                    for byte in 0..=255u8 {
                        let mut text = vec![b'a'; len];
                        text[stop] = byte;
                        for from in 0..=len {
                            assert_eq!(
                                class_run_end(&text, from, class),
                                by_table(&text, from, class),
                                "class {class}, {text:?} from {from}"
                            );
                        }
                    }
                }
            }
        }
    }
}
