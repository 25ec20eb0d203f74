//! Each scope value through the grammar: the very code `str::parse` runs (the
//! grammar folder, compiled in through the symlink), with the sales-channel rule
//! where a value is a sales channel's. A fault comes back placed in the file.

use std::ops::Range;

use super::escapes::byte_sources;
use super::select::{Found, FoundValue};
use super::value::Text;
use crate::expand::ScopeParts;
use crate::grammar::{ErrorKind, Fault, Key, SalesChannelRule, ScopeError, check_set, parse_scope};
use crate::sales_channel::parse_sales_channel_set;
use crate::scope_literal::{parse_set, scope_parts};

/// A scope value the grammar refuses: the sentence `scopes!` would give, and the
/// bytes of the file to put the caret under.
pub(crate) struct Refused {
    pub message: String,
    pub span: Range<usize>,
}

/// The scopes of one value, or why it is refused.
pub(crate) fn check<'n>(file: &str, found: &Found<'n>) -> Result<Vec<ScopeParts<'n>>, Refused> {
    match &found.value {
        FoundValue::Set(text) => {
            let parse = if found.sales_channel {
                parse_sales_channel_set
            } else {
                parse_set
            };
            let parsed = parse(&text.value).map_err(|err| refused(file, &[text], &err, None))?;
            Ok(parsed.iter().map(|p| scope_parts(p, &text.value)).collect())
        }
        FoundValue::List(texts, span) => check_list(file, texts, span, found.sales_channel),
    }
}

/// An array of strings: one scope each, then the set rules (and the sales-channel
/// rule) over them all, as `ScopeSet::from_scopes` applies them at run time.
fn check_list<'n>(
    file: &str,
    texts: &[&'n Text],
    span: &Range<usize>,
    sales_channel: bool,
) -> Result<Vec<ScopeParts<'n>>, Refused> {
    if texts.is_empty() {
        let err = ScopeError::new(
            "",
            Fault {
                kind: ErrorKind::Empty,
                start: 0,
                end: 0,
                related: None,
            },
        );
        return Err(Refused {
            message: err.to_string(),
            span: span.clone(),
        });
    }
    let mut parsed = Vec::with_capacity(texts.len());
    for text in texts {
        match parse_scope(text.value.as_bytes()) {
            Ok(scope) => parsed.push(scope),
            Err(fault) => {
                let err = ScopeError::new(&text.value, fault);
                let note = (fault.kind == ErrorKind::SeveralScopes)
                    .then_some("; in an array, each string holds one scope");
                return Err(refused(file, &[text], &err, note));
            }
        }
    }
    // The set's text, as a `ScopeSet` of these scopes prints it.
    let joined: Vec<&str> = texts.iter().map(|t| t.value.as_str()).collect();
    let joined = joined.join(" ");
    let mut starts = Vec::with_capacity(texts.len());
    let mut at = 0;
    for text in texts {
        starts.push(at);
        at += text.value.len() + 1;
    }
    let span_of = |i: usize| (starts[i], starts[i] + texts[i].value.len());
    let key = |i: usize| Key::of(&parsed[i], texts[i].value.as_bytes());
    check_set(texts.len(), key).map_err(|conflict| {
        let err = ScopeError::new(&joined, conflict.fault(span_of));
        refused(file, texts, &err, None)
    })?;
    if sales_channel {
        SalesChannelRule::check((0..texts.len()).map(key)).map_err(|fault| {
            let err = ScopeError::new(&joined, fault.into_fault(joined.len(), span_of));
            refused(file, texts, &err, None)
        })?;
    }
    Ok(parsed
        .iter()
        .zip(texts)
        .map(|(p, text)| scope_parts(p, &text.value))
        .collect())
}

/// `err`, found in the text of `texts` joined by single spaces, placed in the file.
fn refused(file: &str, texts: &[&Text], err: &ScopeError, note: Option<&str>) -> Refused {
    let fault = err.span();
    let mut message = err.to_string();
    message.push_str(note.unwrap_or(""));
    // Which string each end of the fault falls in, and where in it.
    let mut start = None;
    let mut end = None;
    let mut at = 0;
    for text in texts {
        let len = text.value.len();
        if start.is_none() && fault.start <= at + len {
            start = Some((*text, fault.start - at));
        }
        if end.is_none() && fault.end <= at + len {
            end = Some((*text, fault.end.max(at) - at));
        }
        at += len + 1;
    }
    let (Some((first, from)), Some((last, to))) = (start, end) else {
        let whole = texts[0].raw.start..texts[texts.len() - 1].raw.end;
        return Refused {
            message,
            span: whole,
        };
    };
    match (
        file_offset(file, first, from, true),
        file_offset(file, last, to, false),
    ) {
        (Some(a), Some(b)) => Refused {
            message,
            span: a..b.max(a),
        },
        _ => {
            message.push_str(
                " (the caret marks the whole string: the place of the fault inside it could not be worked out through its escapes)",
            );
            Refused {
                message,
                span: first.raw.start..last.raw.end,
            }
        }
    }
}

/// The byte of the file where byte `at` of `text`'s value starts (`start`) or
/// where the byte before it ends; the whole string for an empty value.
fn file_offset(file: &str, text: &Text, at: usize, start: bool) -> Option<usize> {
    if text.value.is_empty() {
        return Some(if start { text.raw.start } else { text.raw.end });
    }
    let sources = byte_sources(file, text)?;
    Some(match (start, at) {
        (true, at) if at < sources.len() => sources[at].start,
        (true, _) => sources.last()?.end,
        (false, 0) => sources.first()?.start,
        (false, at) => sources.get(at - 1)?.end,
    })
}
