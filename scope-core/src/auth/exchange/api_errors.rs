//! Error answers: their status, and their body in any of the three shapes the
//! auth server uses.

use serde::Deserialize;

use super::token_answer::Integer;
use super::{Head, Request};
use crate::auth::{ApiError, AuthError};

/// The error an answer other than a 2xx stands for. None of the request's
/// secrets appears in it.
pub(crate) fn failure(head: &Head, body: &[u8], request: Request<'_>) -> AuthError {
    let errors = || api_errors(body, request);
    match head.status {
        300..=399 => head.redirected(request),
        429 => AuthError::RateLimited {
            request: request.kind,
            retry_after: head.retry_after,
            errors: errors(),
        },
        400..=499 => AuthError::Rejected {
            request: request.kind,
            status: head.status,
            errors: errors(),
        },
        _ => AuthError::Server {
            request: request.kind,
            status: head.status,
            retry_after: head.retry_after,
            errors: errors(),
        },
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
fn api_errors(body: &[u8], request: Request<'_>) -> Vec<ApiError> {
    let Ok(wire) = serde_json::from_slice::<WireErrors>(body) else {
        return Vec::new();
    };
    let clean = |text: &str, max| request.secrets.clean(text, max);
    let convert = |error: WireApiError| ApiError {
        title: clean(
            error
                .title
                .as_deref()
                .or(error.code.as_deref())
                .unwrap_or("error"),
            200,
        ),
        detail: error.detail.map(|detail| clean(&detail, 500)),
        code: error.code.map(|code| clean(&code, 100)),
        status: error
            .status
            .and_then(|Integer(status)| u16::try_from(status).ok()),
    };
    match (wire.errors, wire.error) {
        (Some(OneOrMany::Many(errors)), _) => errors.into_iter().map(convert).collect(),
        (Some(OneOrMany::One(error)), _) => vec![convert(error)],
        (None, Some(error)) => vec![ApiError {
            title: clean(&error, 200),
            detail: wire.error_description.map(|detail| clean(&detail, 500)),
            code: None,
            status: None,
        }],
        (None, None) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::RequestKind;
    use crate::auth::exchange::Secrets;

    /// The error for a revocation of `token` (by an integration whose secret is
    /// `s3cret`) that the server answers with `status` and `body`.
    fn refusal(status: u16, body: &str, token: &str) -> AuthError {
        let head = Head::new(
            http::StatusCode::from_u16(status).unwrap(),
            &http::HeaderMap::new(),
        );
        let request = Request {
            kind: RequestKind::Revocation,
            secrets: Secrets::of(&["s3cret", token]),
        };
        failure(&head, body.as_bytes(), request)
    }

    #[test]
    fn a_long_token_quoted_past_the_length_limit_leaves_no_fragment() {
        let token = format!("eyJ{}", "x".repeat(900));
        let body = format!(
            r#"{{"errors":[{{"title":"forbidden","detail":"token {token} is not yours"}}]}}"#
        );
        let err = refusal(403, &body, &token);
        let text = format!("{err} {err:?}");
        assert!(!text.contains(&token[..40]), "{text}");
        assert!(text.contains("[REDACTED]"), "{text}");
    }

    #[test]
    fn errors_never_quote_the_token() {
        let body = r#"{"errors":[{"title":"cannot revoke tok.en.text","detail":"token tok.en.text is unknown to s3cret","code":"tok.en.text"}]}"#;
        for status in [403, 429, 500] {
            let err = refusal(status, body, "tok.en.text");
            assert_eq!(err.status(), Some(status));
            assert_eq!(err.request(), Some(RequestKind::Revocation));
            assert_eq!(err.api_errors().len(), 1);
            let text = format!("{err} {err:?}");
            assert!(!text.contains("tok.en.text"), "{text}");
            assert!(!text.contains("s3cret"), "{text}");
            assert!(text.contains("[REDACTED]"));
            assert!(text.contains("revocation"), "{text}");
        }
    }
}
