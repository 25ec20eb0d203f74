//! Stored records as time would leave them: a token that was granted hours
//! ago and has seconds left, for the tests of renewals. Written through the
//! record's documented line format, so the lifetime the server granted (which
//! says how old the token is) stays the one it granted.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use scope_core::auth::StoredToken;

fn unix_ms(at: SystemTime) -> u128 {
    at.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis()
}

/// `record` with `left` of life on its access token (zero: expired), and,
/// for a session, kept `kept` from now (or as long as before).
///
/// # Panics
///
/// When the record's line does not read back (a record that was not made
/// by `StoredToken`).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use scope_core::auth::{StoredToken, Token};
///
/// let granted = StoredToken::from_token(&Token::new("t", Duration::from_secs(14_400), "", 0));
/// let aged = scope_tests::aged(&granted, Duration::from_secs(5), None);
/// assert!(aged.remaining() <= Duration::from_secs(5));
/// assert_eq!(aged.expires_in(), Duration::from_secs(14_400));
/// ```
pub fn aged(record: &StoredToken, left: Duration, kept: Option<Duration>) -> StoredToken {
    let now = SystemTime::now();
    let line = record.to_line();
    let (session, token) = match line.strip_prefix("session ") {
        Some(rest) => {
            let mut fields = rest.splitn(5, ' ');
            let keep = fields.next().expect("a kept-until field");
            let keep = kept.map_or_else(|| keep.to_owned(), |kept| unix_ms(now + kept).to_string());
            let middle: Vec<&str> = fields.by_ref().take(3).collect();
            let rest = fields.next().expect("the token's fields");
            (
                format!("session {keep} {} ", middle.join(" ")),
                rest.to_owned(),
            )
        }
        None => (String::new(), line),
    };
    let (_, after_expiry) = token.split_once(' ').expect("an expiry field");
    let expires = unix_ms(now + left);
    StoredToken::from_line(&format!("{session}{expires} {after_expiry}"))
        .expect("the rewritten line reads back")
}
