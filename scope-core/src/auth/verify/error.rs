//! `VerifyError`: why a token was not accepted.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use super::ALGORITHM;
use super::key_cache::printable;
use crate::auth::AuthError;
use crate::auth::claims::ClaimsError;

/// Why a token was not accepted by [`Verifier::verify`](crate::auth::Verifier::verify).
///
/// ```
/// use scope_core::auth::VerifyError;
///
/// let err = VerifyError::Algorithm { found: Some("none".into()) };
/// assert!(err.to_string().contains("RS512"));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum VerifyError {
    /// The text is not a JWT with a JSON header and payload.
    Malformed(ClaimsError),
    /// The header's `alg` is not `RS512` (`None` when the header has no `alg`). Tokens with
    /// `alg: none` land here.
    Algorithm {
        /// The `alg` the header named, shortened and made printable.
        found: Option<String>,
    },
    /// The header names no `kid`, so no key can be chosen.
    MissingKeyId,
    /// No key of the auth server has this `kid`, even after fetching the key set again.
    UnknownKeyId {
        /// The `kid` the header named, shortened and made printable.
        kid: String,
    },
    /// The signature does not match header and payload under the named key: the token was
    /// altered, or signed by someone else.
    BadSignature,
    /// The signature is genuine but the token expired at `expired_at`.
    Expired {
        /// The token's `exp`.
        expired_at: SystemTime,
    },
    /// The token has no `exp` claim, so it cannot be checked for expiry.
    MissingExpiry,
    /// The key set could not be fetched. Callers in the next
    /// [`FAILURE_BACKOFF`](crate::auth::FAILURE_BACKOFF) (or the refetch cooldown, if shorter) get the same error without
    /// a new request.
    KeysUnavailable(Arc<AuthError>),
    /// The key set was fetched but is not a JWKS document.
    InvalidKeySet {
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl VerifyError {
    pub(crate) fn unknown_key(kid: &str) -> Self {
        Self::UnknownKeyId {
            kid: printable(kid),
        }
    }
}

impl From<ClaimsError> for VerifyError {
    fn from(err: ClaimsError) -> Self {
        Self::Malformed(err)
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(err) => fmt::Display::fmt(err, f),
            Self::Algorithm { found: Some(alg) } => write!(
                f,
                "the access token is signed with `{alg}`, but Commerce Layer signs with `{ALGORITHM}` \
                 only; the token is forged or not from Commerce Layer"
            ),
            Self::Algorithm { found: None } => write!(
                f,
                "the access token's header names no algorithm (`alg`); Commerce Layer tokens say \
                 `{ALGORITHM}`"
            ),
            Self::MissingKeyId => f.write_str(
                "the access token's header names no key (`kid`), so its signature cannot be checked",
            ),
            Self::UnknownKeyId { kid } => write!(
                f,
                "the auth server publishes no key `{kid}`; the token is from another auth server \
                 (check the client's base URL or domain) or forged"
            ),
            Self::BadSignature => f.write_str(
                "the access token's signature does not match its content: it was altered or not \
                 signed by this auth server",
            ),
            Self::Expired { expired_at } => {
                let ago = SystemTime::now()
                    .duration_since(*expired_at)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                write!(
                    f,
                    "the access token expired {ago} s ago; request a new one (or, to read an old \
                     token, build the verifier with `ignore_expiry(true)`)"
                )
            }
            Self::MissingExpiry => f.write_str(
                "the access token has no expiry (`exp`), so it cannot be checked for expiry; build \
                 the verifier with `ignore_expiry(true)` to accept it",
            ),
            Self::KeysUnavailable(err) => {
                write!(f, "the auth server's signing keys could not be fetched: {err}")
            }
            Self::InvalidKeySet { reason } => write!(
                f,
                "the auth server's signing keys could not be read: {reason}; check the client's \
                 base URL"
            ),
        }
    }
}

impl std::error::Error for VerifyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Malformed(err) => Some(err),
            Self::KeysUnavailable(err) => Some(&**err),
            _ => None,
        }
    }
}
