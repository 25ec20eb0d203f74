//! What is said to the auth server and what its answers mean, without any I/O:
//! request bodies in, a [`Token`](super::Token) or an [`AuthError`](super::AuthError)
//! out. Both clients (async and blocking) send what this module writes and hand
//! it what came back, so the two flavours cannot read an answer differently.
//!
//! Nothing here copies an answer's body into an error, and every piece of
//! server text that an error shows (error bodies, `Location`, `Content-Type`)
//! goes through [`Secrets::clean`] first.

mod api_errors;
mod body;
mod grant_body;
mod head;
mod redact;
mod retry_after;
mod token_answer;

use std::fmt;
use std::time::Instant;

pub(crate) use body::Outgoing;
pub(crate) use head::Head;
pub(crate) use redact::Secrets;

use super::AuthError;

/// Which request an [`AuthError`] belongs to: a token request, a revocation,
/// or the fetch of the auth server's signing keys.
///
/// ```
/// use scope_core::auth::{AuthError, RequestKind};
///
/// fn retry_worth_it(err: &AuthError) -> bool {
///     err.request() == Some(RequestKind::Token) && err.is_retryable()
/// }
/// # let _ = retry_worth_it;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestKind {
    /// `POST {base}/oauth/token`.
    Token,
    /// `POST {base}/oauth/revoke`.
    Revocation,
    /// `GET {base}/.well-known/jwks.json` (feature `verify`).
    KeySet,
}

impl fmt::Display for RequestKind {
    /// The request as a sentence names it.
    ///
    /// ```
    /// assert_eq!(scope_core::auth::RequestKind::KeySet.to_string(), "key-set request");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RequestKind::Token => "token request",
            RequestKind::Revocation => "revocation",
            RequestKind::KeySet => "key-set request",
        })
    }
}

impl RequestKind {
    /// Whether the request carries credentials (a redirect would send them elsewhere).
    pub(crate) fn carries_credentials(self) -> bool {
        !matches!(self, RequestKind::KeySet)
    }
}

/// One request as the answer's reader needs to know it: what it was, and the
/// secrets it carried, which no error may show.
#[derive(Clone, Copy)]
pub(crate) struct Request<'a> {
    pub(crate) kind: RequestKind,
    pub(crate) secrets: Secrets<'a>,
}

/// The key-set fetch: a GET that carries no secret.
#[cfg(feature = "verify")]
pub(crate) const KEY_SET: Request<'static> = Request {
    kind: RequestKind::KeySet,
    secrets: Secrets([""; 3]),
};

/// A whole answer: its head, its body (read up to the limit), and when its
/// request was sent (the start of a token's lifetime).
pub(crate) struct Answer {
    pub(crate) head: Head,
    pub(crate) body: Vec<u8>,
    pub(crate) sent_at: Instant,
}

impl Answer {
    /// The error an answer other than a 2xx stands for.
    pub(crate) fn failure(&self, request: Request<'_>) -> AuthError {
        api_errors::failure(&self.head, &self.body, request)
    }

    /// A revocation's outcome: any 2xx is success, whatever its body
    /// (Commerce Layer sends `{}`).
    pub(crate) fn revocation(&self, request: Request<'_>) -> Result<(), AuthError> {
        if self.head.is_success() {
            return Ok(());
        }
        Err(self.failure(request))
    }

    /// The body of a 2xx answer to a GET; the error of any other.
    #[cfg(feature = "verify")]
    pub(crate) fn document(self, request: Request<'_>) -> Result<Vec<u8>, AuthError> {
        if self.head.is_success() {
            return Ok(self.body);
        }
        // An error body of a key-set fetch is not worth reading.
        Err(api_errors::failure(&self.head, &[], request))
    }
}

/// A body read chunk by chunk that stops at the limit.
pub(crate) struct BoundedBody {
    bytes: Vec<u8>,
    limit: usize,
}

impl BoundedBody {
    /// Room for the announced length, if any, up to the limit.
    pub(crate) fn new(head: &Head, limit: usize) -> BoundedBody {
        BoundedBody {
            bytes: Vec::with_capacity(head.capacity(limit)),
            limit,
        }
    }

    /// Adds a chunk; an error once the body passes the limit.
    pub(crate) fn push(
        &mut self,
        chunk: &[u8],
        head: &Head,
        request: Request<'_>,
    ) -> Result<(), AuthError> {
        if self.bytes.len() + chunk.len() > self.limit {
            return Err(head.too_large(self.limit, request));
        }
        self.bytes.extend_from_slice(chunk);
        Ok(())
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bounded_body_joins_chunks_and_stops_past_the_limit() {
        let head = Head::new(http::StatusCode::OK, &http::HeaderMap::new());
        let request = Request {
            kind: RequestKind::KeySet,
            secrets: Secrets::default(),
        };
        let mut body = BoundedBody::new(&head, 10);
        for chunk in [&b"ab"[..], b"cd", b"ef"] {
            body.push(chunk, &head, request).unwrap();
        }
        let err = body.push(b"ghijk", &head, request).unwrap_err();
        assert!(err.to_string().contains("key-set request"), "{err}");
        assert_eq!(body.into_bytes(), b"abcdef");
    }
}
