//! Which route answers a request: the one place to add a route.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Limited};
use hyper::Request;
use hyper::body::Incoming;

use crate::answer::{self, Answer};
use crate::received::ReceivedRequest;
use crate::state::State;
use crate::token_endpoint;

/// The largest request body the stand-in reads.
const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// Where [`Misbehaviour::Redirect`](crate::Misbehaviour::Redirect) points.
pub(crate) const REDIRECT_TARGET: &str = "/redirected/oauth/token";

pub(crate) async fn route(
    state: Arc<State>,
    request: Request<Incoming>,
) -> Result<Answer, Infallible> {
    let (parts, body) = request.into_parts();
    let shape = state.error_shape();
    let body = match Limited::new(body, MAX_REQUEST_BYTES).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => {
            let detail =
                "the request body is larger than 64 KiB, or the connection broke while sending it";
            return Ok(answer::error(
                shape,
                413,
                "payload_too_large",
                detail,
                "PAYLOAD_TOO_LARGE",
            ));
        }
    };
    let received = ReceivedRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
        received_at: std::time::Instant::now(),
    };
    state.record(received.clone());

    let answer = match (received.method(), received.path()) {
        ("POST", "/oauth/token") => token_endpoint::answer(&state, &received).await,
        ("POST", "/oauth/revoke") => crate::revoke_endpoint::revoke(&state, &received),
        ("GET", crate::jwt::JWKS_PATH) => crate::jwt::jwks_answer(&state),
        (_, "/oauth/token") => answer::error(
            shape,
            405,
            "method_not_allowed",
            "use POST",
            "METHOD_NOT_ALLOWED",
        ),
        (_, REDIRECT_TARGET) => answer::error(
            shape,
            421,
            "redirect_followed",
            "this is where the stand-in redirects to: a client that got here followed a redirect",
            "REDIRECT_FOLLOWED",
        ),
        _ => answer::error(
            shape,
            404,
            "not_found",
            "no such route on the stand-in",
            "NOT_FOUND",
        ),
    };
    Ok(answer)
}
