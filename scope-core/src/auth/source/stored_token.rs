//! [`StoredToken`]: a token as a store keeps it, with its wall-clock expiry,
//! and the one line of text a store of strings (Redis) keeps it as.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::SecretString;

use crate::auth::Token;
/// A token as a store keeps it: the server's fields and an absolute wall-clock
/// expiry. `Debug` hides the access token.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use scope_core::auth::{StoredToken, Token};
///
/// let token = Token::new("abc", Duration::from_secs(7200), "market:all", 1_732_800_000);
/// let stored = StoredToken::from_token(&token);
/// assert!(stored.expires_at() > SystemTime::now() + Duration::from_secs(7100));
/// assert!(!format!("{stored:?}").contains("abc"));
/// let back = stored.to_token().unwrap();
/// assert_eq!(back.scope(), "market:all");
/// ```
#[derive(Clone)]
pub struct StoredToken {
    access_token: SecretString,
    token_type: String,
    expires_in: Duration,
    scope: String,
    created_at: i64,
    expires_at: SystemTime,
    /// How long the store keeps the record: its expiry, or later for a
    /// session, whose refresh token outlives the access token.
    keep_until: SystemTime,
    /// A customer session's refresh token and owner.
    session: Option<Session>,
}

/// What a session's record adds to a token's.
#[derive(Clone)]
struct Session {
    refresh_token: Option<SecretString>,
    owner: Option<(String, String)>,
}

impl StoredToken {
    /// A record from its fields, for stores that load one they saved.
    /// `expires_in` is the lifetime the server granted; `expires_at` the
    /// wall-clock instant the token stops being valid.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use scope_core::auth::StoredToken;
    ///
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(7200), "market:all", 0,
    ///     SystemTime::now() + Duration::from_secs(3600));
    /// assert!(stored.to_token().unwrap().remaining() > Duration::from_secs(3500));
    /// ```
    pub fn new(
        access_token: impl Into<String>,
        token_type: impl Into<String>,
        expires_in: Duration,
        scope: impl Into<String>,
        created_at: i64,
        expires_at: SystemTime,
    ) -> StoredToken {
        StoredToken {
            access_token: SecretString::from(access_token.into()),
            token_type: token_type.into(),
            expires_in,
            scope: scope.into(),
            created_at,
            expires_at,
            keep_until: expires_at,
            session: None,
        }
    }

    /// The record of `token`, its wall-clock expiry taken from what remains of
    /// its life now.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::{StoredToken, Token};
    ///
    /// let stored = StoredToken::from_token(&Token::new("abc", Duration::from_secs(60), "market:all", 0));
    /// assert_eq!(stored.scope(), "market:all");
    /// ```
    pub fn from_token(token: &Token) -> StoredToken {
        let now = SystemTime::now();
        let expires_at = now.checked_add(token.remaining()).unwrap_or(now);
        StoredToken {
            access_token: token.access_token().clone(),
            token_type: token.token_type().to_owned(),
            expires_in: token.expires_in(),
            scope: token.scope().to_owned(),
            created_at: token.created_at(),
            expires_at,
            keep_until: expires_at,
            session: (token.refresh_token().is_some() || token.owner_id().is_some()).then(|| {
                Session {
                    refresh_token: token.refresh_token().cloned(),
                    owner: token
                        .owner_id()
                        .zip(token.owner_type())
                        .map(|(id, kind)| (id.to_owned(), kind.to_owned())),
                }
            }),
        }
    }

    /// The token again, its monotonic expiry taken from what remains of its
    /// life now; `None` once it has expired.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use scope_core::auth::StoredToken;
    ///
    /// let old = StoredToken::new("abc", "bearer", Duration::from_secs(60), "market:all", 0, SystemTime::UNIX_EPOCH);
    /// assert!(old.to_token().is_none());
    /// ```
    pub fn to_token(&self) -> Option<Token> {
        if self.remaining().is_zero() {
            return None;
        }
        Some(self.to_token_even_expired())
    }

    /// The token, even once expired (then it expires now): what a session's
    /// record says of the token a cache may hold.
    pub(crate) fn to_token_even_expired(&self) -> Token {
        let now = crate::auth::now();
        let expires_at = now.checked_add(self.remaining()).unwrap_or(now);
        let mut token = Token::from_parts(
            secrecy::ExposeSecret::expose_secret(&self.access_token).to_owned(),
            self.token_type.clone().into(),
            self.expires_in,
            self.scope.clone(),
            self.scope.parse().ok(),
            self.created_at,
            expires_at,
        );
        if let Some(session) = &self.session {
            if let Some(refresh) = &session.refresh_token {
                token = token.with_refresh_token(secrecy::ExposeSecret::expose_secret(refresh));
            }
            if let Some((id, kind)) = &session.owner {
                token = token.with_owner(id.clone(), kind.clone());
            }
        }
        token
    }

    /// The access token.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use scope_core::auth::{ExposeSecret, StoredToken};
    ///
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(60), "", 0, SystemTime::now());
    /// assert_eq!(stored.access_token().expose_secret(), "abc");
    /// ```
    pub fn access_token(&self) -> &SecretString {
        &self.access_token
    }

    /// The token type the server sent (`bearer`).
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use scope_core::auth::StoredToken;
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(60), "", 0, SystemTime::now());
    /// assert_eq!(stored.token_type(), "bearer");
    /// ```
    pub fn token_type(&self) -> &str {
        &self.token_type
    }

    /// The lifetime the server granted.
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use scope_core::auth::StoredToken;
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(60), "", 0, SystemTime::now());
    /// assert_eq!(stored.expires_in(), Duration::from_secs(60));
    /// ```
    pub fn expires_in(&self) -> Duration {
        self.expires_in
    }

    /// The scope the server granted, as text.
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use scope_core::auth::StoredToken;
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(60), "market:all", 0, SystemTime::now());
    /// assert_eq!(stored.scope(), "market:all");
    /// ```
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// When the server created the token, in Unix seconds.
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use scope_core::auth::StoredToken;
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(60), "", 1_732_800_000, SystemTime::now());
    /// assert_eq!(stored.created_at(), 1_732_800_000);
    /// ```
    pub fn created_at(&self) -> i64 {
        self.created_at
    }

    /// The wall-clock instant the token expires.
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use scope_core::auth::StoredToken;
    /// let at = SystemTime::now() + Duration::from_secs(60);
    /// assert_eq!(StoredToken::new("abc", "bearer", Duration::from_secs(60), "", 0, at).expires_at(), at);
    /// ```
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// How long the token stays valid from now, on the wall clock (zero once
    /// expired).
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use scope_core::auth::StoredToken;
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(60), "", 0, SystemTime::now());
    /// assert_eq!(stored.remaining(), Duration::ZERO);
    /// ```
    pub fn remaining(&self) -> Duration {
        self.expires_at
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    }

    /// This record kept by the store until `until` (never before the token
    /// expires): a customer session is kept past its access token's expiry,
    /// for as long as its refresh token may still renew it.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use scope_core::auth::StoredToken;
    ///
    /// let expired = StoredToken::new("abc", "bearer", Duration::from_secs(60), "", 0, SystemTime::UNIX_EPOCH);
    /// let kept = expired.keep_until(SystemTime::now() + Duration::from_secs(3600));
    /// assert!(kept.to_token().is_none(), "the access token has expired");
    /// assert!(kept.kept_for() > Duration::from_secs(3500), "the record is kept");
    /// ```
    pub fn keep_until(mut self, until: SystemTime) -> StoredToken {
        self.keep_until = until.max(self.expires_at);
        self
    }

    /// How long from now the store should keep the record, on the wall
    /// clock: the token's [`remaining`](StoredToken::remaining) life, or more
    /// for a record given [`keep_until`](StoredToken::keep_until). A store
    /// drops the record once this is zero (and may set it as its expiry).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use scope_core::auth::StoredToken;
    ///
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(60), "", 0,
    ///     SystemTime::now() + Duration::from_secs(60));
    /// assert!(stored.kept_for() <= Duration::from_secs(60));
    /// ```
    pub fn kept_for(&self) -> Duration {
        self.keep_until
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
    }

    /// A customer session's refresh token, if the record holds one: kept
    /// readable after the access token has expired, so the session renews.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::{ExposeSecret, StoredToken, Token};
    ///
    /// let token = Token::new("abc", Duration::from_secs(60), "", 0).with_refresh_token("r3fresh");
    /// let stored = StoredToken::from_token(&token);
    /// assert_eq!(stored.refresh_token().unwrap().expose_secret(), "r3fresh");
    /// ```
    pub fn refresh_token(&self) -> Option<&SecretString> {
        self.session.as_ref()?.refresh_token.as_ref()
    }

    /// A customer session's owner, as (id, type), if the record names one.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::{StoredToken, Token};
    ///
    /// let token = Token::new("abc", Duration::from_secs(60), "", 0).with_owner("wQzX", "customer");
    /// assert_eq!(StoredToken::from_token(&token).owner(), Some(("wQzX", "customer")));
    /// ```
    pub fn owner(&self) -> Option<(&str, &str)> {
        let (id, kind) = self.session.as_ref()?.owner.as_ref()?;
        Some((id, kind))
    }

    /// The record as one line of text, for stores that keep strings: the
    /// expiry in Unix milliseconds, the lifetime in seconds, the creation time,
    /// the token type, the access token and the scope, separated by spaces (the
    /// scope last: it may hold spaces, or be empty). The line holds the access
    /// token: keep it as secret as the token.
    ///
    /// A customer session's record (one with a refresh token or an owner)
    /// starts with `session {kept until, Unix ms} {refresh token} {owner type}
    /// {owner id} ` (`-` for a missing one), then the same fields; it holds the
    /// refresh token too. Commerce Layer's refresh tokens and ids hold no
    /// spaces. A record that is not a session is kept until its expiry.
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use scope_core::auth::{ExposeSecret, StoredToken};
    ///
    /// let stored = StoredToken::new("abc", "bearer", Duration::from_secs(7200), "market:all", 7,
    ///     SystemTime::UNIX_EPOCH + Duration::from_millis(1_732_807_200_000));
    /// assert_eq!(stored.to_line(), "1732807200000 7200 7 bearer abc market:all");
    /// let back = StoredToken::from_line(&stored.to_line()).unwrap();
    /// assert_eq!(back.access_token().expose_secret(), "abc");
    /// assert_eq!(back.expires_at(), stored.expires_at());
    /// ```
    pub fn to_line(&self) -> String {
        let expires_ms = unix_ms(self.expires_at);
        let keep_ms = unix_ms(self.keep_until);
        let session = self.session.as_ref().map_or_else(String::new, |session| {
            let (kind, id) = session
                .owner
                .as_ref()
                .map_or(("-", "-"), |(id, kind)| (kind.as_str(), id.as_str()));
            let refresh = session
                .refresh_token
                .as_ref()
                .map_or("-", secrecy::ExposeSecret::expose_secret);
            format!("session {keep_ms} {refresh} {kind} {id} ")
        });
        format!(
            "{session}{expires_ms} {} {} {} {} {}",
            self.expires_in.as_secs(),
            self.created_at,
            self.token_type,
            secrecy::ExposeSecret::expose_secret(&self.access_token),
            self.scope,
        )
    }

    /// Reads a line written by [`StoredToken::to_line`]; `None` when it is not
    /// one.
    ///
    /// ```
    /// use scope_core::auth::StoredToken;
    ///
    /// assert!(StoredToken::from_line("not a token").is_none());
    /// assert!(StoredToken::from_line("1 2 3 bearer abc market:all").is_some());
    /// ```
    pub fn from_line(line: &str) -> Option<StoredToken> {
        if let Some(rest) = line.strip_prefix("session ") {
            let mut fields = rest.splitn(5, ' ');
            let given = |field: &str| (field != "-" && !field.is_empty()).then(|| field.to_owned());
            let keep_ms: u64 = fields.next()?.parse().ok()?;
            let refresh_token = given(fields.next()?);
            let kind = given(fields.next()?);
            let id = given(fields.next()?);
            let line = fields.next()?;
            // Not a session's line nested in a session's.
            if line.starts_with("session ") {
                return None;
            }
            let mut stored = StoredToken::from_line(line)?
                .keep_until(UNIX_EPOCH.checked_add(Duration::from_millis(keep_ms))?);
            stored.session = Some(Session {
                refresh_token: refresh_token.map(SecretString::from),
                owner: id.zip(kind),
            });
            return Some(stored);
        }
        let mut fields = line.splitn(6, ' ');
        let expires_ms: u64 = fields.next()?.parse().ok()?;
        let expires_in: u64 = fields.next()?.parse().ok()?;
        let created_at: i64 = fields.next()?.parse().ok()?;
        let token_type = fields.next().filter(|token_type| !token_type.is_empty())?;
        let access_token = fields.next().filter(|token| !token.is_empty())?;
        let scope = fields.next()?;
        Some(StoredToken::new(
            access_token,
            token_type,
            Duration::from_secs(expires_in),
            scope,
            created_at,
            UNIX_EPOCH.checked_add(Duration::from_millis(expires_ms))?,
        ))
    }
}

/// `at` in Unix milliseconds (zero before 1970).
fn unix_ms(at: SystemTime) -> u128 {
    at.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis()
}

impl fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredToken")
            .field("access_token", &"[REDACTED]")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("keep_until", &self.keep_until)
            .field(
                "refresh_token",
                &self
                    .session
                    .as_ref()
                    .and_then(|session| session.refresh_token.as_ref())
                    .map(|_| "[REDACTED]"),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_record_keeps_its_refresh_token_and_owner_in_its_line() {
        let token = Token::new(
            "acc.ess.tok",
            Duration::from_secs(3600),
            "market:code:eu",
            9,
        )
        .with_refresh_token("refresh-1")
        .with_owner("cust-1", "customer");
        let keep = UNIX_EPOCH + Duration::from_millis(4_102_444_800_000);
        let line = StoredToken::from_token(&token).keep_until(keep).to_line();
        assert!(
            line.starts_with("session 4102444800000 refresh-1 customer cust-1 "),
            "{line}"
        );
        let record = StoredToken::from_line(&line).unwrap();
        assert_eq!(record.keep_until, keep);
        let back = record.to_token().unwrap();
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(back.refresh_token().unwrap()),
            "refresh-1"
        );
        assert_eq!(back.owner_id(), Some("cust-1"));
        assert_eq!(back.owner_type(), Some("customer"));
        assert_eq!(back.scope(), "market:code:eu");
        assert!(StoredToken::from_line("session refresh-1 customer").is_none());
        // The line of the format before `kept until`: absent, not garbage.
        let old = line.replacen("session 4102444800000 ", "session ", 1);
        assert!(StoredToken::from_line(&old).is_none(), "{old}");
        let nested = line.replacen("cust-1 ", "cust-1 session 1 - - - ", 1);
        assert!(StoredToken::from_line(&nested).is_none(), "{nested}");
    }

    #[test]
    fn lines_round_trip_and_bad_lines_are_refused() {
        let stored = StoredToken::new(
            "a.b.c",
            "bearer",
            Duration::from_secs(14_400),
            "market:code:eu stock_location:code:w",
            -3,
            UNIX_EPOCH + Duration::from_millis(1_732_814_400_123),
        );
        let line = stored.to_line();
        let back = StoredToken::from_line(&line).unwrap();
        assert_eq!(back.scope(), stored.scope());
        assert_eq!(back.expires_at(), stored.expires_at());
        assert_eq!(back.created_at(), -3);
        assert_eq!(back.to_line(), line);
        let unscoped = StoredToken::new("t", "bearer", Duration::ZERO, "", 0, UNIX_EPOCH);
        assert_eq!(
            StoredToken::from_line(&unscoped.to_line()).unwrap().scope(),
            ""
        );
        for bad in [
            "",
            "1 2 3",
            "x 2 3 bearer t s",
            "1 2 3 bearer t",
            "1 2 3 bearer  s",
            "1 2 3  t s",
        ] {
            assert!(StoredToken::from_line(bad).is_none(), "{bad:?}");
        }
    }
}
