//! How a session renews through the one requester of token sources: with the
//! refresh token of the record the store holds, a record kept for the
//! session's lifetime, and a refusal that ends the session only if the store
//! still holds the record that was refused.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use secrecy::ExposeSecret;

use super::SessionError;
use super::key::fingerprint_of;
use crate::auth::cache::{Failure, RetryHint};
use crate::auth::client::Flavour;
use crate::auth::source::requester::{Renewal, Requester};
use crate::auth::{AuthError, Grant, StoreError, StoredToken, Token, TokenError, trace};

/// Why a session's renewal gave no token, as the cache keeps it (shared by
/// every caller that waited for it).
#[derive(Debug)]
pub(crate) enum SessionFailure {
    /// The store holds no session under the key (logged out, ended, expired).
    NotFound,
    /// The server refused the refresh token, and the session was removed.
    Ended(Arc<AuthError>),
    /// A request failed (or was not sent: a backoff): the session stays.
    Failed(Arc<AuthError>),
    /// The store failed before anything could be asked.
    Store(StoreError),
}

impl From<AuthError> for SessionFailure {
    fn from(error: AuthError) -> SessionFailure {
        SessionFailure::Failed(Arc::new(error))
    }
}

impl SessionFailure {
    fn auth_error(&self) -> Option<&AuthError> {
        match self {
            SessionFailure::Ended(error) | SessionFailure::Failed(error) => Some(error),
            SessionFailure::NotFound | SessionFailure::Store(_) => None,
        }
    }
}

impl RetryHint for SessionFailure {
    fn retry_after(&self) -> Option<Duration> {
        self.auth_error().and_then(AuthError::retry_after)
    }

    /// A session that is gone serves no token, however valid its last one.
    fn drops_value(&self) -> bool {
        matches!(self, SessionFailure::NotFound | SessionFailure::Ended(_))
    }

    fn is_local(&self) -> bool {
        self.auth_error().is_some_and(RetryHint::is_local)
    }

    fn refused_young(age: Duration, refusals: u32) -> Self {
        <AuthError as RetryHint>::refused_young(age, refusals).into()
    }

    fn lifetime_too_short(lifetime: Duration) -> Self {
        <AuthError as RetryHint>::lifetime_too_short(lifetime).into()
    }

    fn kind(&self) -> &'static str {
        match self {
            SessionFailure::NotFound => "session_not_found",
            SessionFailure::Ended(_) => "session_ended",
            SessionFailure::Failed(error) => trace::error_kind(error),
            SessionFailure::Store(_) => "store",
        }
    }
}

/// What a caller gets for a failed renewal.
impl From<Failure<SessionFailure>> for SessionError {
    fn from(failure: Failure<SessionFailure>) -> SessionError {
        let token_error =
            |error: &Arc<AuthError>| TokenError::new(Arc::clone(error), failure.retry_at);
        match &*failure.error {
            SessionFailure::NotFound => SessionError::NotFound,
            SessionFailure::Ended(error) => SessionError::Ended(token_error(error)),
            SessionFailure::Failed(error) => SessionError::Renewal(token_error(error)),
            SessionFailure::Store(error) => SessionError::Store(error.clone()),
        }
    }
}

/// The renewal of one session.
pub(crate) struct SessionRenewal {
    /// How long a record is kept after its refresh token was issued.
    pub(crate) lifetime: Duration,
    /// The session's short hash, for log lines.
    pub(crate) session: String,
}

impl SessionRenewal {
    /// The renewal of the session kept under `store_key`.
    pub(crate) fn new(store_key: &str, lifetime: Duration) -> SessionRenewal {
        SessionRenewal {
            lifetime,
            session: fingerprint_of(store_key).to_owned(),
        }
    }
}

impl SessionRenewal {
    /// The record of a session whose refresh token was just issued: kept for
    /// the session's lifetime, past the access token's expiry.
    pub(crate) fn fresh_record(&self, token: &Token) -> StoredToken {
        let until = SystemTime::now()
            .checked_add(self.lifetime)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        StoredToken::from_token(token).keep_until(until)
    }
}

/// Whether a failed refresh means the refresh token is worthless.
pub(crate) fn refused(error: &AuthError) -> bool {
    matches!(
        error,
        AuthError::Rejected {
            status: 400 | 401,
            ..
        }
    )
}

impl Renewal for SessionRenewal {
    type Error = SessionFailure;

    /// The record's refresh token. No record (or one with no refresh token,
    /// which cannot renew) is no session; a store that failed before any
    /// record was seen is its error.
    fn grant(
        &self,
        record: Result<Option<&StoredToken>, &StoreError>,
    ) -> Result<Grant, SessionFailure> {
        let record = record.map_err(|error| SessionFailure::Store(error.clone()))?;
        let refresh = record
            .and_then(StoredToken::refresh_token)
            .ok_or(SessionFailure::NotFound)?;
        trace::debug!("renewing the session", session = %self.session);
        Ok(Grant::RefreshToken(refresh.clone()))
    }

    /// The refresh token and owner carried over when the answer omits them;
    /// kept for a new lifetime when the refresh token rotated, until the old
    /// record's end otherwise.
    fn granted(&self, mut token: Token, asked_with: Option<&StoredToken>) -> (Token, StoredToken) {
        let previous = asked_with.and_then(StoredToken::refresh_token);
        let rotated = match (token.refresh_token(), previous) {
            (Some(new), Some(old)) => new.expose_secret() != old.expose_secret(),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if token.refresh_token().is_none()
            && let Some(old) = previous
        {
            token = token.with_refresh_token(old.expose_secret());
        }
        if token.owner_id().is_none()
            && let Some((id, kind)) = asked_with.and_then(StoredToken::owner)
        {
            token = token.with_owner(id, kind);
        }
        let record = match asked_with {
            Some(previous) if !rotated => {
                let kept_until = SystemTime::now() + previous.kept_for();
                StoredToken::from_token(&token).keep_until(kept_until)
            }
            _ => self.fresh_record(&token),
        };
        trace::debug!("session renewed", session = %self.session, rotated = %rotated);
        (token, record)
    }

    fn is_refusal(&self, error: &AuthError) -> bool {
        refused(error)
    }

    /// The session ends only if the store still holds the record that was
    /// refused (compare-and-delete): when another instance renewed it
    /// meanwhile (its refresh token rotated, so ours was refused), its token
    /// is served instead.
    async fn refused<C: Flavour>(
        &self,
        requester: &Requester<C, Self>,
        asked_with: Option<&StoredToken>,
        error: AuthError,
    ) -> Result<Token, SessionFailure> {
        let store = &*requester.shared.store;
        let key = &requester.key;
        let Some(asked_with) = asked_with else {
            return Err(SessionFailure::Ended(Arc::new(error)));
        };
        match store.remove_if(key, asked_with.access_token()).await {
            Ok(true) => {
                trace::info!("refresh token refused: session ended", session = %self.session);
                Err(SessionFailure::Ended(Arc::new(error)))
            }
            Ok(false) => match store.get(key).await {
                Ok(Some(record)) => {
                    trace::debug!(
                        "refresh token refused, but another instance renewed the session",
                        session = %self.session,
                    );
                    match record.to_token() {
                        Some(token) if !token.is_expired() => Ok(token),
                        // Its refresh token is newer than ours: the next call renews with it.
                        _ => Err(error.into()),
                    }
                }
                Ok(None) => Err(SessionFailure::NotFound),
                Err(_) => Err(error.into()),
            },
            // Unknown whether another instance renewed: not ended, tried again later.
            Err(_) => Err(error.into()),
        }
    }

    fn removes_refused(&self) -> bool {
        false
    }
}
