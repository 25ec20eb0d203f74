//! The ways the stand-in can be told to misbehave, and the shapes its errors take.

use std::time::Duration;

/// Something the stand-in does instead of (or before) answering a token request
/// by the rules.
///
/// Set with [`AuthServer::misbehave`](crate::AuthServer::misbehave) (every
/// request until [`behave`](crate::AuthServer::behave)) or
/// [`misbehave_once`](crate::AuthServer::misbehave_once) (the next request).
///
/// ```
/// use std::time::Duration;
/// use scope_tests::{AuthServer, Misbehaviour};
///
/// let server = AuthServer::start();
/// server.misbehave_once(Misbehaviour::RateLimited { retry_after: Some("30".into()) });
/// server.misbehave_once(Misbehaviour::Slow(Duration::from_millis(50)));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Misbehaviour {
    /// `429` with the `errors`-object body seen on rate limits, and a
    /// `Retry-After` header with this exact value when given.
    RateLimited {
        /// The raw `Retry-After` value: seconds (`"30"`) or an HTTP date.
        retry_after: Option<String>,
    },
    /// `500` with an HTML page, as a proxy in front of the server would send.
    ServerErrorHtml,
    /// `503` with an `errors` array, and a `Retry-After` header with this
    /// exact value when given: the server is down for a while.
    Unavailable {
        /// The raw `Retry-After` value: seconds (`"120"`) or an HTTP date.
        retry_after: Option<String>,
    },
    /// `200` with a success body cut off in the middle (the JSON never closes).
    TruncatedJson,
    /// A redirect with this status (such as 307) to `/redirected/oauth/token` on
    /// the stand-in itself, which counts the requests that follow it.
    Redirect(u16),
    /// Waits this long, then answers by the rules.
    Slow(Duration),
    /// `200` with a JSON body of about this many bytes (a valid token padded
    /// with an unknown field). With `announce_length` false it is sent in
    /// chunks without `Content-Length`, so a client must count as it reads.
    Oversized {
        /// The size of the body in bytes.
        bytes: usize,
        /// Whether to send `Content-Length`.
        announce_length: bool,
    },
    /// `200` with a valid token body whose head is sent at once and whose body
    /// follows one byte every `gap`: a peer that could hold a client until its
    /// total timeout, and no longer.
    Trickle {
        /// The pause before each byte.
        gap: Duration,
        /// Whether to send `Content-Length` (otherwise the body is chunked).
        announce_length: bool,
    },
    /// `401` whose error detail repeats the `client_secret` the request sent, as
    /// a careless server might.
    EchoSecret,
    /// Any answer: status, content type and body as given.
    Answer {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type`, if any.
        content_type: Option<String>,
        /// The body.
        body: String,
    },
}

/// How the stand-in renders the errors it sends by the rules: the three shapes
/// Commerce Layer uses. The default is [`ErrorShape::Array`].
///
/// ```
/// use scope_tests::{AuthServer, ErrorShape};
///
/// let server = AuthServer::start();
/// server.error_shape(ErrorShape::OAuth);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorShape {
    /// `{"errors":[{"title","detail","code","status":401,"meta":{}}]}` (usual).
    #[default]
    Array,
    /// `{"errors":{"title","detail","code","status":401}}` (seen on 429).
    Object,
    /// `{"errors":[{…,"status":"401"}]}`: status as a string, as the Core API sends it.
    ArrayStringStatus,
    /// `{"error":"invalid_client","error_description":"…"}` (older OAuth shape).
    OAuth,
}

impl ErrorShape {
    /// The JSON body of one error in this shape.
    pub(crate) fn render(
        self,
        status: u16,
        title: &str,
        detail: &str,
        code: &str,
    ) -> serde_json::Value {
        use serde_json::json;
        match self {
            ErrorShape::Array => json!({"errors": [{
                "title": title, "detail": detail, "code": code, "status": status, "meta": {}
            }]}),
            ErrorShape::Object => json!({"errors": {
                "title": title, "detail": detail, "code": code, "status": status
            }}),
            ErrorShape::ArrayStringStatus => json!({"errors": [{
                "title": title, "detail": detail, "code": code, "status": status.to_string()
            }]}),
            ErrorShape::OAuth => json!({"error": title, "error_description": detail}),
        }
    }
}
