//! The status line and headers of an answer, read before its body.

use std::time::Duration;

use http::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use http::{HeaderMap, HeaderValue, StatusCode};

use super::{Request, retry_after};
use crate::auth::{AuthError, DecodeError};

/// What an answer's head says that the reader needs.
pub(crate) struct Head {
    pub(crate) status: u16,
    pub(crate) retry_after: Option<Duration>,
    /// Kept raw; made safe to show only when an error needs them.
    content_type: Option<HeaderValue>,
    location: Option<HeaderValue>,
    content_length: Option<u64>,
}

impl Head {
    pub(crate) fn new(status: StatusCode, headers: &HeaderMap) -> Head {
        let text = |name| headers.get(name).and_then(|value| value.to_str().ok());
        Head {
            status: status.as_u16(),
            retry_after: text(RETRY_AFTER).and_then(retry_after::parse),
            content_type: headers.get(CONTENT_TYPE).cloned(),
            location: headers.get(LOCATION).cloned(),
            content_length: text(CONTENT_LENGTH).and_then(|value| value.trim().parse().ok()),
        }
    }

    /// Whether the status is 2xx.
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error known before the body is read: a redirect (whose body is never
    /// needed) or an announced body larger than the limit.
    pub(crate) fn early_error(&self, limit: usize, request: Request<'_>) -> Option<AuthError> {
        if (300..400).contains(&self.status) {
            return Some(self.redirected(request));
        }
        match self.content_length {
            Some(length) if length > limit as u64 => Some(self.too_large(limit, request)),
            _ => None,
        }
    }

    /// The error a redirect answer stands for (it is never followed). Only the
    /// target's scheme, host and path are shown: a query may echo a secret in
    /// any encoding.
    pub(crate) fn redirected(&self, request: Request<'_>) -> AuthError {
        AuthError::Redirected {
            request: request.kind,
            status: self.status,
            location: self.location.as_ref().map(|value| {
                let text = request.secrets.header(value, 200);
                match text.find(['?', '#']) {
                    Some(end) => format!("{} (query not shown)", &text[..end]),
                    None => text,
                }
            }),
        }
    }

    /// The body is larger than the client accepts.
    pub(crate) fn too_large(&self, limit: usize, request: Request<'_>) -> AuthError {
        self.decode_error(
            None,
            format!("it is larger than the {limit}-byte limit, so it was not read"),
            request,
        )
    }

    /// How much room to reserve for the body.
    pub(crate) fn capacity(&self, limit: usize) -> usize {
        self.content_length.map_or(1024, |length| {
            usize::try_from(length).unwrap_or(limit).min(limit)
        })
    }

    /// The answer could not be read as what `request` expects.
    pub(crate) fn decode_error(
        &self,
        length: Option<usize>,
        reason: String,
        request: Request<'_>,
    ) -> AuthError {
        AuthError::Decode(DecodeError {
            request: request.kind,
            status: self.status,
            content_type: self
                .content_type
                .as_ref()
                .map(|value| request.secrets.header(value, 100)),
            length,
            reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::RequestKind;
    use crate::auth::exchange::Secrets;

    fn head(status: u16, name: http::HeaderName, value: &str) -> Head {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).unwrap());
        Head::new(StatusCode::from_u16(status).unwrap(), &headers)
    }

    const SECRET: &str = "s3cr3t+value";

    fn request(kind: RequestKind) -> Request<'static> {
        Request {
            kind,
            secrets: Secrets([SECRET, "", ""]),
        }
    }

    #[test]
    fn a_redirect_shows_neither_query_nor_secret() {
        for location in [
            "https://evil.example/oauth/token?client_secret=s3cr3t+value",
            "https://evil.example/oauth/token?client_secret=s3cr3t%2Bvalue",
            "https://evil.example/s3cr3t+value#x",
        ] {
            let err = head(307, LOCATION, location).redirected(request(RequestKind::Token));
            let text = format!("{err} {err:?}");
            assert!(!text.contains("s3cr3t"), "{text}");
            assert!(text.contains("https://evil.example/"), "{text}");
        }
    }

    #[test]
    fn a_content_type_is_shown_without_a_secret() {
        let err = head(200, CONTENT_TYPE, "text/html; echo=s3cr3t+value").decode_error(
            Some(5),
            "it is not JSON".into(),
            request(RequestKind::Token),
        );
        let text = format!("{err} {err:?}");
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("text/html; echo=[REDACTED]"), "{text}");
    }

    #[test]
    fn errors_name_their_request() {
        let too_large = head(200, CONTENT_LENGTH, "10000000")
            .early_error(1024, request(RequestKind::KeySet))
            .unwrap();
        assert_eq!(too_large.request(), Some(RequestKind::KeySet));
        assert!(
            too_large.to_string().contains("key-set request"),
            "{too_large}"
        );
        assert!(!too_large.to_string().contains("token"), "{too_large}");
        let redirect = head(302, LOCATION, "https://elsewhere.example/jwks.json")
            .early_error(1024, request(RequestKind::KeySet))
            .unwrap();
        assert!(!redirect.to_string().contains("credentials"), "{redirect}");
    }
}
