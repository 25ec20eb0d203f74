//! What both clients make of the server's answer: a `Token` or an `AuthError`.
//!
//! Nothing here ever copies the body into an error: a body may hold a token.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use reqwest::header::{
    CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue, LOCATION, RETRY_AFTER,
};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use super::request::for_each_scope_part;
use super::{ApiError, AuthError, Credentials, DecodeError, Token};
use crate::ScopeSet;

/// The status line and headers of an answer, read before its body.
pub(crate) struct Head {
    status: u16,
    retry_after: Option<Duration>,
    content_type: Option<HeaderValue>,
    location: Option<HeaderValue>,
    content_length: Option<u64>,
}

impl Head {
    pub(crate) fn new(status: StatusCode, headers: &HeaderMap) -> Head {
        let text = |name| {
            headers
                .get(name)
                .and_then(|value: &reqwest::header::HeaderValue| value.to_str().ok())
        };
        let status = status.as_u16();
        // Only the headers an answer of this status can need: a token
        // response (2xx) looks up two, not four.
        let redirect = (300..400).contains(&status);
        let error = !redirect && !(200..300).contains(&status);
        Head {
            status,
            retry_after: if error {
                text(RETRY_AFTER).and_then(parse_retry_after)
            } else {
                None
            },
            // Kept raw; made safe to show only when an error needs them.
            content_type: headers.get(CONTENT_TYPE).cloned(),
            location: if redirect {
                headers.get(LOCATION).cloned()
            } else {
                None
            },
            content_length: text(CONTENT_LENGTH).and_then(|value| value.trim().parse().ok()),
        }
    }

    /// Whether the status is 2xx.
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error known before the body is read: a redirect (whose body is never
    /// needed) or an announced body larger than the limit.
    pub(crate) fn early_error(&self, limit: usize) -> Option<AuthError> {
        if (300..400).contains(&self.status) {
            return Some(self.redirected());
        }
        match self.content_length {
            Some(length) if length > limit as u64 => Some(self.too_large(limit)),
            _ => None,
        }
    }

    /// The error a redirect answer stands for (it is never followed).
    fn redirected(&self) -> AuthError {
        AuthError::Redirected {
            status: self.status,
            location: self.location.as_ref().map(|value| shown(value, 200)),
        }
    }

    /// The body is larger than the client accepts.
    pub(crate) fn too_large(&self, limit: usize) -> AuthError {
        self.decode_error(
            None,
            format!("it is larger than the {limit}-byte limit, so it was not read"),
        )
    }

    /// How much room to reserve for the body.
    pub(crate) fn capacity(&self, limit: usize) -> usize {
        self.content_length
            .map_or(1024, |length| (length as usize).min(limit))
    }

    fn decode_error(&self, length: Option<usize>, reason: String) -> AuthError {
        AuthError::Decode(DecodeError {
            status: self.status,
            content_type: self.content_type.as_ref().map(|value| shown(value, 100)),
            length,
            reason,
        })
    }
}

/// Collects a body of owned chunks, and stops at the limit: a body that
/// arrives in one chunk (the usual token response) is used as is, not copied.
pub(crate) struct BoundedChunks<B> {
    first: Option<B>,
    rest: Vec<u8>,
    len: usize,
    limit: usize,
}

impl<B: AsRef<[u8]>> BoundedChunks<B> {
    pub(crate) fn new(limit: usize) -> BoundedChunks<B> {
        BoundedChunks {
            first: None,
            rest: Vec::new(),
            len: 0,
            limit,
        }
    }

    /// Adds a chunk; an error once the body would pass the limit.
    pub(crate) fn push(&mut self, chunk: B, head: &Head) -> Result<(), AuthError> {
        self.len += chunk.as_ref().len();
        if self.len > self.limit {
            return Err(head.too_large(self.limit));
        }
        if self.first.is_none() && self.rest.is_empty() {
            self.first = Some(chunk);
            return Ok(());
        }
        if let Some(first) = self.first.take() {
            self.rest.reserve(head.capacity(self.limit).max(self.len));
            self.rest.extend_from_slice(first.as_ref());
        }
        self.rest.extend_from_slice(chunk.as_ref());
        Ok(())
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        match &self.first {
            Some(first) => first.as_ref(),
            None => &self.rest,
        }
    }
}

/// A whole answer: its head, its body (read up to the limit: `BoundedChunks`,
/// or a `Vec` from a blocking reader), and when its request was sent.
pub(crate) struct Answer<B> {
    pub(crate) head: Head,
    pub(crate) body: B,
    pub(crate) sent_at: Instant,
}

/// Turns a complete answer into a token or an error.
pub(crate) fn interpret(
    head: &Head,
    body: &[u8],
    credentials: &Credentials,
    sent_at: Instant,
) -> Result<Token, AuthError> {
    if head.is_success() {
        return decode_token(head, body, credentials.scope(), sent_at);
    }
    let secret = credentials
        .client_secret()
        .map_or("", |secret| secret.expose_secret());
    Err(failure(head, body, &[secret]))
}

/// The error an answer other than a 2xx stands for. None of `secrets`, nor
/// any part of one, appears in it: they are taken out of the server's text
/// before it is cut to length.
pub(crate) fn failure(head: &Head, body: &[u8], secrets: &[&str]) -> AuthError {
    match head.status {
        300..=399 => head.redirected(),
        429 => AuthError::RateLimited {
            retry_after: head.retry_after,
            errors: api_errors(body, secrets),
        },
        400..=499 => AuthError::Rejected {
            status: head.status,
            errors: api_errors(body, secrets),
        },
        _ => AuthError::Server {
            status: head.status,
            retry_after: head.retry_after,
            errors: api_errors(body, secrets),
        },
    }
}

/// A success body, as documented; unknown fields are ignored. Strings borrow
/// from the body unless they hold escapes.
#[derive(Deserialize, Default)]
struct WireToken<'a> {
    #[serde(borrow)]
    access_token: Option<Cow<'a, str>>,
    #[serde(borrow)]
    token_type: Option<Cow<'a, str>>,
    expires_in: Option<Integer>,
    #[serde(borrow)]
    scope: Option<Cow<'a, str>>,
    created_at: Option<Integer>,
}

fn decode_token(
    head: &Head,
    body: &[u8],
    requested: Option<&ScopeSet>,
    sent_at: Instant,
) -> Result<Token, AuthError> {
    let fail = |reason: String| Err(head.decode_error(Some(body.len()), reason));
    if body.is_empty() {
        return fail("the body is empty".into());
    }
    // The usual answer is read in one pass; serde_json reads anything else,
    // and says what is wrong with it.
    let (wire, token_checked) = match plain::token_response(body) {
        Some(wire) => (wire, true),
        None => match serde_json::from_slice::<WireToken<'_>>(body) {
            Ok(wire) => (wire, false),
            Err(err) => return fail(json_error_reason(&err)),
        },
    };
    let Some(access_token) = wire.access_token else {
        return fail("it has no `access_token`".into());
    };
    if access_token.is_empty() {
        return fail("its `access_token` is empty".into());
    }
    // A token goes into an `Authorization` header later: refuse what cannot
    // (the one-pass reader took only visible ASCII already).
    if !token_checked && !is_visible_ascii(access_token.as_bytes()) {
        return fail(
            "its `access_token` holds characters that cannot be sent in an HTTP header".into(),
        );
    }
    let token_type = wire.token_type.as_deref().unwrap_or("bearer");
    if !token_type.eq_ignore_ascii_case("bearer") {
        // Not shown: a broken server could put anything there, a token included.
        return fail(format!(
            "its `token_type` ({} characters) is not `bearer`, which was expected",
            token_type.chars().count()
        ));
    }
    let expires_in = match wire.expires_in {
        None => return fail("it has no `expires_in`".into()),
        Some(Integer(seconds)) if seconds < 0 => {
            return fail("its `expires_in` is negative".into());
        }
        Some(Integer(seconds)) => Duration::from_secs(seconds as u64),
    };
    let Some(expires_at) = sent_at.checked_add(expires_in) else {
        return fail("its `expires_in` is too large to be a lifetime".into());
    };
    let created_at = match wire.created_at {
        Some(Integer(seconds)) => seconds,
        None => unix_now(),
    };
    let scope = wire.scope.as_deref().unwrap_or("");
    // The server usually grants the scope asked for: reuse it instead of parsing.
    let scopes = match requested {
        Some(requested) if same_text(requested, scope) => Some(requested.clone()),
        _ => scope.parse().ok(),
    };
    // The usual type, as the server usually spells it, needs no copy.
    let token_type = if token_type == "bearer" {
        Cow::Borrowed("bearer")
    } else {
        Cow::Owned(token_type.to_owned())
    };
    Ok(Token::from_parts(
        access_token.into_owned(),
        token_type,
        expires_in,
        scope.to_owned(),
        scopes,
        created_at,
        expires_at,
    ))
}

/// Whether every byte is visible ASCII (`!` to `~`): what an HTTP header
/// value can carry. Without short-circuit, so it vectorizes over a long JWT.
fn is_visible_ascii(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .fold(true, |ok, &b| ok & (b.wrapping_sub(0x21) < 0x5e))
}

/// A one-pass reader for token responses of the usual form: one flat JSON
/// object whose strings are printable ASCII without escapes, whose numbers
/// are plain whole numbers, with no field twice.
///
/// It gives up (`None`) on anything else: an escape, a byte outside printable
/// ASCII, a nested value, a fraction or exponent, a negative number, a
/// repeated field, any syntax error. `serde_json` then reads the body, so what
/// is accepted, and every error, is exactly what `serde_json` makes of it:
/// this reader only ever returns what `serde_json` would have.
mod plain {
    use std::borrow::Cow;

    use super::{Integer, WireToken};

    /// Reads a token response; `None` to leave it to `serde_json`.
    pub(super) fn token_response(body: &[u8]) -> Option<WireToken<'_>> {
        let mut reader = Reader { bytes: body, at: 0 };
        let mut wire = WireToken::default();
        let mut seen = 0u8;
        reader.expect(b'{')?;
        if reader.peek()? == b'}' {
            reader.at += 1;
        } else {
            loop {
                reader.expect(b'"')?;
                let field = reader.field_name()?;
                reader.expect(b':')?;
                if field != Field::Other {
                    // A field twice, even after a `null`, is an error for serde.
                    let bit = 1 << field as u8;
                    if seen & bit != 0 {
                        return None;
                    }
                    seen |= bit;
                }
                match field {
                    Field::AccessToken => {
                        wire.access_token = reader.string_or_null::<0x21>()?.map(Cow::Borrowed);
                    }
                    Field::TokenType => {
                        wire.token_type = reader.string_or_null::<0x20>()?.map(Cow::Borrowed);
                    }
                    Field::Scope => {
                        wire.scope = reader.string_or_null::<0x20>()?.map(Cow::Borrowed)
                    }
                    Field::ExpiresIn => wire.expires_in = reader.integer_or_null()?.map(Integer),
                    Field::CreatedAt => wire.created_at = reader.integer_or_null()?.map(Integer),
                    Field::Other => reader.skip_value()?,
                }
                match reader.peek()? {
                    b',' => reader.at += 1,
                    b'}' => {
                        reader.at += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        reader.skip_whitespace();
        (reader.at == body.len()).then_some(wire)
    }

    /// The fields of a token response, and any other.
    #[derive(Clone, Copy, PartialEq)]
    enum Field {
        AccessToken,
        TokenType,
        ExpiresIn,
        Scope,
        CreatedAt,
        Other,
    }

    const FIELDS: [(&str, Field); 5] = [
        ("access_token\"", Field::AccessToken),
        ("token_type\"", Field::TokenType),
        ("expires_in\"", Field::ExpiresIn),
        ("scope\"", Field::Scope),
        ("created_at\"", Field::CreatedAt),
    ];

    struct Reader<'a> {
        bytes: &'a [u8],
        at: usize,
    }

    impl<'a> Reader<'a> {
        fn skip_whitespace(&mut self) {
            while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
                self.at += 1;
            }
        }

        /// The next byte that is not whitespace, not consumed.
        fn peek(&mut self) -> Option<u8> {
            self.skip_whitespace();
            self.bytes.get(self.at).copied()
        }

        fn expect(&mut self, byte: u8) -> Option<()> {
            if self.peek()? != byte {
                return None;
            }
            self.at += 1;
            Some(())
        }

        /// The rest of a string whose opening quote was read: bytes from `LOW`
        /// to `~`, but no quote and no backslash, up to the closing quote.
        fn string<const LOW: u8>(&mut self) -> Option<&'a [u8]> {
            let start = self.at;
            let end = start + plain_prefix::<LOW>(&self.bytes[start..]);
            if self.bytes.get(end) != Some(&b'"') {
                return None;
            }
            self.at = end + 1;
            Some(&self.bytes[start..end])
        }

        /// The name of a field whose opening quote was read: a known one is
        /// recognized with its closing quote, any other is read as a string.
        fn field_name(&mut self) -> Option<Field> {
            let rest = &self.bytes[self.at..];
            for (name, field) in FIELDS {
                if rest.starts_with(name.as_bytes()) {
                    self.at += name.len();
                    return Some(field);
                }
            }
            self.string::<0x20>().map(|_| Field::Other)
        }

        /// A string or `null` (`Some(None)`); `None` to give up.
        fn string_or_null<const LOW: u8>(&mut self) -> Option<Option<&'a str>> {
            Some(match self.peek()? {
                b'"' => {
                    self.at += 1;
                    // ASCII, as read: this cannot fail.
                    Some(std::str::from_utf8(self.string::<LOW>()?).ok()?)
                }
                b'n' => {
                    self.literal("null")?;
                    None
                }
                _ => return None,
            })
        }

        /// A whole number of at most 18 digits, without sign or leading zero.
        fn integer(&mut self) -> Option<i64> {
            let digits = &self.bytes[self.at..];
            let mut value: i64 = 0;
            let mut len = 0;
            while let Some(&digit @ b'0'..=b'9') = digits.get(len) {
                if len == 18 {
                    return None;
                }
                value = value * 10 + i64::from(digit - b'0');
                len += 1;
            }
            if len == 0 || (len > 1 && digits[0] == b'0') {
                return None;
            }
            self.at += len;
            Some(value)
        }

        fn integer_or_null(&mut self) -> Option<Option<i64>> {
            Some(match self.peek()? {
                b'0'..=b'9' => Some(self.integer()?),
                b'n' => {
                    self.literal("null")?;
                    None
                }
                _ => return None,
            })
        }

        fn literal(&mut self, word: &str) -> Option<()> {
            if !self.bytes[self.at..].starts_with(word.as_bytes()) {
                return None;
            }
            self.at += word.len();
            Some(())
        }

        /// Skips the value of a field nobody reads: a plain string, whole
        /// number, `true`, `false` or `null`.
        fn skip_value(&mut self) -> Option<()> {
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    self.string::<0x20>().map(drop)
                }
                b'0'..=b'9' => self.integer().map(drop),
                b't' => self.literal("true"),
                b'f' => self.literal("false"),
                b'n' => self.literal("null"),
                _ => None,
            }
        }
    }

    /// How many leading bytes are from `LOW` to `~` and neither `"` nor `\\`.
    /// Thirty-two bytes at a time while they all are, without branches
    /// inside, so a long token is checked in vector steps.
    fn plain_prefix<const LOW: u8>(bytes: &[u8]) -> usize {
        let plain = |b: u8| (b.wrapping_sub(LOW) <= b'~' - LOW) & (b != b'"') & (b != b'\\');
        let mut len = 0;
        for chunk in bytes.as_chunks::<32>().0 {
            let mut bad = 0u8;
            for &b in chunk {
                bad |= u8::from(!plain(b));
            }
            if bad != 0 {
                break;
            }
            len += 32;
        }
        len + bytes[len..].iter().take_while(|&&b| plain(b)).count()
    }
}

/// Whether a scope set's text is exactly `text`, without building a string.
fn same_text(set: &ScopeSet, text: &str) -> bool {
    let mut rest = text.as_bytes();
    for_each_scope_part(set, |piece| match rest.strip_prefix(piece.as_bytes()) {
        Some(after) => {
            rest = after;
            true
        }
        None => false,
    }) && rest.is_empty()
}

/// What was wrong with a body serde could not read, without a byte of it.
fn json_error_reason(err: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match err.classify() {
        Category::Eof => "the JSON ends early: the answer is truncated".into(),
        Category::Syntax => format!(
            "it is not JSON (syntax error at line {}, column {})",
            err.line(),
            err.column()
        ),
        Category::Data => format!(
            "it is JSON of the wrong shape (at line {}, column {}): a token response is an object with \
             `access_token`, `token_type`, `expires_in`, `scope` and `created_at`",
            err.line(),
            err.column()
        ),
        Category::Io => "it could not be read".into(),
    }
}

/// An error body in any of its three shapes.
#[derive(Deserialize)]
struct WireErrors {
    errors: Option<OneOrMany>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<WireApiError>),
    One(WireApiError),
}

#[derive(Deserialize)]
struct WireApiError {
    title: Option<String>,
    detail: Option<String>,
    code: Option<String>,
    status: Option<Integer>,
}

/// The errors an error body lists; none when it is not one of the known shapes
/// (an HTML page, say).
fn api_errors(body: &[u8], secrets: &[&str]) -> Vec<ApiError> {
    let Ok(wire) = serde_json::from_slice::<WireErrors>(body) else {
        return Vec::new();
    };
    let convert = |error: WireApiError| {
        let title = error
            .title
            .or_else(|| error.code.clone())
            .unwrap_or_else(|| "error".into());
        ApiError {
            title: clean(&title, secrets, 200),
            detail: error.detail.map(|detail| clean(&detail, secrets, 500)),
            code: error.code.map(|code| clean(&code, secrets, 100)),
            status: error
                .status
                .and_then(|Integer(status)| u16::try_from(status).ok()),
        }
    };
    match (wire.errors, wire.error) {
        (Some(OneOrMany::Many(errors)), _) => errors.into_iter().map(convert).collect(),
        (Some(OneOrMany::One(error)), _) => vec![convert(error)],
        (None, Some(error)) => vec![ApiError {
            title: clean(&error, secrets, 200),
            detail: wire
                .error_description
                .map(|detail| clean(&detail, secrets, 500)),
            code: None,
            status: None,
        }],
        (None, None) => Vec::new(),
    }
}

/// A header value made safe to show.
fn shown(value: &HeaderValue, max: usize) -> String {
    clean(&String::from_utf8_lossy(value.as_bytes()), &[], max)
}

/// Server text made safe to show: no control characters, no copy of a
/// secret (taken out before the text is cut, so no fragment is left either),
/// at most `max` characters.
fn clean(text: &str, secrets: &[&str], max: usize) -> String {
    let mut text: Cow<'_, str> = Cow::Borrowed(text);
    for secret in secrets {
        if !secret.is_empty() && text.contains(secret) {
            text = Cow::Owned(text.replace(secret, "[REDACTED]"));
        }
    }
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// `Retry-After` as seconds or as an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = parse_http_date(value)?;
    Some(Duration::from_secs(
        at.saturating_sub(unix_now()).max(0) as u64
    ))
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as Unix seconds.
fn parse_http_date(value: &str) -> Option<i64> {
    let mut parts = value.split_ascii_whitespace();
    let (_weekday, day, month, year, time, zone) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if zone != "GMT" || parts.next().is_some() {
        return None;
    }
    let day: i64 = day.parse().ok()?;
    let year: i64 = year.parse().ok()?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? as i64 + 1;
    let mut hms = time.split(':').map(|part| part.parse::<i64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    if !(1..=31).contains(&day)
        || !(0..24).contains(&h)
        || !(0..60).contains(&m)
        || !(0..61).contains(&s)
    {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

/// A whole number sent as a JSON number or as a string of digits (the Core API
/// sends `status` as `"401"`).
struct Integer(i64);

impl<'de> Deserialize<'de> for Integer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Integer, D::Error> {
        struct IntegerVisitor;

        impl Visitor<'_> for IntegerVisitor {
            type Value = Integer;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number")
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Integer, E> {
                Ok(Integer(value))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Integer, E> {
                i64::try_from(value)
                    .map(Integer)
                    .map_err(|_| E::custom("number out of range"))
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Integer, E> {
                if value.fract() == 0.0 && value.abs() < 9.0e15 {
                    Ok(Integer(value as i64))
                } else {
                    Err(E::custom("not a whole number"))
                }
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Integer, E> {
                value
                    .trim()
                    .parse()
                    .map(Integer)
                    .map_err(|_| E::custom("not a whole number"))
            }
        }

        deserializer.deserialize_any(IntegerVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_parse_to_unix_seconds() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 CET"), None);
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn retry_after_takes_seconds_and_dates_in_the_past_as_zero() {
        assert_eq!(parse_retry_after(" 30 "), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn bounded_chunks_keep_one_chunk_and_join_several() {
        let head = Head::new(StatusCode::OK, &HeaderMap::new());
        let mut one = BoundedChunks::new(10);
        one.push(b"abc".to_vec(), &head).unwrap();
        assert_eq!(one.bytes(), b"abc");
        let mut three = BoundedChunks::new(10);
        for chunk in [&b"ab"[..], b"cd", b"ef"] {
            three.push(chunk.to_vec(), &head).unwrap();
        }
        assert_eq!(three.bytes(), b"abcdef");
        assert!(three.push(b"ghijk".to_vec(), &head).is_err());
    }

    /// What a reading of a token response found, to compare two readings.
    type Fields = (
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<String>,
        Option<i64>,
    );

    fn fields(wire: &WireToken<'_>) -> Fields {
        (
            wire.access_token.as_deref().map(str::to_owned),
            wire.token_type.as_deref().map(str::to_owned),
            wire.expires_in.as_ref().map(|Integer(value)| *value),
            wire.scope.as_deref().map(str::to_owned),
            wire.created_at.as_ref().map(|Integer(value)| *value),
        )
    }

    /// The one-pass reader either gives up or finds what serde_json finds.
    fn check_plain_agrees(body: &[u8]) -> bool {
        let Some(plain) = plain::token_response(body) else {
            return false;
        };
        let serde = serde_json::from_slice::<WireToken<'_>>(body).unwrap_or_else(|err| {
            panic!(
                "the one-pass reader accepted what serde_json refuses ({err}): {}",
                String::from_utf8_lossy(body)
            )
        });
        assert_eq!(
            fields(&plain),
            fields(&serde),
            "{}",
            String::from_utf8_lossy(body)
        );
        true
    }

    #[test]
    fn the_one_pass_reader_reads_usual_answers() {
        for body in [
            r#"{"access_token":"eyJhbGciOiJSUzUxMiJ9.e30.c2ln","token_type":"bearer","expires_in":14400,"scope":"market:code:europe","created_at":1732800000}"#,
            "{ \"access_token\" : \"a.b.c\" ,\n\t\"token_type\":\"Bearer\",\r\n\"expires_in\":0 } \n",
            r#"{"scope":"market:all stock_location:id:abc","expires_in":7200,"access_token":"x"}"#,
            r#"{"access_token":"x","expires_in":1,"token_type":null,"scope":null,"created_at":null}"#,
            r#"{"access_token":"x","expires_in":1,"owner_id":"abc","refresh":null,"n":12,"t":true,"f":false,"s":"a b"}"#,
            r#"{"access_token":"","expires_in":999999999999999999}"#,
            r#"{"scopes":"x","access_token_":"y","scope ":"z","expires_in":5}"#,
            r#"{}"#,
        ] {
            assert!(check_plain_agrees(body.as_bytes()), "gave up on {body}");
        }
    }

    #[test]
    fn the_one_pass_reader_leaves_the_rest_to_serde_json() {
        let token = "x".repeat(100);
        for body in [
            String::new(),
            " ".into(),
            "[]".into(),
            "null".into(),
            "{".into(),
            r#"{"access_token":"x""#.into(),
            r#"{"access_token":"x","expires_in":1"#.into(),
            r#"{"access_token":"x",}"#.into(),
            r#"{"access_token":"x" "expires_in":1}"#.into(),
            r#"{"access_token":"x"}x"#.into(),
            r#"{"access_token":"x"}{}"#.into(),
            "\u{feff}{}".into(),
            r#"{"access_token":"a\/b","expires_in":1}"#.into(),
            r#"{"access_token":"a b","expires_in":1}"#.into(),
            r#"{"access_token":"ü","expires_in":1}"#.into(),
            "{\"access_token\":\"a\u{7f}\",\"expires_in\":1}".into(),
            "{\"access_token\":\"a\tb\",\"expires_in\":1}".into(),
            r#"{"access_token":1,"expires_in":1}"#.into(),
            r#"{"access_token":"x","access_token":"y","expires_in":1}"#.into(),
            r#"{"access_token":"x","expires_in":1,"expires_in":2}"#.into(),
            r#"{"access_token":null,"access_token":"x","expires_in":1}"#.into(),
            r#"{"access_token":"x","expires_in":null,"expires_in":1}"#.into(),
            r#"{"access_token":"x","expires_in":1,"scope":null,"scope":null}"#.into(),
            r#"{"access_token":"x","expires_in":-1}"#.into(),
            r#"{"access_token":"x","expires_in":01}"#.into(),
            r#"{"access_token":"x","expires_in":1.0}"#.into(),
            r#"{"access_token":"x","expires_in":1e3}"#.into(),
            r#"{"access_token":"x","expires_in":"7200"}"#.into(),
            r#"{"access_token":"x","expires_in":9999999999999999999}"#.into(),
            r#"{"access_token":"x","expires_in":1,"other":{"a":1}}"#.into(),
            r#"{"access_token":"x","expires_in":1,"other":[1]}"#.into(),
            r#"{"access_token":"x","expires_in":1,"other":nul}"#.into(),
            r#"{"access_token":"x","expires_in":1,"other":truth}"#.into(),
            r#"{"acc\u0065ss_token":"x","expires_in":1}"#.into(),
            r#"{"scope":"market:code:\u0065urope","access_token":"x","expires_in":1}"#.into(),
            format!(r#"{{"access_token":"{token}\"{token}","expires_in":1}}"#),
        ] {
            assert!(
                !check_plain_agrees(body.as_bytes()),
                "did not give up on {body}"
            );
        }
    }

    #[test]
    fn the_one_pass_reader_agrees_with_serde_json_on_every_cut_and_change() {
        let body = r#"{"access_token":"eyJhbGciOiJSUzUxMiJ9.eyJvcmdhbml6YXRpb24iOnsiaWQiOiJhYmMifX0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU","token_type":"bearer","expires_in":14400,"scope":"market:code:europe","created_at":1732800000,"owner":null}"#;
        assert!(check_plain_agrees(body.as_bytes()));
        let bytes = body.as_bytes();
        for at in 0..=bytes.len() {
            check_plain_agrees(&bytes[..at]);
            for replacement in [
                b'"', b'\\', b' ', b'\n', b'\0', b'x', b'1', b'}', b',', b':', 0x7f, 0xc3,
            ] {
                let mut changed = bytes.to_vec();
                if at < changed.len() {
                    changed[at] = replacement;
                } else {
                    changed.push(replacement);
                }
                check_plain_agrees(&changed);
                changed.insert(at.min(changed.len()), replacement);
                check_plain_agrees(&changed);
            }
        }
    }

    #[test]
    fn the_one_pass_reader_agrees_with_serde_json_on_every_pair_of_fields() {
        let keys = [
            "access_token",
            "token_type",
            "expires_in",
            "scope",
            "created_at",
            "other",
        ];
        let values = [
            "null",
            "\"bearer\"",
            "\"\"",
            "7200",
            "0",
            "true",
            "-1",
            "\"a\\nb\"",
        ];
        let mut accepted = 0;
        for first in keys {
            for second in keys {
                for one in values {
                    for two in values {
                        let body = format!(r#"{{"{first}":{one},"{second}":{two}}}"#);
                        accepted += usize::from(check_plain_agrees(body.as_bytes()));
                    }
                }
            }
        }
        assert!(accepted > 100, "{accepted}");
    }

    proptest::proptest! {
        #[test]
        fn the_one_pass_reader_agrees_with_serde_json_on_generated_answers(
            members in proptest::collection::vec(
                (
                    proptest::sample::select(vec![
                        "access_token", "token_type", "expires_in", "scope", "created_at",
                        "owner", "scope_", "", "acc\\u0065ss_token",
                    ]),
                    proptest::sample::select(vec![
                        "\"eyJhbGciOiJSUzUxMiJ9.e30.c2ln\"", "\"bearer\"", "\"market:all\"", "\"\"",
                        "\"a b\"", "\"a\\\"b\"", "\"\\u00e9\"", "\"é\"", "0", "7200", "-1", "1.5",
                        "1e2", "01", "99999999999999999999", "null", "true", "false", "{}", "[1]",
                    ]),
                ),
                0..7,
            ),
            spaces in proptest::collection::vec(
                proptest::sample::select(vec!["", " ", "\n", "\t ", "\r\n"]),
                32,
            ),
        ) {
            let mut body = format!("{}{{", spaces[0]);
            for (i, (key, value)) in members.iter().enumerate() {
                if i > 0 {
                    body.push(',');
                }
                body.push_str(&format!(
                    "{}\"{key}\"{}:{}{value}{}",
                    spaces[4 * i + 1],
                    spaces[4 * i + 2],
                    spaces[4 * i + 3],
                    spaces[4 * i + 4]
                ));
            }
            body.push('}');
            body.push_str(spaces[31]);
            check_plain_agrees(body.as_bytes());
        }
    }

    #[test]
    fn same_text_compares_without_allocating() {
        let set: ScopeSet = "market:code:europe stock_location:code:eu".parse().unwrap();
        assert!(same_text(&set, "market:code:europe stock_location:code:eu"));
        assert!(!same_text(&set, "market:code:europe stock_location:code:e"));
        assert!(!same_text(
            &set,
            "market:code:europe stock_location:code:eux"
        ));
        assert!(!same_text(&set, ""));
    }

    #[test]
    fn clean_removes_control_characters_secrets_and_length() {
        assert_eq!(
            clean("bad\r\nsecret s3cr3t", &["s3cr3t"], 100),
            "bad  secret [REDACTED]"
        );
        assert_eq!(clean("abcdef", &[], 3), "abc…");
    }
}
