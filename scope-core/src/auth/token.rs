//! `Token`: an access token and what the server said about it.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

use crate::ScopeSet;

/// The scheme of the `Authorization` header, with its space.
const BEARER: &str = "Bearer ";

/// An access token from the auth server, with its type, lifetime and scope.
///
/// `Debug` shows everything but the token itself. [`Token::expires_at`] is read
/// from a monotonic clock taken when the request was sent, so it never counts
/// the time the request took as lifetime.
///
/// ```
/// use std::time::Duration;
/// use scope_core::auth::{ExposeSecret, Token};
///
/// let token = Token::new("eyJhbGciOiJSUzUxMiJ9.e30.c2ln", Duration::from_secs(7200), "market:all", 1_732_800_000);
/// assert_eq!(token.access_token().expose_secret(), "eyJhbGciOiJSUzUxMiJ9.e30.c2ln");
/// assert_eq!(token.scope(), "market:all");
/// assert!(!format!("{token:?}").contains("eyJ"));
/// ```
#[derive(Clone)]
pub struct Token {
    access_token: SecretString,
    /// Usually the static `bearer`: no allocation per token.
    token_type: Cow<'static, str>,
    expires_in: Duration,
    scope: String,
    scopes: Option<ScopeSet>,
    created_at: i64,
    expires_at: Instant,
    /// The refresh token of a grant that acts for a person; a secret too.
    refresh_token: Option<SecretString>,
    /// `owner_id` and `owner_type` of such a grant's answer.
    owner: Option<Owner>,
}

/// Who a token acts for, as the answer names them.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Owner {
    id: String,
    kind: String,
}

impl Token {
    /// A token from the server's fields, the granted scope already parsed
    /// (`None` when the grammar rejects it).
    pub(crate) fn from_parts(
        access_token: String,
        token_type: Cow<'static, str>,
        expires_in: Duration,
        scope: String,
        scopes: Option<ScopeSet>,
        created_at: i64,
        expires_at: Instant,
    ) -> Token {
        Token {
            access_token: SecretString::from(access_token),
            token_type,
            expires_in,
            scope,
            scopes,
            created_at,
            expires_at,
            refresh_token: None,
            owner: None,
        }
    }

    /// This token with a refresh token: what a store that saved a customer's
    /// session gives back. The refresh token is a secret like the access token.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::{ExposeSecret, Token};
    ///
    /// let token = Token::new("abc", Duration::from_secs(60), "market:all", 0).with_refresh_token("rt-123");
    /// assert_eq!(token.refresh_token().unwrap().expose_secret(), "rt-123");
    /// assert!(!format!("{token:?}").contains("rt-123"));
    /// ```
    pub fn with_refresh_token(mut self, refresh_token: impl Into<String>) -> Token {
        self.refresh_token = Some(SecretString::from(refresh_token.into()));
        self
    }

    /// This token with its owner's id and type (`customer` or `user`), as
    /// the answer of a grant that acts for a person names them.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::Token;
    ///
    /// let token = Token::new("abc", Duration::from_secs(60), "market:all", 0).with_owner("wQzXyZ", "customer");
    /// assert_eq!(token.owner_id(), Some("wQzXyZ"));
    /// assert_eq!(token.owner_type(), Some("customer"));
    /// ```
    pub fn with_owner(mut self, id: impl Into<String>, kind: impl Into<String>) -> Token {
        self.owner = Some(Owner {
            id: id.into(),
            kind: kind.into(),
        });
        self
    }

    /// The refresh token of a `password`, `authorization_code`, JWT bearer or
    /// `refresh_token` grant; `None` for `client_credentials`. Never shown by
    /// `Debug`.
    ///
    /// ```
    /// let token = scope_core::auth::Token::new("abc", std::time::Duration::from_secs(60), "market:all", 0);
    /// assert!(token.refresh_token().is_none());
    /// ```
    pub fn refresh_token(&self) -> Option<&SecretString> {
        self.refresh_token.as_ref()
    }

    /// The id of the customer or user the token acts for, when it acts for one.
    ///
    /// ```
    /// let token = scope_core::auth::Token::new("abc", std::time::Duration::from_secs(60), "market:all", 0);
    /// assert_eq!(token.owner_id(), None);
    /// ```
    pub fn owner_id(&self) -> Option<&str> {
        self.owner.as_ref().map(|owner| owner.id.as_str())
    }

    /// The type of the owner (`customer` or `user`), when the token acts for one.
    ///
    /// ```
    /// let token = scope_core::auth::Token::new("abc", std::time::Duration::from_secs(60), "market:all", 0);
    /// assert_eq!(token.owner_type(), None);
    /// ```
    pub fn owner_type(&self) -> Option<&str> {
        self.owner.as_ref().map(|owner| owner.kind.as_str())
    }

    /// A bearer token built by hand, expiring `expires_in` from now (on tokio's
    /// clock): for token stores that load a saved token, and for tests.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::Token;
    ///
    /// let token = Token::new("abc", Duration::from_secs(60), "market:code:europe", 0);
    /// assert_eq!(token.token_type(), "bearer");
    /// assert!(!token.is_expired());
    /// ```
    pub fn new(
        access_token: impl Into<String>,
        expires_in: Duration,
        scope: impl Into<String>,
        created_at: i64,
    ) -> Token {
        let now = crate::auth::now();
        let expires_at = now
            .checked_add(expires_in)
            .unwrap_or(now + Duration::from_secs(100 * 365 * 86_400));
        let scope = scope.into();
        let scopes = scope.parse().ok();
        Token::from_parts(
            access_token.into(),
            Cow::Borrowed("bearer"),
            expires_in,
            scope,
            scopes,
            created_at,
            expires_at,
        )
    }

    /// The access token, to send as `Authorization: Bearer {token}`.
    ///
    /// ```
    /// use scope_core::auth::{ExposeSecret, Token};
    ///
    /// let token = Token::new("abc", std::time::Duration::from_secs(60), "market:all", 0);
    /// let header = format!("Bearer {}", token.access_token().expose_secret());
    /// assert_eq!(header, "Bearer abc");
    /// ```
    pub fn access_token(&self) -> &SecretString {
        &self.access_token
    }

    /// The `Authorization` header's value, `Bearer {access token}`, marked
    /// sensitive so that `http`'s `Debug` and HTTP/2's header compression leave
    /// it out.
    ///
    /// # Errors
    ///
    /// [`InvalidAccessToken`] when the access token is empty or holds a byte
    /// that is not visible ASCII. Tokens read from the auth server's answer are
    /// checked for this when they arrive, so only a token built by hand with
    /// [`Token::new`] (or loaded by a store you wrote) can fail here.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::Token;
    ///
    /// let token = Token::new("eyJ.e30.c2ln", Duration::from_secs(60), "market:all", 0);
    /// let value = token.authorization_header()?;
    /// assert_eq!(value, "Bearer eyJ.e30.c2ln");
    /// assert!(value.is_sensitive());
    /// assert!(!format!("{value:?}").contains("eyJ"));
    ///
    /// let typed_by_hand = Token::new("two words", Duration::from_secs(60), "market:all", 0);
    /// assert!(typed_by_hand.authorization_header().is_err());
    /// # Ok::<(), scope_core::auth::InvalidAccessToken>(())
    /// ```
    pub fn authorization_header(&self) -> Result<http::HeaderValue, InvalidAccessToken> {
        let token = self.access_token.expose_secret().as_bytes();
        // Stricter than `HeaderValue`, which also takes tabs and bytes past ASCII.
        if token.is_empty() || !token.iter().all(u8::is_ascii_graphic) {
            return Err(InvalidAccessToken { _private: () });
        }
        let mut bytes = Vec::with_capacity(BEARER.len() + token.len());
        bytes.extend_from_slice(BEARER.as_bytes());
        bytes.extend_from_slice(token);
        let mut value =
            http::HeaderValue::try_from(bytes).map_err(|_| InvalidAccessToken { _private: () })?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// The header as a name and a text, for clients that take strings:
    /// `("Authorization", "Bearer {access token}")`, the text a
    /// [`SecretString`] that `Debug` shows as `[REDACTED]`. It is not checked:
    /// use [`authorization_header`](Token::authorization_header) to have the
    /// token checked for bytes a header cannot carry.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::{ExposeSecret, Token};
    ///
    /// let token = Token::new("eyJ.e30.c2ln", Duration::from_secs(60), "market:all", 0);
    /// let (name, value) = token.authorization_pair();
    /// assert_eq!(name, "Authorization");
    /// assert_eq!(value.expose_secret(), "Bearer eyJ.e30.c2ln");
    /// assert!(!format!("{:?}", token.authorization_pair()).contains("eyJ"));
    /// ```
    pub fn authorization_pair(&self) -> (&'static str, SecretString) {
        let value = format!("{BEARER}{}", self.access_token.expose_secret());
        ("Authorization", SecretString::from(value))
    }

    /// Whether `other` carries the same access token: how a provider tells
    /// whether a token rejected by the Core API is still the one it serves.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scope_core::auth::Token;
    ///
    /// let token = Token::new("abc", Duration::from_secs(60), "market:all", 0);
    /// let renewed = Token::new("def", Duration::from_secs(60), "market:all", 0);
    /// assert!(token.same_access_token(&token.clone()));
    /// assert!(!token.same_access_token(&renewed));
    /// ```
    pub fn same_access_token(&self, other: &Token) -> bool {
        self.access_token.expose_secret() == other.access_token.expose_secret()
    }

    /// The token type as the server sent it: `bearer` in any case.
    ///
    /// ```
    /// let token = scope_core::auth::Token::new("abc", std::time::Duration::from_secs(60), "market:all", 0);
    /// assert!(token.token_type().eq_ignore_ascii_case("bearer"));
    /// ```
    pub fn token_type(&self) -> &str {
        &self.token_type
    }

    /// The lifetime the server granted.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let token = scope_core::auth::Token::new("abc", Duration::from_secs(14_400), "market:all", 0);
    /// assert_eq!(token.expires_in(), Duration::from_secs(14_400));
    /// ```
    pub fn expires_in(&self) -> Duration {
        self.expires_in
    }

    /// The granted scope, as the server sent it (empty when it sent none).
    ///
    /// ```
    /// let token = scope_core::auth::Token::new("abc", std::time::Duration::from_secs(60), "market:all", 0);
    /// assert_eq!(token.scope(), "market:all");
    /// ```
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// The granted scope parsed by this crate's grammar; `None` when the server
    /// sent a form the grammar rejects (or no scope).
    ///
    /// ```
    /// use scope_core::{auth::Token, scopes};
    ///
    /// let token = Token::new("abc", std::time::Duration::from_secs(60), "market:code:europe", 0);
    /// assert_eq!(token.scopes(), Some(&scopes!("market:code:europe")));
    /// let legacy = Token::new("abc", std::time::Duration::from_secs(60), "market:1234", 0);
    /// assert_eq!(legacy.scopes(), None);
    /// ```
    pub fn scopes(&self) -> Option<&ScopeSet> {
        self.scopes.as_ref()
    }

    /// When the server created the token, in Unix seconds.
    ///
    /// ```
    /// let token = scope_core::auth::Token::new("abc", std::time::Duration::from_secs(60), "market:all", 1_732_800_000);
    /// assert_eq!(token.created_at(), 1_732_800_000);
    /// ```
    pub fn created_at(&self) -> i64 {
        self.created_at
    }

    /// When the token expires, on the monotonic clock: the moment the request
    /// was sent plus [`expires_in`](Token::expires_in).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let token = scope_core::auth::Token::new("abc", Duration::from_secs(60), "market:all", 0);
    /// assert!(token.expires_at() > Instant::now());
    /// ```
    pub fn expires_at(&self) -> Instant {
        self.expires_at
    }

    /// How long the token stays valid from now (zero once expired), on tokio's
    /// clock.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let token = scope_core::auth::Token::new("abc", Duration::from_secs(60), "market:all", 0);
    /// assert!(token.remaining() <= Duration::from_secs(60));
    /// ```
    pub fn remaining(&self) -> Duration {
        self.expires_at
            .saturating_duration_since(crate::auth::now())
    }

    /// Whether the token has expired, on tokio's clock.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// assert!(scope_core::auth::Token::new("abc", Duration::ZERO, "market:all", 0).is_expired());
    /// ```
    pub fn is_expired(&self) -> bool {
        self.remaining().is_zero()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &"[REDACTED]")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .field("created_at", &self.created_at)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("owner_id", &self.owner_id())
            .field("owner_type", &self.owner_type())
            .finish_non_exhaustive()
    }
}

/// A token that cannot be sent in an `Authorization` header: its access token
/// is empty or holds a byte that is not visible ASCII. The auth server never
/// issues such a token; one built with [`Token::new`] can be one. The error
/// never shows the token.
///
/// ```
/// use std::time::Duration;
/// use scope_core::auth::Token;
///
/// let err = Token::new("caf\u{e9}", Duration::from_secs(60), "market:all", 0)
///     .authorization_header()
///     .unwrap_err();
/// assert!(err.to_string().contains("visible ASCII"));
/// assert!(!err.to_string().contains("caf"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidAccessToken {
    _private: (),
}

impl fmt::Display for InvalidAccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "the access token cannot be sent in an `Authorization` header: it is empty or holds \
             a byte that is not visible ASCII; tokens from the auth server never do, so check the \
             text given to `Token::new` or loaded by the token store",
        )
    }
}

impl std::error::Error for InvalidAccessToken {}
